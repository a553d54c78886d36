"""How urgent a review job is: severity × expected reach × model uncertainty, and its SLA.

- **severity** (1–4) is the policy's, from the policy set in force;
- **expected reach** grows with the log of the views the post is likely to get next:
  its view velocity so far (views per hour since it was posted, at least one hour) over the
  next day, plus a share of its creator's followers. The store counts events per item, not
  per item and time, so the velocity is averaged over the post's life; for short videos, whose
  views come early, that is close to the recent velocity while a post is young;
- **uncertainty** is how close the deciding score sits to the nearest band threshold of its
  policy: 1 on a threshold, falling to a floor half a unit away; no score (a user report on a
  post no detector flagged) counts as a coin flip.

Each further report on the same post raises the priority by the log of the report count. The
SLA clock runs from the job's creation: an hour for severity 4 down to three days for 1.

**Overdue jobs.** A job past its SLA deadline is served before every job still within its
SLA whose severity is the same or lower: when the next job is leased, its priority counts as
the highest priority among those (and it wins the tie). It is not served before a *more*
severe job that outranks it, so a fresh severity-4 case still comes before an overdue spam
report. The store applies this rule when leasing (``lease_next_job``); the stored priority
stays the product above, and ``GET /v1/review/queues`` counts the breaches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HOUR = 3600.0
SLA_HOURS = {4: 1.0, 3: 4.0, 2: 24.0, 1: 72.0}
FOLLOWER_REACH = 0.1  # share of followers a new post typically reaches
HORIZON_HOURS = 24.0  # reach is what the post would gather over the next day
UNKNOWN_UNCERTAINTY = 0.5
MIN_UNCERTAINTY = 0.05
VIEW_EVENTS = ("view", "impression")


@dataclass(frozen=True, slots=True)
class Priority:
    severity: int
    reach: float
    uncertainty: float
    reports: int = 0

    @property
    def value(self) -> float:
        boost = 1.0 + math.log2(self.reports) if self.reports > 1 else 1.0
        return round(self.severity * self.reach * self.uncertainty * boost, 4)

    def to_dict(self) -> dict[str, float | int]:
        return {"severity": self.severity, "reach": round(self.reach, 4),
                "uncertainty": round(self.uncertainty, 4), "reports": self.reports,
                "priority": self.value}  # fmt: skip


def expected_reach(
    event_counts: dict[str, int], followers: int, posted_at: float, now: float
) -> float:
    """1 for a post nobody will see; +1 per tenfold more expected views."""
    views = max((event_counts.get(kind, 0) for kind in VIEW_EVENTS), default=0)
    hours = max((now - posted_at) / HOUR, 1.0) if posted_at > 0 else 1.0
    expected = views / hours * HORIZON_HOURS + max(followers, 0) * FOLLOWER_REACH
    return 1.0 + math.log10(1.0 + expected)


def uncertainty(score: float | None, thresholds: Sequence[float]) -> float:
    """How close ``score`` is to the nearest threshold (1 on it; floor half a unit away)."""
    if score is None or not thresholds:
        return UNKNOWN_UNCERTAINTY
    distance = min(abs(score - t) for t in thresholds)
    return max(MIN_UNCERTAINTY, 1.0 - 2.0 * distance)


def sla_deadline(severity: int, created_at: float) -> float:
    return created_at + SLA_HOURS.get(severity, SLA_HOURS[1]) * HOUR
