"""The event API's rules: validate a batch event by event, store the valid ones, tell the state.

An event is ``{"event_id", "type", "user", "item", "ts", "watch_ms", "duration_ms",
"context"}``. Each invalid event gets an error naming its index, id and field, and the rest
of the batch is stored; a batch above ``max_batch`` is refused whole (413) before any work.

- ``event_id`` makes delivery idempotent: a known id (stored before, or repeated within the
  batch) is counted as a duplicate and changes nothing.
- ``ts`` is epoch seconds or ISO 8601 (a zone-less date is UTC). Out-of-order is fine; more
  than ``max_future_s`` ahead of the server clock, or older than ``max_age_days``, is refused.
- ``user`` is a user id or a handle (`users.UserDirectory`: an unknown handle is created on
  first sight, an unknown id is an error); omitted or null means anonymous, which only counts
  toward the item's statistics.
- ``item`` must be a stored item for every type.
- ``watch_ms`` longer than ``duration_ms`` is accepted (loops and replays happen) and counted
  as one full watch, with a warning; negative values are refused. A view or skip without
  ``duration_ms`` takes the post's media duration when known.

Stored events go to the log with `EventStore.append_events`, then ``events.appended`` is
published; the recommender's state tails the log on that message, so the next feed request
already reflects them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reelstack.core import clock
from reelstack.core.errors import InvalidInput, NotFound, PayloadTooLarge
from reelstack.core.records import EVENT_TYPES, Event
from reelstack.recommend.settings import RecommendSettings
from reelstack.recommend.users import UserDirectory
from reelstack.storage.interfaces import Store
from reelstack.storage.streams import EventStream

APPENDED_TOPIC = "events.appended"  # {"count": new events, "received": valid events}
# Every event type but ``search`` (logged by search itself, with no item to engage with).
FEED_EVENT_TYPES = tuple(kind for kind in EVENT_TYPES if kind != "search")
PLAY_TYPES = ("view", "skip")
FIELDS = {"event_id", "type", "user", "item", "ts", "watch_ms", "duration_ms", "context"}
MAX_ID_CHARS = 128
MAX_CONTEXT_BYTES = 4096
MAX_MS = 86_400_000  # a day


@dataclass(slots=True)
class IngestResult:
    received: int
    accepted: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "warnings": self.warnings,
        }


class EventError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class EventIngest:
    def __init__(
        self,
        store: Store,
        stream: EventStream,
        users: UserDirectory,
        settings: RecommendSettings,
        duration_of: Callable[[str], float | None] = lambda _: None,
    ) -> None:
        self.store = store
        self.stream = stream
        self.users = users
        self.settings = settings
        self.duration_of = duration_of  # item id -> media seconds, when known

    def ingest(self, raw_events: Any) -> IngestResult:
        if not isinstance(raw_events, list):
            raise InvalidInput('body must be {"events": [...]} with a list of events')
        limit = self.settings.max_batch
        if len(raw_events) > limit:
            raise PayloadTooLarge(
                f"{len(raw_events):,} events in one batch; send at most {limit:,} per request",
                max_batch=limit,
            )
        result = IngestResult(received=len(raw_events))
        now = clock.now()
        events: list[Event] = []
        batch_ids: set[str] = set()
        for index, raw in enumerate(raw_events):
            event_id = raw.get("event_id") if isinstance(raw, dict) else None
            try:
                event, warnings = self._parse(raw, now)
            except EventError as exc:
                result.errors.append(
                    {
                        "index": index,
                        "event_id": _printable(event_id),
                        "field": exc.field,
                        "error": exc.message,
                    }
                )
                continue
            if event.event_id in batch_ids:
                result.duplicates += 1
                continue
            batch_ids.add(event.event_id)
            result.warnings += [{"index": index, "event_id": event.event_id, **w} for w in warnings]
            events.append(event)
        result.accepted = len(events)
        if events:
            result.stored = self.store.append_events(events)
            result.duplicates += len(events) - result.stored
            if result.stored:
                self.stream.publish(
                    APPENDED_TOPIC, {"count": result.stored, "received": len(events)}
                )
        return result

    # -- one event ---------------------------------------------------------------------------

    def _parse(self, raw: Any, now: float) -> tuple[Event, list[dict[str, str]]]:
        if not isinstance(raw, dict):
            raise EventError("", "an event must be a JSON object")
        unknown = set(raw) - FIELDS
        if unknown:
            raise EventError(sorted(unknown)[0], f"unknown fields {sorted(unknown)}")
        event_id = raw.get("event_id")
        if not isinstance(event_id, str) or not event_id.strip():
            raise EventError("event_id", "event_id is required (a string, for idempotency)")
        if len(event_id) > MAX_ID_CHARS:
            raise EventError("event_id", f"event_id is longer than {MAX_ID_CHARS} characters")
        kind = raw.get("type")
        if kind not in FEED_EVENT_TYPES:
            raise EventError("type", f"type must be one of {', '.join(FEED_EVENT_TYPES)}")
        ts = self._ts(raw.get("ts"), now)
        item_id = raw.get("item")
        if not isinstance(item_id, str) or not item_id:
            raise EventError("item", "item (a stored item id) is required")
        duration_s = self._item_duration(item_id)
        watch_ms = _ms(raw.get("watch_ms"), "watch_ms")
        duration_ms = _ms(raw.get("duration_ms"), "duration_ms")
        warnings = []
        if kind in PLAY_TYPES:
            if duration_ms is None and duration_s:
                duration_ms = int(duration_s * 1000)
            if watch_ms is not None and duration_ms and watch_ms > duration_ms:
                warnings.append(
                    {
                        "field": "watch_ms",
                        "warning": "watch_ms > duration_ms: counted as one full watch (replays)",
                    }
                )
        elif watch_ms is not None:
            raise EventError("watch_ms", f"watch_ms only goes with {' or '.join(PLAY_TYPES)}")
        if duration_ms == 0:
            raise EventError("duration_ms", "duration_ms must be positive")
        context = raw.get("context") or {}
        if not isinstance(context, dict):
            raise EventError("context", "context must be an object")
        if len(json.dumps(context, default=str)) > MAX_CONTEXT_BYTES:
            raise EventError("context", f"context is larger than {MAX_CONTEXT_BYTES} bytes")
        user_id = self._user(raw.get("user"))
        return Event(
            event_id=event_id,
            type=kind,
            user_id=user_id or "anonymous",
            item_id=item_id,
            ts=ts,
            watch_ms=watch_ms,
            duration_ms=duration_ms,
            context=context,
            received_at=now,
        ), warnings

    def _ts(self, raw: Any, now: float) -> float:
        if raw is None:
            raise EventError("ts", "ts is required (epoch seconds or ISO 8601)")
        try:
            ts = clock.parse_timestamp(raw)
        except (ValueError, TypeError, OverflowError):
            raise EventError("ts", f"not an epoch time or ISO 8601 date: {raw!r}") from None
        if ts != ts or ts > now + self.settings.max_future_s:
            raise EventError("ts", f"ts {_when(ts, raw)} is in the future")
        if ts < now - self.settings.max_age_days * 86400:
            raise EventError(
                "ts", f"ts {_when(ts, raw)} is older than {self.settings.max_age_days:g} days"
            )
        return ts

    def _item_duration(self, item_id: str) -> float | None:
        try:
            return self.duration_of(item_id)
        except NotFound:
            raise EventError("item", f"unknown item {item_id!r}") from None

    def _user(self, raw: Any) -> str | None:
        if raw is not None and not isinstance(raw, str):
            raise EventError("user", "user must be a user id or a handle (a string)")
        try:
            return self.users.resolve(raw, create=True)
        except (InvalidInput, NotFound) as exc:
            raise EventError("user", exc.message) from None


def _ms(raw: Any, name: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != raw:
        raise EventError(name, f"{name} must be a number of milliseconds")
    if raw < 0:
        raise EventError(name, f"{name} must not be negative")
    if raw > MAX_MS:
        raise EventError(name, f"{name} is longer than a day")
    return int(raw)


def _when(ts: float, raw: Any) -> str:
    try:
        return clock.iso(ts)
    except (ValueError, OverflowError, OSError):
        return repr(raw)


def _printable(value: Any) -> str | None:
    return value[:MAX_ID_CHARS] if isinstance(value, str) else None
