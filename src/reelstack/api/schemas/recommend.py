"""JSON shapes of the event API, the feed and related posts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class EventsIn(BaseModel):
    events: list[Any] = Field(
        description="Events: {event_id, type, user, item, ts, watch_ms, duration_ms, context}. "
        "type: impression, view, like, share, comment, follow, skip, not_interested, report, "
        "click; user: id or handle (omit for anonymous); ts: epoch seconds or ISO 8601."
    )


class EventError(BaseModel):
    index: int
    event_id: str | None
    field: str
    error: str


class EventWarning(BaseModel):
    index: int
    event_id: str
    field: str
    warning: str


class EventsOut(BaseModel):
    received: int
    accepted: int = Field(description="Valid events (new or already known)")
    stored: int = Field(description="New events written to the log")
    duplicates: int = Field(description="Known event ids (idempotent delivery)")
    errors: list[EventError]
    warnings: list[EventWarning]


class Why(BaseModel):
    sources: dict[str, float] = Field(description="Recall sources that found it, with scores")
    slot: str = Field(description="ranked or exploration")
    heads: dict[str, float] | None = Field(None, description="watch, like, share, skip")
    value: float | None = Field(None, description="The value model's score")
    parts: dict[str, float] | None = Field(None, description="Weight × head, per head")
    adjustments: dict[str, float]


class FeedItem(BaseModel):
    id: str
    creator_id: str
    caption: str
    hashtags: list[str]
    language: str | None
    score: float
    label: str | None = Field(None, description="A moderation label to show with the post")
    why: Why | None = None


class Ranker(BaseModel):
    kind: str = Field(description="model (trained multi-task ranker) or heuristic (fallback)")
    version: str | None
    note: str | None


class FeedUser(BaseModel):
    id: str | None = Field(description="The stored user id (None: anonymous or brand new)")
    new: bool


class FeedResponse(BaseModel):
    items: list[FeedItem]
    cursor: str | None = Field(description="Pass back for the next page (bound to this user)")
    ranker: Ranker
    user: FeedUser
    page: int
    recall: dict[str, int] | None = Field(None, description="With explain: items per source")


class RelatedResponse(BaseModel):
    item_id: str
    items: list[FeedItem]
