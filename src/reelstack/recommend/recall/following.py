"""Newest posts of the creators the user follows."""

from __future__ import annotations

import numpy as np

from reelstack.recommend.recall import EMPTY, RecallContext

PER_CREATOR = 10


class FollowedCreators:
    name = "following"

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        catalog = context.state.catalog
        lists = []
        for creator in context.view.follows:
            items = catalog.creator_items.get(creator, [])[-PER_CREATOR * 3 :]
            newest = sorted(items, key=lambda i: -catalog.created_at[i])[:PER_CREATOR]
            lists.append(newest)
        picked: list[int] = []
        for rank in range(PER_CREATOR):  # round-robin: every followed creator gets a turn
            picked += [items[rank] for items in lists if rank < len(items)]
        if not picked:
            return EMPTY
        picked = picked[:n]
        return np.array(picked, np.int64), 1.0 / (1.0 + np.arange(len(picked), dtype=np.float32))
