"""What the first phase hands on: candidates with every retriever's score, the second-phase
hook (`Ranker`), and the facets counted over the visible candidates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from reelstack.search.analysis.query import QueryAnalysis
from reelstack.search.filters import DURATION_BUCKETS

FACET_SIZE = 10
FACETS = ("language", "creator", "hashtag", "duration", "date")


@dataclass(slots=True)
class Candidate:
    item_id: str
    score: float  # fused (then re-ranked, then × visibility weight)
    scores: dict[str, float] = field(default_factory=dict)  # per retriever
    ranks: dict[str, int] = field(default_factory=dict)
    weight: float = 1.0
    label: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    fused: float = 0.0  # the fusion score, kept when a second phase replaces ``score``
    fused_rank: int = 0
    features: np.ndarray | None = None  # the learning-to-rank features, once computed
    second_phase: float | None = None  # the second phase's raw score


class Ranker(Protocol):
    """A second ranking phase over the best fused candidates, whose ``features`` are filled
    in (`reelstack.search.ltr.features.FEATURES`); best first in, best first out. The
    ``score`` it sets must be positive: visibility multiplies it by a demotion weight."""

    name: str
    version: str

    def rerank(self, analysis: QueryAnalysis, candidates: list[Candidate]) -> list[Candidate]: ...


def candidates_from_runs(
    runs: Mapping[str, Sequence[tuple[str, float]]], fused: Sequence[tuple[str, float]]
) -> list[Candidate]:
    """One `Candidate` per fused document, carrying every retriever's score and rank."""
    positions = {
        name: {doc: (rank, value) for rank, (doc, value) in enumerate(run, 1)}
        for name, run in runs.items()
    }
    candidates = []
    for fused_rank, (item_id, score) in enumerate(fused, 1):
        candidate = Candidate(item_id, score, fused=score, fused_rank=fused_rank)
        for name, found in positions.items():
            if item_id in found:
                rank, value = found[item_id]
                candidate.scores[name], candidate.ranks[name] = round(value, 4), rank
        candidates.append(candidate)
    return candidates


DATE_BUCKETS = (("24h", 86400.0), ("7d", 7 * 86400.0), ("30d", 30 * 86400.0))


def facets(candidates: Sequence[Candidate], now: float) -> dict[str, list[dict[str, Any]]]:
    """Counts over every visible candidate: language, creator, hashtag, duration, date."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for c in candidates:
        meta = c.meta
        counts["language"][meta.get("language") or "und"] += 1
        if meta.get("creator"):
            counts["creator"][meta["creator"]] += 1
        for tag in dict.fromkeys(t.casefold() for t in meta.get("hashtags") or []):
            counts["hashtag"][tag] += 1
        duration = meta.get("duration_s")
        if duration is not None:
            for name, (low, high) in DURATION_BUCKETS.items():
                if duration >= low and (high is None or duration < high):
                    counts["duration"][name] += 1
        age = now - float(meta.get("created_at") or 0.0)
        bucket = next((name for name, span in DATE_BUCKETS if age <= span), "older")
        counts["date"][bucket] += 1
    return {name: [{"value": v, "count": n} for v, n in counter.most_common(FACET_SIZE)]
            for name, counter in counts.items()}  # fmt: skip
