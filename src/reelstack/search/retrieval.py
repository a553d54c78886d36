"""The first-phase retrievers: BM25 over fields, exact hashtag/creator, dense, cross-modal.

Each returns a run — ``(item_id, score)`` best first — that `reelstack.search.fusion` merges.
Lexical queries are built from analysed terms as query objects: one ``Should`` clause per
(term, field), boosted by the field's weight, so a document's score is the weighted sum of its
per-field BM25 scores (`field_scores` breaks it down for ``explain`` and for learning to rank).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from reelstack.search.analysis.document import TOKEN_FIELDS
from reelstack.search.analysis.query import QueryAnalysis
from reelstack.search.filters import Filters
from reelstack.search.index.docs import DocTable
from reelstack.search.index.lexical import LexicalIndex
from reelstack.search.index.vectors import VectorSet

Run = list[tuple[str, float]]
MIN_BACKGROUND = 8  # neighbours needed to estimate a query's background similarity


def field_clauses(
    lexical: LexicalIndex,
    terms: Sequence[str],
    folded: Sequence[str],
    grams: Sequence[str],
    weights: Mapping[str, float],
    *,
    fuzzy: bool = False,
) -> dict[str, list[Any]]:
    """Clauses per field; ``fuzzy`` (the relaxed query) matches words of 4+ letters within
    1–2 edits or as the start of a longer word, instead of exactly."""
    clauses: dict[str, list[Any]] = {}
    for field in TOKEN_FIELDS:
        weight = weights.get(field, 0.0)
        if weight <= 0:
            continue
        if fuzzy:
            words = [t for t in terms if len(t) >= 4 and t.isalpha()]
            found = [lexical.fuzzy(field, t, 1 if len(t) < 7 else 2, weight) for t in words]
            found += [lexical.prefix(field, t, weight) for t in words]
        else:
            found = [lexical.term(field, t, weight) for t in terms]
        if found:
            clauses[field] = found
    if weights.get("folded", 0) > 0 and not fuzzy:
        stems = list(dict.fromkeys(s for s in (lexical.stem(f) for f in folded) if s))
        if stems:
            clauses["folded"] = [lexical.term("folded", s, weights["folded"]) for s in stems]
    if weights.get("cjk", 0) > 0 and grams and not fuzzy:
        clauses["cjk"] = [lexical.term("cjk", g, weights["cjk"]) for g in grams]
    return clauses


def filter_clauses(lexical: LexicalIndex, filters: Filters) -> list[Any]:
    out = []
    if filters.languages:
        out.append(lexical.one_of("language", filters.languages))
    if filters.creators:
        out.append(lexical.one_of("handle", filters.creators))
    if filters.hashtags:
        out.append(lexical.one_of("tag", filters.hashtags))
    if filters.kinds:
        out.append(lexical.one_of("kind", filters.kinds))
    if filters.duration:
        out.append(lexical.between("duration", *filters.duration))
    if filters.date:
        out.append(lexical.between("created", *filters.date))
    return out


def bm25(
    lexical: LexicalIndex,
    analysis: QueryAnalysis,
    weights: Mapping[str, float],
    filters: Filters,
    limit: int,
    *,
    fuzzy: bool = False,
) -> Run:
    clauses = field_clauses(lexical, analysis.terms, analysis.folded_terms(),
                            analysis.han_grams(), weights, fuzzy=fuzzy)  # fmt: skip
    if not clauses:
        return []
    query = lexical.any_of([c for group in clauses.values() for c in group])
    return lexical.search(lexical.filtered(query, filter_clauses(lexical, filters)), limit)


def field_scores(
    lexical: LexicalIndex,
    analysis: QueryAnalysis,
    weights: Mapping[str, float],
    item_ids: Sequence[str],
) -> dict[str, dict[str, float]]:
    """Weighted BM25 per field for each of ``item_ids`` (fields that matched only)."""
    out: dict[str, dict[str, float]] = {item_id: {} for item_id in item_ids}
    if not item_ids:
        return out
    clauses = field_clauses(lexical, analysis.terms, analysis.folded_terms(),
                            analysis.han_grams(), weights)  # fmt: skip
    only = lexical.only_ids(item_ids)
    for field, group in clauses.items():
        query = lexical.filtered(lexical.any_of(group), [only])
        for item_id, score in lexical.search(query, len(item_ids)):
            out[item_id][field] = round(score, 4)
    return out


def exact(lexical: LexicalIndex, analysis: QueryAnalysis, filters: Filters, limit: int) -> Run:
    """Items carrying a queried ``#hashtag`` or by a queried ``@creator``, or whose tag or
    handle is the whole query written without spaces (``cat videos`` → ``#catvideos``)."""
    tags = set(analysis.hashtags)
    handles = set(analysis.mentions)
    words = [t.lstrip("#@") for t in analysis.terms]
    if words:
        joined = "".join(words)
        tags.add(joined)
        handles.add(joined)
    clauses = []
    if tags:
        clauses.append(lexical.one_of("tag", sorted(tags)))
    if handles:
        clauses.append(lexical.one_of("handle", sorted(handles)))
    if not clauses:
        return []
    query = lexical.filtered(lexical.any_of(clauses), filter_clauses(lexical, filters))
    return lexical.search(query, limit)


def nearest(
    vectors: VectorSet,
    table: DocTable,
    kind: str,
    query: np.ndarray | None,
    limit: int,
    min_similarity: float,
    relative_floor: float,
    margin: float = 0.0,
) -> Run:
    """Nearest items by inner product that stand out: above ``min_similarity``, within
    ``relative_floor`` of the best, and ``margin`` above the query's background (the median
    similarity of the neighbours past the first ten: E5 scores everything 0.8-0.9, so a match
    is a match only relative to what the same query scores elsewhere)."""
    if query is None:
        return []
    keys, sims = vectors.search(kind, query, limit)
    if not len(keys):
        return []
    ids = table.ids_for_keys(keys.tolist())
    floor = max(min_similarity, float(sims[0]) - relative_floor)
    if len(sims) >= MIN_BACKGROUND:
        floor = max(floor, float(np.median(sims[min(10, len(sims) // 2) :])) + margin)
    pairs = zip(keys.tolist(), sims.tolist(), strict=True)
    return [(ids[key], sim) for key, sim in pairs if key in ids and sim >= floor]
