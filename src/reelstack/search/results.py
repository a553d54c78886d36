"""What the first phase hands on: candidates with every retriever's score, the second-phase
hook (`Ranker`), and the facets counted over the visible candidates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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


class Ranker(Protocol):
    """A second ranking phase over the fused candidates (best first in, best first out)."""

    def rerank(self, analysis: QueryAnalysis, candidates: list[Candidate]) -> list[Candidate]: ...


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
