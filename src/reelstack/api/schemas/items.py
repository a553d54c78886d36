"""JSON shapes of items, creators, media and ingest results."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from reelstack.core.clock import iso
from reelstack.core.records import Creator, Decision, Item, Media
from reelstack.ingest.manifest import AdSpec, PostSpec
from reelstack.ingest.service import IngestResult


class CreatorOut(BaseModel):
    id: str
    handle: str
    display_name: str
    followers: int

    @classmethod
    def of(cls, creator: Creator) -> CreatorOut:
        return cls.model_validate(creator, from_attributes=True)


class MediaOut(BaseModel):
    id: str
    kind: str
    format: str
    width: int
    height: int
    duration_s: float | None
    fps: float | None
    has_audio: bool
    size_bytes: int
    url: str

    @classmethod
    def of(cls, media: Media, item_id: str) -> MediaOut:
        return cls(
            id=media.id,
            kind=media.kind,
            format=media.format,
            width=media.width,
            height=media.height,
            duration_s=media.duration_s,
            fps=media.fps,
            has_audio=media.has_audio,
            size_bytes=media.size_bytes,
            url=f"/v1/items/{item_id}/media",
        )


class ModerationOut(BaseModel):
    """The decision in force (the latest), as search and the feed apply it."""

    decision_id: str
    action: str
    policy_id: str | None
    policy_version: str | None
    source: str
    decided_at: str
    reasons: list[dict[str, Any]] = Field(
        default_factory=list, description="Policy, detector, score and threshold (or rule) of "
        "everything that acted; the full audit record is at /v1/audit?subject_id=<item id>."
    )  # fmt: skip

    @classmethod
    def of(cls, decision: Decision) -> ModerationOut:
        return cls(
            decision_id=decision.id,
            action=decision.action,
            policy_id=decision.policy_id,
            policy_version=decision.policy_version,
            source=decision.source,
            decided_at=iso(decision.created_at),
            reasons=decision.reasons.get("reasons") or [],
        )


class ItemOut(BaseModel):
    id: str
    kind: str
    caption: str
    hashtags: list[str]
    language: str | None
    creator: CreatorOut
    media: MediaOut | None
    external_id: str | None
    ad: AdSpec | None
    created_at: str
    ingested_at: str
    meta: dict[str, Any]
    moderation: ModerationOut | None = None

    @classmethod
    def of(
        cls, item: Item, creator: Creator, media: Media | None, decision: Decision | None = None
    ) -> ItemOut:
        return cls(
            id=item.id,
            kind=item.kind,
            caption=item.caption,
            hashtags=item.hashtags,
            language=item.language,
            creator=CreatorOut.of(creator),
            media=MediaOut.of(media, item.id) if media else None,
            external_id=item.external_id,
            ad=AdSpec.model_validate(item.ad, from_attributes=True) if item.ad else None,
            created_at=iso(item.created_at),
            ingested_at=iso(item.ingested_at),
            meta=item.meta,
            moderation=ModerationOut.of(decision) if decision else None,
        )


class ItemPage(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None


class CreatorPage(BaseModel):
    creators: list[CreatorOut]
    next_cursor: str | None


class IngestResultOut(BaseModel):
    source: str
    status: str
    item_id: str | None
    reason: str | None

    @classmethod
    def of(cls, result: IngestResult) -> IngestResultOut:
        return cls.model_validate(result, from_attributes=True)


class IngestResponse(BaseModel):
    results: list[IngestResultOut]
    ingested: int
    skipped: int
    errors: int


class PostBatch(BaseModel):
    """``POST /v1/items`` JSON body: posts without media (media goes through multipart)."""

    items: list[dict[str, Any]]


__all__ = ["PostSpec"]
