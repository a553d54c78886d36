"""Fresh-post exploration: the newest posts that have not had their exposure budget yet.

Every new post is guaranteed some impressions (``fresh_budget``) so it can show what it is
worth; posts are drawn at random from the newest ``fresh_pool`` (the user's language first),
and the re-ranker reserves exploration slots for them.
"""

from __future__ import annotations

import time

import numpy as np

from reelstack.recommend.recall import EMPTY, RecallContext
from reelstack.recommend.state import RealtimeState

MIN_AGE_S = 5.0


class FreshItems:
    name = "fresh"

    def __init__(self, state: RealtimeState) -> None:
        self.state = state
        self._cache: tuple[int, float, np.ndarray] | None = None

    def pool(self) -> np.ndarray:
        catalog = self.state.catalog
        cache, now = self._cache, time.monotonic()
        if cache and (cache[0] == catalog.revision or now - cache[1] < MIN_AGE_S):
            return cache[2]
        size = len(catalog)
        created = catalog.created_at[:size]
        k = min(self.state.settings.fresh_pool, size)
        idx = np.argpartition(-created, k - 1)[:k] if k else np.zeros(0, np.int64)
        self._cache = (catalog.revision, now, idx.astype(np.int64))
        return self._cache[2]

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        pool = self.pool()
        if not len(pool):
            return EMPTY
        state = self.state
        impressions = state.item_array("impressions", len(state.catalog.creator))[pool]
        budget = state.settings.fresh_budget
        open_ = pool[impressions < budget]
        if not len(open_):
            return EMPTY
        language = context.view.language
        if language >= 0:
            same = open_[state.catalog.language[open_] == language]
            open_ = same if len(same) >= n else open_
        picked = context.rng.sample(open_.tolist(), min(n, len(open_)))
        left = 1.0 - state.item_array("impressions", len(state.catalog.creator))[picked] / budget
        return np.array(picked, np.int64), left.astype(np.float32)
