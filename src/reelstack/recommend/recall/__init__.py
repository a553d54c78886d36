"""Candidate sources behind one interface; each reports what it returned.

A source's ``recall(context, n)`` returns up to ``n`` item indexes with a score each (its own
scale: similarity, co-engagement count, velocity, ...). The service merges them: a candidate
keeps every source that found it and its score there, which ``explain`` shows. A learned
sequential model (a later issue) plugs in as one more source.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from reelstack.recommend.rank.features import UserView
from reelstack.recommend.state import RealtimeState

EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.float32))


@dataclass(slots=True)
class RecallContext:
    state: RealtimeState
    view: UserView
    rng: random.Random

    @property
    def is_new(self) -> bool:
        return self.view.user is None or self.view.user.is_new


class RecallSource(Protocol):
    name: str

    def recall(self, context: RecallContext, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``n`` (item indexes, scores), best first."""
        ...


def top_n(idx: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` best (idx, score) pairs, best first, each index once."""
    if len(idx) == 0 or n <= 0:
        return EMPTY
    best: dict[int, float] = {}
    for i, s in zip(np.asarray(idx).tolist(), np.asarray(scores).tolist(), strict=True):
        if s > best.get(i, -np.inf):
            best[i] = s
    ranked = sorted(best.items(), key=lambda kv: -kv[1])[:n]
    return (
        np.array([i for i, _ in ranked], np.int64),
        np.array([s for _, s in ranked], np.float32),
    )


def default_sources(state: RealtimeState) -> list[RecallSource]:
    from reelstack.recommend.recall.coengagement import CoEngagement
    from reelstack.recommend.recall.content import ContentSimilarity
    from reelstack.recommend.recall.following import FollowedCreators
    from reelstack.recommend.recall.fresh import FreshItems
    from reelstack.recommend.recall.popular import PopularInLanguage, PopularInRegion
    from reelstack.recommend.recall.trending import Trending

    return [
        CoEngagement(),
        ContentSimilarity(),
        FollowedCreators(),
        Trending(state),
        FreshItems(state),
        PopularInLanguage(state),
        PopularInRegion(state),
    ]
