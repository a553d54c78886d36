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


def apply_fatigue(candidates: list[Candidate], fatigue: np.ndarray, strength: float) -> None:
    for candidate, count in zip(candidates, fatigue.tolist(), strict=True):
        candidate.fatigue = math.exp(-strength * count) if count > 0 else 1.0


def relevance(candidates: list[Candidate]) -> None:
    """Value → [0, 1] within the request, times fatigue and the known visibility weight."""
    if not candidates:
        return
    values = np.array([c.value for c in candidates])
    low, high = float(values.min()), float(values.max())
    span = high - low if high - low > 1e-9 else 1.0
    for candidate, value in zip(candidates, values.tolist(), strict=True):
        base = (value - low) / span * 0.9 + 0.1  # the worst keeps a little, so weights bite
        candidate.relevance = base * candidate.fatigue * candidate.weight


def fill_page(
    candidates: list[Candidate], request: PageRequest, settings: RecommendSettings
) -> list[Candidate]:
    """The page, best first, under every rule above."""
    k, lam = request.k, settings.mmr_lambda
    explore_at = set(exploration_positions(k, settings.exploration_rate))
    ads_at = {p for p in settings.ad_positions if 0 <= p < k}
    n = len(candidates)
    if n == 0:
        return []
    alive = np.ones(n, bool)
    max_sim = np.zeros(n, np.float32)
    creators = request.creators
    per_creator: dict[int, int] = {}
    fresh = np.array([EXPLORATION_SOURCE in c.sources for c in candidates])
    rel = np.array([c.relevance for c in candidates])
    page: list[Candidate] = []
    position = 0
    while position < k and alive.any():
        if position in ads_at:
            position += 1
            continue
        exploring = position in explore_at and bool((alive & fresh).any())
        pool = alive & fresh if exploring else alive
        mmr = lam * rel - (1.0 - lam) * np.maximum(max_sim, 0.0)
        mmr[~pool] = -np.inf
        pick = int(np.argmax(mmr))
        if not np.isfinite(mmr[pick]):
            break
        candidate = candidates[pick]
        creator = int(creators[pick])
        if per_creator.get(creator, 0) >= settings.max_per_creator:
            alive[pick] = False
            continue
        if not candidate.checked:
            candidate.checked = True
            seen = request.visibility(candidate.idx)
            candidate.label = seen.label
            if not seen.visible:
                alive[pick] = False
                continue
            if seen.weight < candidate.weight:  # demoted: compete again with less score
                candidate.relevance *= seen.weight / max(candidate.weight, 1e-9)
                candidate.weight = seen.weight
                rel[pick] = candidate.relevance
                continue
        alive[pick] = False
        candidate.mmr_penalty = float(max(max_sim[pick], 0.0))
        candidate.slot = "exploration" if exploring else "ranked"
        page.append(candidate)
        per_creator[creator] = per_creator.get(creator, 0) + 1
        position += 1
        vector = request.vectors[pick]
        if vector.any():
            np.maximum(max_sim, request.vectors @ vector, out=max_sim)
    return page
