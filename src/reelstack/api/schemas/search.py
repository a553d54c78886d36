"""JSON shapes of search, suggestions and clicks."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Highlight(BaseModel):
    field: str = Field(description="caption, ocr or transcript")
    snippet: str = Field(description="HTML-escaped text with matches inside <em>…</em>")


class SearchResult(BaseModel):
    item_id: str
    rank: int
    score: float
    caption: str
    creator: str | None
    hashtags: list[str]
    language: str | None
    kind: str | None
    duration_s: float | None
    created_at: float | None
    label: str | None = Field(None, description="A moderation label to show with the post")
    matched_by: list[str] = Field(description="Retrievers that found it: bm25, exact, dense, "
                                  "crossmodal")  # fmt: skip
    highlights: list[Highlight]
    explain: dict[str, Any] | None = Field(None, description="With explain=true: each "
                                           "retriever's score and rank, BM25 per field, the "
                                           "fusion used and the visibility weight")  # fmt: skip


class Spelling(BaseModel):
    corrections: dict[str, str]
    corrected: str | None


class QueryAnalysisOut(BaseModel):
    raw: str
    normalized: str
    language: str
    language_confidence: float
    tokens: list[str]
    terms: list[str]
    hashtags: list[str]
    mentions: list[str]
    entities: list[dict[str, str]]
    truncated: bool
    spelling: Spelling
    notes: list[str]
    recovery: dict[str, Any] | None
    did_you_mean: str | None = None


class FacetValue(BaseModel):
    value: str
    count: int


class SearchResponse(BaseModel):
    search_id: str = Field(description="Send it back with clicks (POST /v1/search/click)")
    results: list[SearchResult]
    total: int = Field(description="Visible matches among the candidates")
    query_analysis: QueryAnalysisOut
    facets: dict[str, list[FacetValue]]
    filters: dict[str, Any]


class Completion(BaseModel):
    text: str
    source: str = Field(description="query, hashtag, creator or caption")
    score: float


class Trending(BaseModel):
    query: str
    count: int
    score: float


class SuggestResponse(BaseModel):
    query: str
    completions: list[Completion]
    related: list[str]
    trending: list[Trending]
    recovery: dict[str, str] | None


class ClickIn(BaseModel):
    search_id: str = Field(min_length=1, max_length=200)
    item_id: str = Field(min_length=1, max_length=200)
    user: str | None = Field(None, max_length=200)
    position: int | None = Field(None, ge=1, le=10_000)


class ClickOut(BaseModel):
    event_id: str
