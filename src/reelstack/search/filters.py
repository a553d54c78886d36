"""Search filters: parsed from ``filters=`` strings, applied to the index and to candidates.

Syntax: ``key:value`` pairs separated by ``,`` or ``;``; several values for one key with ``|``
(any of them). Keys:

- ``language:en|vi``; ``creator:handle`` (with or without ``@``); ``hashtag:cat`` (with or
  without ``#``); ``kind:video|image|text``;
- ``duration:<30``, ``duration:>=60``, ``duration:10-30`` (seconds) or a bucket from
  `DURATION_BUCKETS` (``short``, ``medium``, ``long``);
- ``date:>=2026-01-01``, ``date:<2026-02-01``, ``date:2026-01-01..2026-01-31`` or ``date:7d``
  (the last 7 days; ``h`` hours too).

A JSON object (``{"language": ["en"], "duration": "<30"}``) is accepted as well. Unknown keys
and malformed values raise `InvalidInput` naming them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reelstack.core.errors import InvalidInput

KEYS = ("language", "creator", "hashtag", "kind", "duration", "date")
DURATION_BUCKETS = {"short": (0.0, 15.0), "medium": (15.0, 60.0), "long": (60.0, None)}
MAX_FILTER_CHARS = 2000
_COMPARE = re.compile(r"^(<=|>=|<|>)?\s*(.+)$")
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([dh])$")


@dataclass(slots=True)
class Filters:
    languages: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)  # handles, casefolded, no "@"
    hashtags: list[str] = field(default_factory=list)  # casefolded, no "#"
    kinds: list[str] = field(default_factory=list)
    duration: tuple[float | None, float | None] | None = None
    date: tuple[float | None, float | None] | None = None

    def __bool__(self) -> bool:
        return bool(self.languages or self.creators or self.hashtags or self.kinds
                    or self.duration or self.date)  # fmt: skip

    def matches(self, meta: dict[str, Any]) -> bool:
        """Does an indexed document (its side-table metadata) pass every filter?"""
        if self.languages and meta.get("language") not in self.languages:
            return False
        if self.creators and (meta.get("creator") or "").casefold() not in self.creators:
            return False
        tags = {t.casefold() for t in meta.get("hashtags") or []}
        if self.hashtags and not tags & set(self.hashtags):
            return False
        if self.kinds and meta.get("kind") not in self.kinds:
            return False
        if self.duration and not _within(meta.get("duration_s"), self.duration):
            return False
        return not (self.date and not _within(meta.get("created_at"), self.date))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("languages", "creators", "hashtags", "kinds"):
            if getattr(self, name):
                out[name[:-1] if name != "kinds" else "kind"] = getattr(self, name)
        if self.duration:
            out["duration"] = list(self.duration)
        if self.date:
            out["date"] = list(self.date)
        return out


def _within(value: float | None, bounds: tuple[float | None, float | None]) -> bool:
    if value is None:
        return False
    low, high = bounds
    return (low is None or value >= low) and (high is None or value < high)


def parse_filters(raw: str | dict[str, Any] | None, now: float) -> Filters:
    if raw is None or raw == "" or raw == {}:
        return Filters()
    pairs = _pairs(raw)
    unknown = sorted({key for key, _ in pairs} - set(KEYS))
    if unknown:
        raise InvalidInput(
            f"unknown filter(s): {', '.join(unknown)}; known filters: {', '.join(KEYS)}",
            unknown=unknown,
        )
    filters = Filters()
    for key, value in pairs:
        values = [v.strip() for v in value.split("|") if v.strip()]
        if not values:
            raise InvalidInput(f"filter {key!r} has no value")
        if key == "language":
            filters.languages += [v.casefold() for v in values]
        elif key == "creator":
            filters.creators += [v.lstrip("@").casefold() for v in values]
        elif key == "hashtag":
            filters.hashtags += [v.lstrip("#＃").casefold() for v in values]
        elif key == "kind":
            bad = [v for v in values if v not in ("video", "image", "text")]
            if bad:
                raise InvalidInput(f"filter kind: {bad[0]!r} is not video, image or text")
            filters.kinds += values
        elif key == "duration":
            filters.duration = _duration(value.strip())
        else:
            filters.date = _date(value.strip(), now)
    return filters


def _pairs(raw: str | dict[str, Any]) -> list[tuple[str, str]]:
    if isinstance(raw, str) and len(raw) > MAX_FILTER_CHARS:
        raise InvalidInput(f"filters is longer than {MAX_FILTER_CHARS} characters")
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise InvalidInput(f"filters: invalid JSON ({exc})") from exc
        if not isinstance(raw, dict):
            raise InvalidInput("filters: JSON filters must be an object")
    if isinstance(raw, dict):
        return [(str(k).strip().casefold(),
                 "|".join(map(str, v)) if isinstance(v, list) else str(v))
                for k, v in raw.items()]  # fmt: skip
    pairs = []
    for part in re.split(r"[,;]", raw):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        if not sep:
            raise InvalidInput(f"filter {part.strip()!r} is not key:value")
        pairs.append((key.strip().casefold(), value))
    return pairs


def _number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"filter {what}: {text!r} is not a number") from None


def _duration(value: str) -> tuple[float | None, float | None]:
    if value in DURATION_BUCKETS:
        return DURATION_BUCKETS[value]
    if "-" in value and not value.startswith("-"):
        low, _, high = value.partition("-")
        return _number(low, "duration"), _number(high, "duration")
    return _compare(value, "duration", lambda v: _number(v, "duration"))


def _timestamp(text: str) -> float:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"filter date: {text!r} is not an ISO date (YYYY-MM-DD)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _date(value: str, now: float) -> tuple[float | None, float | None]:
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = float(relative.group(1)), relative.group(2)
        return now - amount * (86400 if unit == "d" else 3600), None
    if ".." in value:
        low, _, high = value.partition("..")
        return (_timestamp(low) if low else None), (_timestamp(high) + 86400 if high else None)
    return _compare(value, "date", _timestamp)


def _compare(value: str, what: str, parse: Any) -> tuple[float | None, float | None]:
    match = _COMPARE.match(value)
    if not match or not match.group(2).strip():
        raise InvalidInput(f"filter {what}: cannot read {value!r}")
    op, operand = match.group(1), parse(match.group(2).strip())
    if op in (">", ">="):
        return operand, None
    if op in ("<", "<="):
        return None, operand
    return operand, operand + (86400 if what == "date" else 1e-9)
