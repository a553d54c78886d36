"""One place that says what time it is, so tests and replays can control it."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    """Seconds since the epoch (UTC)."""
    return time.time()


def parse_timestamp(value: float | int | str) -> float:
    """Epoch seconds from epoch seconds or ISO 8601; raises ValueError with the bad value."""
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an epoch time or ISO 8601 date: {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def iso(ts: float) -> str:
    """ISO 8601 in UTC with a Z, as the API returns times."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")
