"""Position bias of the click log: how likely a result at position p is looked at at all.

Propensity model: the position-based click model (PBM; Craswell et al. 2008, Chuklin et al.
2015) — a click happens when the result is examined, with probability θ_p that depends only
on its position, and it is relevant, with probability γ_qd for the query and the post:

    P(click | q, d, p) = θ_p · γ_qd

θ is estimated from every logged search (clicked or not) by expectation-maximisation
(Wang et al. 2018, "Position bias estimation for unbiased learning to rank in personal
search"), started from — and smoothed towards, with ``prior_strength`` pseudo-observations
per position — the power law θ_p = p^-η with η = 1 (Joachims et al. 2017). The same post
shown at different positions for the same query (a changing index, a new ranker, filters)
is what separates θ from γ; a log without such variation keeps θ near the prior.

A click at position p is weighted 1/θ_p relative to position 1 (inverse propensity
scoring), clipped at ``max_weight`` to bound the variance (Joachims et al. 2017).
Positions beyond ``MAX_POSITION`` share the last estimate.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_POSITION = 20
EM_ITERATIONS = 100


@dataclass(frozen=True, slots=True)
class Propensity:
    """Examination probability per position (index 0 is position 1), relative to position 1."""

    theta: tuple[float, ...]
    method: str  # "power" (the prior only), "em" (estimated) or "none" (no correction)

    @classmethod
    def power(cls, eta: float = 1.0, positions: int = MAX_POSITION) -> Propensity:
        return cls(tuple(float(p**-eta) for p in range(1, positions + 1)), "power")

    @classmethod
    def none(cls, positions: int = MAX_POSITION) -> Propensity:
        """No correction: every position is examined alike (weights 1)."""
        return cls((1.0,) * positions, "none")

    def at(self, position: int) -> float:
        """θ of a 1-based position."""
        return self.theta[min(max(position, 1), len(self.theta)) - 1]

    def weight(self, position: int, max_weight: float) -> float:
        return min(max_weight, self.theta[0] / max(self.at(position), 1e-9))

    def to_dict(self) -> dict[str, object]:
        return {"method": self.method, "theta": [round(t, 4) for t in self.theta]}


def estimate(
    observations: Sequence[tuple[Hashable, int, bool]],
    prior: Propensity | None = None,
    prior_strength: float = 20.0,
) -> Propensity:
    """θ by EM over ``(query-post key, 1-based position, clicked)`` observations."""
    prior = prior or Propensity.power()
    if not observations:
        return prior
    keys: dict[Hashable, int] = {}
    pair = np.array([keys.setdefault(k, len(keys)) for k, _, _ in observations], np.int64)
    position = np.array([min(max(p, 1), MAX_POSITION) - 1 for _, p, _ in observations])
    clicked = np.array([c for _, _, c in observations], bool)
    prior_theta = np.array([prior.at(p) for p in range(1, MAX_POSITION + 1)])
    shown = np.bincount(position, minlength=MAX_POSITION).astype(np.float64)
    per_pair = np.bincount(pair, minlength=len(keys)).astype(np.float64)
    theta, gamma = prior_theta.copy(), np.full(len(keys), 0.5)
    for _ in range(EM_ITERATIONS):
        t, g = theta[position], gamma[pair]
        unclicked = np.maximum(1.0 - t * g, 1e-9)
        examined = np.where(clicked, 1.0, t * (1.0 - g) / unclicked)
        relevant = np.where(clicked, 1.0, (1.0 - t) * g / unclicked)
        theta = (np.bincount(position, examined, MAX_POSITION) + prior_strength * prior_theta) / (
            shown + prior_strength
        )
        gamma = (np.bincount(pair, relevant, len(keys)) + 0.5) / (per_pair + 1.0)
    theta = np.clip(theta / theta[0], 1e-6, 1.0)
    return Propensity(tuple(float(t) for t in theta), "em")
