"""Popular in the user's language, and popular in the user's region: the fallback for new and
anonymous users.

Popularity is the smoothed engagement of a post (watch ratio, likes, shares, weighted by
`state.POPULARITY_WEIGHTS`) per play, times how many plays it had (log), so a post needs both
reach and quality. ``popular`` ranks every post by the plays of everyone, one ranking per
language; ``regional`` ranks by the plays of users in one region only (a user's region is on
their record), so a new user in Thailand sees what people in Thailand watch, whatever its
language. Rankings are cached and recomputed at most every few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from reelstack.recommend.recall import EMPTY, RecallContext
from reelstack.recommend.state import POPULARITY_WEIGHTS, RealtimeState

POOL = 300
MIN_AGE_S = 5.0
Rankings = dict[object, tuple[np.ndarray, np.ndarray]]
STAT_OF = {"watch": "watch_sum", "like": "likes", "share": "shares"}
REPORT_WEIGHT = -10.0


def popularity(engagement: np.ndarray, plays: np.ndarray, prior: float, strength: float):
    """Engagement per play smoothed toward ``prior`` by ``strength`` pseudo-plays, × log reach."""
    return (engagement + strength * prior) / (plays + strength) * np.log1p(plays + 1)


def prior_engagement(state: RealtimeState) -> float:
    """The engagement an average play earns (the smoothing target)."""
    priors = state.priors()
    return sum(
        POPULARITY_WEIGHTS[head] * priors["completion" if head == "watch" else head]
        for head in STAT_OF
    )


class _CachedRankings:
    """Rankings recomputed when the state changed, at most every ``MIN_AGE_S``."""

    def __init__(self, state: RealtimeState, compute: Callable[[], Rankings]) -> None:
        self.state = state
        self._compute = compute
        self._cache: tuple[int, float, Rankings] | None = None

    def __call__(self) -> Rankings:
        cache, now = self._cache, time.monotonic()
        revision = self.state.revision
        if cache and (cache[0] == revision or now - cache[1] < MIN_AGE_S):
            return cache[2]
        found = self._compute()
        self._cache = (revision, now, found)
        return found


class PopularInLanguage:
    name = "popular"

    def __init__(self, state: RealtimeState) -> None:
        self.state = state
        self.rankings = _CachedRankings(state, self._rank)

    def popularity(self) -> np.ndarray:
        state = self.state
        size = len(state.catalog)
        stat = {
            name: state.item_array(name, size)[:size].astype(np.float64)
            for name in ("plays", "watch_sum", "likes", "shares", "reports")
        }
        engagement = REPORT_WEIGHT * stat["reports"]
        for head, name in STAT_OF.items():
            engagement += POPULARITY_WEIGHTS[head] * stat[name]
        strength = state.settings.prior_strength
        return popularity(engagement, stat["plays"], prior_engagement(state), strength)

    def _rank(self) -> Rankings:
        score = self.popularity()
        languages = self.state.catalog.language[: len(score)]
        found: Rankings = {-1: _top(np.arange(len(score)), score)}  # every language
        for code in np.unique(languages).tolist():
            found[code] = _top(np.flatnonzero(languages == code), score)
        return found

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        n = n if context.is_new else max(1, n // 4)
        rankings = self.rankings()
        idx, scores = rankings.get(context.view.language, rankings[-1])
        if len(idx) < n:  # too few in this language: fill with the best of all
            every, every_scores = rankings[-1]
            idx, scores = np.concatenate([idx, every]), np.concatenate([scores, every_scores])
        return idx[:n], scores[:n]


class PopularInRegion:
    name = "regional"

    def __init__(self, state: RealtimeState) -> None:
        self.state = state
        self.rankings = _CachedRankings(state, self._rank)

    def _rank(self) -> Rankings:
        state = self.state
        size = len(state.catalog)
        prior, strength = prior_engagement(state), state.settings.prior_strength
        found: Rankings = {}
        for region, plays in list(state.region_plays.items()):
            plays = plays[:size].astype(np.float64)
            engagement = state.region_engagement[region][:size].astype(np.float64)
            played = np.flatnonzero(plays > 0)  # posts people there watched, nothing else
            found[region] = _top(played, popularity(engagement, plays, prior, strength))
        return found

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        region = context.view.region
        if not region:
            return EMPTY
        found = self.rankings().get(region)
        if found is None:
            return EMPTY
        n = n if context.is_new else max(1, n // 4)
        return found[0][:n], found[1][:n]


def _top(idx: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(idx):
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    values = score[idx]
    k = min(POOL, len(idx))
    top = np.argpartition(-values, k - 1)[:k]
    top = top[np.argsort(-values[top], kind="stable")]
    best = float(values[top[0]]) or 1.0
    return idx[top].astype(np.int64), (values[top] / best).astype(np.float32)
