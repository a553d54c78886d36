"""Fusion of several retrievers' ranked lists into one, and its tuning on training queries.

Two methods, each with one weight per retriever:

- ``rrf``: weighted reciprocal rank fusion, ``Σ w_r / (k + rank_r(d))`` (Cormack et al. 2009);
  robust to score scales, blind to how sure each retriever is;
- ``wsum``: weighted sum of scores min-max normalised per query and retriever (a document a
  retriever did not return counts 0 for it).

`tune` grid-searches method, ``k`` and weights by mean nDCG@10 over training queries only.
The grid always contains each retriever alone (weight 1, others 0), so the chosen fusion
scores at least as well as the best single retriever on the tuning split.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from reelstack.search.evaluate import mean, ndcg_at_k

Run = Sequence[tuple[str, float]]  # (doc id, score), best first
Method = Literal["rrf", "wsum"]
WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
RRF_KS = (10, 30, 60, 100)


@dataclass(frozen=True, slots=True)
class FusionConfig:
    method: Method = "rrf"
    weights: Mapping[str, float] = field(default_factory=dict)  # missing retriever: weight 1
    rrf_k: int = 60

    def weight(self, retriever: str) -> float:
        return float(self.weights.get(retriever, 1.0))

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["weights"] = dict(self.weights)
        return out


def rrf(runs: Mapping[str, Run], config: FusionConfig) -> dict[str, float]:
    fused: dict[str, float] = {}
    for name, run in runs.items():
        weight = config.weight(name)
        if weight <= 0:
            continue
        for rank, (doc, _) in enumerate(run, start=1):
            fused[doc] = fused.get(doc, 0.0) + weight / (config.rrf_k + rank)
    return fused


def normalised(run: Run) -> dict[str, float]:
    """Min-max scores of one run in [0, 1] (a run of equal scores: all 1)."""
    if not run:
        return {}
    scores = [score for _, score in run]
    low, high = min(scores), max(scores)
    span = high - low
    return {doc: (score - low) / span if span > 0 else 1.0 for doc, score in run}


def weighted_sum(runs: Mapping[str, Run], config: FusionConfig) -> dict[str, float]:
    fused: dict[str, float] = {}
    for name, run in runs.items():
        weight = config.weight(name)
        if weight <= 0:
            continue
        for doc, score in normalised(run).items():
            fused[doc] = fused.get(doc, 0.0) + weight * score
    return fused


def fuse(runs: Mapping[str, Run], config: FusionConfig) -> list[tuple[str, float]]:
    """One ranked list, best first (ties broken by document id for stable results)."""
    scores = rrf(runs, config) if config.method == "rrf" else weighted_sum(runs, config)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def candidate_configs(retrievers: Sequence[str]) -> Iterable[FusionConfig]:
    """The tuning grid: both methods, RRF ``k`` values, weights on a simplex grid."""
    for weights in _weight_grid(len(retrievers)):
        named = dict(zip(retrievers, weights, strict=True))
        yield FusionConfig("wsum", named)
        for k in RRF_KS:
            yield FusionConfig("rrf", named, k)


def _weight_grid(n: int) -> Iterable[tuple[float, ...]]:
    """Weight vectors summing to 1 on a 0.1 grid (for n ≤ 2) or a coarser one (n > 2)."""
    steps = WEIGHT_GRID if n <= 2 else (0.0, 0.25, 0.5, 0.75, 1.0)
    for combo in itertools.product(steps, repeat=n):
        if abs(sum(combo) - 1.0) < 1e-9:
            yield combo


@dataclass(slots=True)
class Tuned:
    config: FusionConfig
    score: float  # mean nDCG@k of the chosen config on the training queries
    singles: dict[str, float]  # each retriever alone on the same queries


def evaluate(
    config: FusionConfig,
    queries: Sequence[tuple[Mapping[str, Run], Mapping[str, float]]],
    k: int = 10,
) -> float:
    return mean(
        [ndcg_at_k([d for d, _ in fuse(runs, config)], qrels, k) for runs, qrels in queries]
    )


def tune(
    queries: Sequence[tuple[Mapping[str, Run], Mapping[str, float]]],
    retrievers: Sequence[str],
    k: int = 10,
) -> Tuned:
    """The best config by mean nDCG@k over ``queries`` ((runs, qrels) per training query)."""
    best: tuple[float, FusionConfig] | None = None
    for config in candidate_configs(retrievers):
        score = evaluate(config, queries, k)
        if best is None or score > best[0] + 1e-12:
            best = (score, config)
    assert best is not None
    singles = {
        name: evaluate(FusionConfig("rrf", {r: float(r == name) for r in retrievers}), queries, k)
        for name in retrievers
    }
    return Tuned(best[1], best[0], singles)
