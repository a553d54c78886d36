"""Popular in the user's language: the fallback for new and anonymous users.

Popularity is the smoothed engagement of a post (completion, likes, shares) times how many
plays it had (log), so a post needs both reach and quality; one ranking per language, cached.
"""

from __future__ import annotations

import time

import numpy as np

from reelstack.recommend.recall import RecallContext
from reelstack.recommend.state import RealtimeState

POOL = 300
MIN_AGE_S = 5.0


class PopularInLanguage:
    name = "popular"

    def __init__(self, state: RealtimeState) -> None:
        self.state = state
        self._cache: tuple[int, float, dict[int, tuple[np.ndarray, np.ndarray]]] | None = None

    def popularity(self) -> np.ndarray:
        state = self.state
        size = len(state.catalog)
        stat = {
            name: state.item_array(name, size)[:size].astype(np.float64)
            for name in ("plays", "watch_sum", "likes", "shares", "reports")
        }
        priors, a = state.priors(), state.settings.prior_strength
        plays = stat["plays"]
        quality = (
            (stat["watch_sum"] + a * priors["completion"])
            + 3 * (stat["likes"] + a * priors["like"])
            + 6 * (stat["shares"] + a * priors["share"])
            - 10 * stat["reports"]
        ) / (plays + a)
        return quality * np.log1p(plays + 1)

    def rankings(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        cache, now = self._cache, time.monotonic()
        revision = self.state.revision
        if cache and (cache[0] == revision or now - cache[1] < MIN_AGE_S):
            return cache[2]
        score = self.popularity()
        languages = self.state.catalog.language[: len(score)]
        found = {-1: _top(np.arange(len(score)), score)}  # every language
        for code in np.unique(languages).tolist():
            found[code] = _top(np.flatnonzero(languages == code), score)
        self._cache = (revision, now, found)
        return found

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        n = n if context.is_new else max(1, n // 4)
        rankings = self.rankings()
        idx, scores = rankings.get(context.view.language, rankings[-1])
        if len(idx) < n:  # too few in this language: fill with the best of all
            every, every_scores = rankings[-1]
            idx, scores = np.concatenate([idx, every]), np.concatenate([scores, every_scores])
        return idx[:n], scores[:n]


def _top(idx: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(idx):
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    values = score[idx]
    k = min(POOL, len(idx))
    top = np.argpartition(-values, k - 1)[:k]
    top = top[np.argsort(-values[top], kind="stable")]
    best = float(values[top[0]]) or 1.0
    return idx[top].astype(np.int64), (values[top] / best).astype(np.float32)
