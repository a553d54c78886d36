"""Search's ranking signals from the feed's real-time state: engagement rates, creator
quality and the viewer's affinity (`reelstack.search.ltr.features.Signals`).

The platform wires this in, so search never imports recommend. The state is read only when
the feed already runs in this process (its state is rebuilt from the whole event log, too
much to start for one search); otherwise the signals are unknown (NaN) and the ranker does
without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from reelstack.recommend.rank import features

if TYPE_CHECKING:
    from reelstack.recommend.service import RecommendService

# search's signal name → the feed ranker's feature it reads
FROM_FEED = {
    "item_plays": "item_plays",
    "item_completion": "item_completion",
    "item_like_rate": "item_like_rate",
    "item_share_rate": "item_share_rate",
    "item_skip_rate": "item_skip_rate",
    "affinity_profile": "profile_sim",
    "affinity_creator": "creator_affinity",
    "affinity_tags": "tag_affinity",
    "follows_creator": "follows_creator",
}


class FeedSignals:
    def __init__(self, recommend: Callable[[], RecommendService | None]) -> None:
        self.recommend = recommend
        self._quality: tuple[tuple[int, int], np.ndarray] | None = None

    def __call__(self, user_id: str | None, item_ids: Sequence[str]) -> dict[str, np.ndarray]:
        service = self.recommend()
        if service is None or not item_ids:
            return {}
        state, catalog = service.state, service.catalog
        found = [catalog.index.get(item_id) for item_id in item_ids]
        known = np.array([idx is not None for idx in found])
        if not known.any():
            return {}
        idx = np.array([idx for idx in found if idx is not None], np.int64)
        user = state.known_user(user_id) if user_id else None
        X = features.build(state, features.user_view(state, user, None, sets=False), idx)
        columns = {name: X[:, features.F[column]] for name, column in FROM_FEED.items()}
        columns["creator_quality"] = self._creator_quality(service)[catalog.creator[idx]]
        out = {}
        for name, values in columns.items():
            full = np.full(len(item_ids), np.nan, np.float32)
            full[known] = values
            out[name] = full
        return out

    def _creator_quality(self, service: RecommendService) -> np.ndarray:
        """Smoothed completion rate over each creator's posts (recomputed when events or
        posts were added)."""
        state, catalog = service.state, service.catalog
        key = (state.applied, len(catalog))
        if self._quality is not None and self._quality[0] == key:
            return self._quality[1]
        n = len(catalog)
        creators = catalog.creator[:n]
        plays = np.bincount(creators, state.item_array("plays", n)[:n])
        watched = np.bincount(creators, state.item_array("watch_sum", n)[:n])
        a = state.settings.prior_strength
        quality = (watched + a * state.priors()["completion"]) / (plays + a)
        self._quality = (key, quality)
        return quality
