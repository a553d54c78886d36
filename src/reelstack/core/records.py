"""Domain records shared by every pillar and every storage backend.

Plain dataclasses: storage maps them to rows, the API to JSON schemas. Times are epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

MediaKind = Literal["video", "image"]
ItemKind = Literal["video", "image", "text"]
Role = Literal["client", "reviewer", "admin"]

EVENT_TYPES = (
    "impression",
    "view",
    "like",
    "share",
    "comment",
    "follow",
    "skip",
    "not_interested",
    "report",
    "search",
    "click",
)


@dataclass(slots=True, kw_only=True)
class Creator:
    id: str
    handle: str
    display_name: str = ""
    followers: int = 0
    created_at: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class User:
    id: str
    handle: str
    language: str | None = None
    region: str | None = None
    birth_year: int | None = None
    created_at: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Media:
    """A validated media file, content-addressed by ``sha256`` in the blob store."""

    id: str
    sha256: str
    kind: MediaKind
    format: str
    size_bytes: int
    width: int
    height: int
    duration_s: float | None = None
    fps: float | None = None
    has_audio: bool = False
    probe: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0


@dataclass(slots=True, kw_only=True)
class Ad:
    """Fields that make a post an ad; checked by safety's ad review."""

    advertiser: str
    landing_page_text: str | None = None
    claims: list[str] = field(default_factory=list)
    call_to_action: str | None = None


@dataclass(slots=True, kw_only=True)
class Item:
    """A post: optional media plus caption, hashtags and creator."""

    id: str
    kind: ItemKind
    content_hash: str
    creator_id: str
    caption: str = ""
    hashtags: list[str] = field(default_factory=list)
    language: str | None = None
    media_id: str | None = None
    external_id: str | None = None
    ad: Ad | None = None
    created_at: float = 0.0
    ingested_at: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Event:
    """One user action; ``event_id`` makes delivery idempotent."""

    event_id: str
    type: str
    user_id: str
    item_id: str | None
    ts: float
    watch_ms: int | None = None
    duration_ms: int | None = None
    context: dict[str, Any] = field(default_factory=dict)
    received_at: float = 0.0


@dataclass(slots=True, kw_only=True)
class Feature:
    """The output of one understanding stage for one item, stamped with the model that made it."""

    item_id: str
    stage: str
    model_name: str
    model_version: str
    value: dict[str, Any]
    created_at: float = 0.0


@dataclass(slots=True, kw_only=True)
class Decision:
    """A moderation outcome in the EU DSA vocabulary (allow, label, age_restrict, demote, ...)."""

    id: str
    item_id: str
    action: str
    policy_id: str | None = None
    policy_version: str | None = None
    source: str = "automated"
    reasons: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0


@dataclass(slots=True, kw_only=True)
class AuditRecord:
    """Append-only trail of who (or which model) did what to which subject, and why."""

    id: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any] = field(default_factory=dict)
    ts: float = 0.0


@dataclass(slots=True, kw_only=True)
class ReviewJob:
    """A post waiting for a human: leased to one reviewer at a time, decided once.

    ``source`` says what opened it (moderation, report, appeal, sample, ads), ``sampler``
    which sampler picked it (quality and active-learning jobs), ``excluded`` the reviewers
    who may not take it (who skipped it, or who took the decision under appeal), ``due_at``
    its SLA deadline and ``details`` what the reviewer needs (scores, reports, the appeal).
    """

    id: str
    item_id: str
    queue: str
    priority: float = 0.0
    state: Literal["open", "leased", "decided"] = "open"
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    decision: dict[str, Any] | None = None
    created_at: float = 0.0
    decided_at: float | None = None
    source: str = "moderation"
    policy_id: str | None = None
    language: str | None = None
    severity: int = 1
    due_at: float | None = None
    sampler: str | None = None
    excluded: list[str] = field(default_factory=list)
    skips: int = 0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class ApiKey:
    """``queues``: the review queues a reviewer key is limited to (``QUEUE`` or
    ``QUEUE:LANG``); empty means every queue."""

    id: str
    name: str
    role: Role
    key_hash: str
    created_at: float = 0.0
    revoked_at: float | None = None
    queues: list[str] = field(default_factory=list)


SignalType = Literal["pdq", "md5", "video_pdq"]


@dataclass(slots=True, kw_only=True)
class HashBank:
    """A named set of banned content fingerprints; matches score against ``policy_id``."""

    name: str
    description: str = ""
    policy_id: str = "ip"
    enabled: bool = True
    created_at: float = 0.0


@dataclass(slots=True, kw_only=True)
class BankEntry:
    """One banked signal: a hash, or one whole video (its keyframe hashes in ``frames``).

    ``signal`` is the hex value matched exactly (``md5``) or by Hamming distance (``pdq``);
    a ``video_pdq`` entry's ``signal`` is its file's md5. ``frames`` holds
    ``{"ts", "hash", "quality", "variants": [hex, ...]}`` per keyframe for media entries.
    """

    id: str
    bank: str
    signal_type: SignalType
    signal: str
    frames: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    source_item_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
