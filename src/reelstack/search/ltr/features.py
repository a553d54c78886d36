"""Learning-to-rank features of (query, candidate, viewer), the same code at serving and in
the BEIR bench; at serving they are logged with each search, so training reads exactly what
the ranker saw (no replay, no leakage from later events).

Groups:

- lexical: weighted BM25 of each index field (`retrieval.field_scores`), the BM25 total;
- first phase: the dense and cross-modal similarities (NaN when that retriever did not return
  the item: LightGBM treats NaN as missing), exact match, reciprocal ranks, the fusion score;
- query and post: query length in terms, query/post language match, age in hours at search
  time (freshness), duration;
- signals (`Signals`, injected by the platform from the feed's real-time state; NaN without
  it): engagement rates, creator quality and the viewer's personal affinity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from reelstack.search.analysis.document import ALL_FIELDS
from reelstack.search.analysis.query import QueryAnalysis
from reelstack.search.results import Candidate

FIELD_FEATURES = tuple(f"bm25_{name}" for name in ALL_FIELDS)
RANKED = ("bm25", "dense", "crossmodal")
SIGNALS = (
    "item_plays",  # log(1 + plays)
    "item_completion",  # smoothed mean watch ratio
    "item_like_rate",
    "item_share_rate",
    "item_skip_rate",
    "creator_quality",  # smoothed completion over all the creator's posts
    "affinity_profile",  # the viewer's content profile · the post
    "affinity_creator",  # the viewer's decayed engagement with the creator
    "affinity_tags",  # share of the viewer's tag interest on the post's tags
    "follows_creator",
)
FEATURES = (
    *FIELD_FEATURES,
    "bm25",
    "dense",
    "crossmodal",
    "exact",
    *(f"{name}_rr" for name in RANKED),
    "fusion",
    "fusion_rr",
    "query_terms",
    "language_match",
    "age_h",
    "duration_s",
    *SIGNALS,
)
F = {name: n for n, name in enumerate(FEATURES)}


class Signals(Protocol):
    """Per-post signals from outside search (the platform wires the feed's state in)."""

    def __call__(
        self, user_id: str | None, item_ids: Sequence[str]
    ) -> Mapping[str, Sequence[float]]:
        """Columns named from `SIGNALS`, one value per item (NaN: unknown); any may be
        missing."""
        ...


def _reciprocal(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


def feature_matrix(
    analysis: QueryAnalysis,
    candidates: Sequence[Candidate],
    fields: Mapping[str, Mapping[str, float]],
    signals: Mapping[str, Sequence[float]],
    now: float,
) -> np.ndarray:
    """``len(candidates) × len(FEATURES)`` float32; ``fields`` are `retrieval.field_scores`."""
    X = np.zeros((len(candidates), len(FEATURES)), np.float32)
    terms = float(len(analysis.terms))
    for row, candidate in enumerate(candidates):
        x = X[row]
        for name, value in fields.get(candidate.item_id, {}).items():
            x[F[f"bm25_{name}"]] = value
        scores, ranks, meta = candidate.scores, candidate.ranks, candidate.meta
        x[F["bm25"]] = scores.get("bm25", 0.0)
        x[F["dense"]] = scores.get("dense", math.nan)
        x[F["crossmodal"]] = scores.get("crossmodal", math.nan)
        x[F["exact"]] = 1.0 if "exact" in scores else 0.0
        for name in RANKED:
            x[F[f"{name}_rr"]] = _reciprocal(ranks.get(name))
        x[F["fusion"]] = candidate.fused
        x[F["fusion_rr"]] = _reciprocal(candidate.fused_rank)
        x[F["query_terms"]] = terms
        x[F["language_match"]] = _language_match(analysis.language, meta.get("language"))
        created = float(meta.get("created_at") or 0.0)
        x[F["age_h"]] = math.log1p(max(0.0, now - created) / 3600.0) if created else math.nan
        duration = meta.get("duration_s")
        x[F["duration_s"]] = math.nan if duration is None else float(duration)
    for name in SIGNALS:
        column = signals.get(name)
        X[:, F[name]] = math.nan if column is None else np.asarray(column, np.float32)
    return X


def _language_match(query: str, post: str | None) -> float:
    if query == "und" or not post or post == "und":
        return 0.5
    return 1.0 if query == post else 0.0


def as_dict(row: np.ndarray) -> dict[str, float]:
    """The known (non-NaN) features of one row, for ``explain``."""
    return {name: round(float(v), 4) for name, v in zip(FEATURES, row, strict=True) if v == v}
