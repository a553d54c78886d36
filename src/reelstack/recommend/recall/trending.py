"""Trending: the highest time-decayed engagement velocity right now."""

from __future__ import annotations

import time

import numpy as np

from reelstack.recommend.recall import EMPTY, RecallContext
from reelstack.recommend.state import RealtimeState

POOL = 500
MIN_AGE_S = 1.0  # recompute at most this often (and only when something changed)


class Trending:
    name = "trending"

    def __init__(self, state: RealtimeState) -> None:
        self.state = state
        self._cache: tuple[int, float, np.ndarray, np.ndarray] | None = None

    def top(self) -> tuple[np.ndarray, np.ndarray]:
        cache, now = self._cache, time.monotonic()
        revision = self.state.revision
        if cache and (cache[0] == revision or now - cache[1] < MIN_AGE_S):
            return cache[2], cache[3]
        velocity = self.state.velocity
        size = min(len(velocity), len(self.state.catalog))
        velocity = velocity[:size]
        k = min(POOL, int(np.count_nonzero(velocity)))
        if k == 0:
            idx, scores = EMPTY
        else:
            idx = np.argpartition(-velocity, k - 1)[:k]
            idx = idx[np.argsort(-velocity[idx], kind="stable")]
            scores = (velocity[idx] / velocity[idx[0]]).astype(np.float32)
        self._cache = (revision, now, idx.astype(np.int64), scores)
        return self._cache[2], self._cache[3]

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        idx, scores = self.top()
        return idx[:n], scores[:n]
