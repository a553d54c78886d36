"""Re-ranking: from scored candidates to one page.

In order: the seen filter (seen, hidden by the user's own feedback, served earlier in this
feed session); fatigue (a post by a creator or on tags the user just skipped loses
``fatigue_strength`` of its score per recent skip, decaying in ``fatigue_half_life_h``);
then a greedy fill of the page that
- keeps slots for exploration (``exploration_rate`` of the page, filled with the best fresh
  post not otherwise picked) and leaves ``ad_positions`` to the `AdSlots` hook;
- picks by MMR on centred content vectors (relevance against similarity to what is already on
  the page: topic spread);
- allows at most ``max_per_creator`` posts of one creator;
- asks safety's visibility function about every post it is about to place: removed/disabled
  (and age-restricted for minors and anonymous viewers) never appear, demoted ones lose
  score (× the visibility weight) and compete again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from reelstack.recommend.settings import RecommendSettings
from reelstack.safety.visibility import Visibility

EXPLORATION_SOURCE = "fresh"


@dataclass(slots=True)
class Candidate:
    """A post placed on the page (or an ad), with what ``explain`` shows about it."""

    idx: int
    sources: dict[str, float]
    value: float = 0.0  # the value model's score
    relevance: float = 0.0  # value mapped to [0, 1] in this request, after adjustments
    fatigue: float = 1.0
    weight: float = 1.0  # visibility weight
    label: str | None = None
    row: int = -1  # row in the feature / head arrays
    slot: str = "ranked"
    mmr_penalty: float = 0.0
    checked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Pool:
    """Scored candidates as arrays, one row each: the page is filled from these and only the
    posts placed become `Candidate` objects."""

    idx: np.ndarray  # catalogue index
    sources: list[dict[str, float]]  # recall sources that found each, with their scores
    value: np.ndarray  # the value model's score
    weight: np.ndarray  # visibility weight known beforehand (demoted: below 1)
    fatigue: np.ndarray  # score factor from recent skips, in (0, 1]
    rows: np.ndarray  # row in the feature / head arrays (-1: none)

    @classmethod
    def of(cls, idx: np.ndarray, sources: list[dict[str, float]], value: np.ndarray) -> Pool:
        """A pool without head rows, visibility weights or fatigue (related posts)."""
        ones = np.ones(len(idx))
        return cls(idx, sources, value, ones, ones.copy(), np.full(len(idx), -1, np.int64))

    def __len__(self) -> int:
        return len(self.idx)


class AdSlots(Protocol):
    """Fills the page positions kept for ads (approved ads arrive with Safety II)."""

    def fill(self, page: list[Candidate], positions: list[int]) -> list[Candidate]: ...


class NoAds:
    def fill(self, page: list[Candidate], positions: list[int]) -> list[Candidate]:
        return page


@dataclass(slots=True)
class PageRequest:
    k: int
    vectors: np.ndarray  # centred content vectors, one row per candidate (zeros: none)
    visibility: Callable[[int], Visibility]
    creators: np.ndarray  # creator index per candidate


def exploration_positions(k: int, rate: float) -> list[int]:
    slots = math.floor(k * rate + 1e-9)
    return [int((n + 0.5) * k / slots) for n in range(slots)] if slots else []


def fatigue_factors(counts: np.ndarray, strength: float) -> np.ndarray:
    """exp(-strength × recent skips) per candidate (1 with none)."""
    return np.where(counts > 0, np.exp(-strength * np.maximum(counts, 0.0)), 1.0)


def relevance(pool: Pool) -> np.ndarray:
    """Value → [0, 1] within the request, times fatigue and the known visibility weight."""
    if not len(pool):
        return np.zeros(0)
    values = np.asarray(pool.value, np.float64)
    low, high = float(values.min()), float(values.max())
    span = high - low if high - low > 1e-9 else 1.0
    base = (values - low) / span * 0.9 + 0.1  # the worst keeps a little, so weights bite
    return base * pool.fatigue * pool.weight


def fill_page(pool: Pool, request: PageRequest, settings: RecommendSettings) -> list[Candidate]:
    """The page, best first, under every rule above."""
    k, lam = request.k, settings.mmr_lambda
    explore_at = set(exploration_positions(k, settings.exploration_rate))
    ads_at = {p for p in settings.ad_positions if 0 <= p < k}
    n = len(pool)
    if n == 0:
        return []
    alive = np.ones(n, bool)
    max_sim = np.zeros(n, np.float32)
    rel, weight = relevance(pool), pool.weight.astype(np.float64)
    creators = request.creators.tolist()
    fresh = np.array([EXPLORATION_SOURCE in sources for sources in pool.sources])
    checked: dict[int, str | None] = {}  # row -> moderation label, once visibility was asked
    per_creator: dict[int, int] = {}
    page: list[Candidate] = []
    position = 0
    while position < k and alive.any():
        if position in ads_at:
            position += 1
            continue
        exploring = position in explore_at and bool((alive & fresh).any())
        mmr = lam * rel - (1.0 - lam) * np.maximum(max_sim, 0.0)
        mmr[~(alive & fresh if exploring else alive)] = -np.inf
        pick = int(np.argmax(mmr))
        if not np.isfinite(mmr[pick]):
            break
        creator = creators[pick]
        if per_creator.get(creator, 0) >= settings.max_per_creator:
            alive[pick] = False
            continue
        if pick not in checked:
            seen = request.visibility(int(pool.idx[pick]))
            checked[pick] = seen.label
            if not seen.visible:
                alive[pick] = False
                continue
            if seen.weight < weight[pick]:  # demoted: compete again with less score
                rel[pick] *= seen.weight / max(weight[pick], 1e-9)
                weight[pick] = seen.weight
                continue
        alive[pick] = False
        page.append(_placed(pool, pick, rel, weight, checked[pick], float(max_sim[pick])))
        page[-1].slot = "exploration" if exploring else "ranked"
        per_creator[creator] = per_creator.get(creator, 0) + 1
        position += 1
        vector = request.vectors[pick]
        if vector.any():
            np.maximum(max_sim, request.vectors @ vector, out=max_sim)
    return page


def _placed(
    pool: Pool, row: int, rel: np.ndarray, weight: np.ndarray, label: str | None, sim: float
) -> Candidate:
    return Candidate(
        int(pool.idx[row]),
        pool.sources[row],
        value=float(pool.value[row]),
        relevance=float(rel[row]),
        fatigue=float(pool.fatigue[row]),
        weight=float(weight[row]),
        label=label,
        row=int(pool.rows[row]),
        mmr_penalty=max(sim, 0.0),
        checked=True,
    )
