"""Moderation actions over time: decisions from the audit log counted per minute, hour or day.

Every decision leaves a ``decision.<action>`` audit record, so the audit log is the one
source of how many posts were removed, demoted, allowed... in each bucket, and whether a
machine or a reviewer took the decision. Buckets are aligned to UTC and empty ones are kept
(a chart of a quiet day shows zeros, not a gap); the last bucket is the one ``until`` falls
in, counted whole.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from reelstack.core.clock import iso
from reelstack.core.errors import InvalidInput
from reelstack.safety.actions import ACTIONS
from reelstack.storage.interfaces import AuditStore
from reelstack.storage.paging import iter_audit

Bucket = Literal["minute", "hour", "day"]
BUCKET_SECONDS: dict[str, int] = {"minute": 60, "hour": 3600, "day": 86400}
DEFAULT_SPAN: dict[str, int] = {"minute": 60, "hour": 48, "day": 30}  # buckets without `since`
MAX_BUCKETS = 2000


def bucket_edges(bucket: str, since: float | None, until: float) -> tuple[int, float, int]:
    """(bucket seconds, start of the first bucket, number of buckets) for the period."""
    if bucket not in BUCKET_SECONDS:
        raise InvalidInput(f"'bucket' must be one of {', '.join(BUCKET_SECONDS)}", field="bucket")
    size = BUCKET_SECONDS[bucket]
    last = until // size * size
    first = last - (DEFAULT_SPAN[bucket] - 1) * size if since is None else since // size * size
    if first > last:
        raise InvalidInput("'since' must be before 'until'", field="since")
    count = int((last - first) // size) + 1
    if count > MAX_BUCKETS:
        raise InvalidInput(f"the period spans {count} {bucket}s; at most {MAX_BUCKETS} fit",
                           field="since")  # fmt: skip
    return size, first, count


def action_timeline(
    store: AuditStore, bucket: str, since: float | None, until: float
) -> dict[str, Any]:
    """Decisions per bucket and action, and automated vs manual, oldest bucket first."""
    size, first, count = bucket_edges(bucket, since, until)
    by_action: list[Counter[str]] = [Counter() for _ in range(count)]
    manual = [0] * count
    end = first + count * size  # buckets are whole: the last one covers all of its hour or day
    for record in iter_audit(store, action_prefix="decision.", since=first, until=end):
        index = int((record.ts - first) // size)
        by_action[index][record.action.removeprefix("decision.")] += 1
        if record.details.get("automated_decision") is False:
            manual[index] += 1
    seen = set().union(*by_action)
    actions = [a for a in ACTIONS if a in seen] + sorted(seen - set(ACTIONS))
    series = [{"start": iso(first + i * size), "total": sum(counts.values()),
               "manual": manual[i], "counts": {a: counts[a] for a in actions}}
              for i, counts in enumerate(by_action)]  # fmt: skip
    return {"bucket": bucket, "since": iso(first), "until": iso(end), "actions": actions,
            "totals": {a: sum(s["counts"][a] for s in series) for a in actions},
            "series": series}  # fmt: skip
