"""Per-policy safety metrics and the transparency report, from reviews, appeals and decisions.

Per policy family (``spam``, ``hate``, ...):

- **precision / recall / F1 at the operating point**: every decided review job whose post had
  an automated decision when the job opened (``details.auto``) is a labelled case. Automation
  *flagged* the family when its action was an enforcement (anything but allow/review) under a
  policy of the family; the reviewer *confirmed* it when their action enforced under the
  family. Appeals of automated decisions count too (upheld: confirmed; overturned: not).
  ``sample`` restricts this to the random quality sample (unbiased); ``reviewed`` uses every
  reviewed case (more of them, but biased toward the hard ones review sees).
- **prevalence**: the share of the random quality sample reviewers found violating, with a
  Wilson 95% interval (precision and recall carry one too).
- **automated vs manual share** of enforcement decisions recorded in the period.
- **time to action**: reviewed jobs, from the job opening (report, flag) to the decision;
  automated enforcement, from ingest to the decision (median and p90, seconds).
- **appeal overturn rate** of decided appeals, and **SLA**: jobs decided before their deadline.

The transparency report counts decisions by policy, action, detection source (automated
detection, user report, quality sample, appeal, ...) and whether the decision was automated.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from reelstack.core.clock import iso
from reelstack.core.errors import NotFound
from reelstack.core.records import AuditRecord, ReviewJob
from reelstack.safety.policies import PolicyStore
from reelstack.storage.interfaces import Store
from reelstack.storage.paging import iter_audit

Z95 = 1.959964
NOT_ENFORCED = frozenset({"allow", "review"})
TRANSPARENCY_FIELDS = ("policy_id", "action", "source", "automated", "count")


def family(policy_id: str | None) -> str | None:
    return policy_id.split(".")[0] if policy_id else None


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (0, 0 for n = 0)."""
    if n == 0:
        return 0.0, 0.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(k: int, n: int) -> dict[str, Any]:
    low, high = wilson(k, n)
    value = k / n if n else None
    return {"value": round(value, 4) if value is not None else None, "low": round(low, 4),
            "high": round(high, 4), "k": k, "n": n}  # fmt: skip


def spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "p90": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)], 1)

    return {"n": len(ordered), "median": at(0.5), "p90": at(0.9)}


@dataclass(slots=True)
class Case:
    """One reviewed post: the family automation flagged and the one the reviewer confirmed."""

    flagged: str | None
    confirmed: str | None
    random: bool


@dataclass
class Tally:
    cases: list[Case] = field(default_factory=list)
    sample: list[str | None] = field(default_factory=list)  # random sample: family found
    review_seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    appeals: Counter = field(default_factory=Counter)  # (family, outcome) -> n
    sla: Counter = field(default_factory=Counter)  # (family, met) -> n
    decisions: Counter = field(default_factory=Counter)  # (family, automated) -> n
    auto_seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def iter_jobs(store: Store, state: str = "decided") -> Iterator[ReviewJob]:
    after = None
    while page := store.list_review_jobs(state=state, after=after, limit=500):
        yield from page
        after = page[-1].id


def iter_decisions(store: Store, since: float | None, until: float | None) -> Iterator[AuditRecord]:
    return iter_audit(store, action_prefix="decision.", since=since, until=until)


def case_of(job: ReviewJob) -> Case | None:
    """The labelled case a decided job gives, or None when automation had not decided."""
    decision = job.decision or {}
    if job.source == "appeal":
        original = job.details.get("original") or {}
        if original.get("source") != "automated":
            return None
        flagged = family(original.get("policy_id"))
        return Case(flagged, flagged if decision.get("outcome") == "uphold" else None, False)
    auto = job.details.get("auto")
    if not auto or auto.get("source") != "automated" or "action" not in decision:
        return None
    flagged = family(auto.get("policy_id")) if auto.get("action") not in NOT_ENFORCED else None
    return Case(flagged, found_family(decision), job.sampler == "random")


def found_family(decision: dict[str, Any]) -> str | None:
    return family(decision.get("policy_id")) if decision.get("action") not in NOT_ENFORCED else None


def _in(ts: float | None, since: float | None, until: float | None) -> bool:
    return ts is not None and (since is None or ts >= since) and (until is None or ts < until)


def tally(store: Store, since: float | None = None, until: float | None = None) -> Tally:
    found = Tally()
    for job in iter_jobs(store):
        if not _in(job.decided_at, since, until):
            continue
        decision = job.decision or {}
        if job.source == "appeal":
            found.appeals[(family(job.policy_id), decision.get("outcome"))] += 1
        elif "action" in decision:
            if job.sampler == "random":
                found.sample.append(found_family(decision))
            if (fam := found_family(decision)) is not None:
                found.review_seconds[fam].append(job.decided_at - job.created_at)
        if (case := case_of(job)) is not None:
            found.cases.append(case)
        if job.due_at is not None:
            met = job.decided_at <= job.due_at
            found.sla[(family(job.policy_id) or job.queue, met)] += 1
    ingested: dict[str, float | None] = {}
    for record in iter_decisions(store, since, until):
        action = record.action.removeprefix("decision.")
        if action in NOT_ENFORCED:
            continue
        fam = family(record.details.get("policy_id")) or "none"
        automated = bool(record.details.get("automated_decision", True))
        found.decisions[(fam, automated)] += 1
        if automated:
            if record.subject_id not in ingested:
                try:
                    ingested[record.subject_id] = store.get_item(record.subject_id).ingested_at
                except NotFound:
                    ingested[record.subject_id] = None
            if (start := ingested[record.subject_id]) is not None and start > 0:
                found.auto_seconds[fam].append(max(0.0, record.ts - start))
    return found


def operating_point(cases: list[Case], fam: str) -> dict[str, Any]:
    tp = sum(c.flagged == fam and c.confirmed == fam for c in cases)
    flagged = sum(c.flagged == fam for c in cases)
    confirmed = sum(c.confirmed == fam for c in cases)
    precision, recall = proportion(tp, flagged), proportion(tp, confirmed)
    p, r = precision["value"], recall["value"]
    f1 = round(2 * p * r / (p + r), 4) if p and r else (0.0 if flagged and confirmed else None)
    return {"cases": len(cases), "precision": precision, "recall": recall, "f1": f1}


def policy_metrics(
    store: Store, policies: PolicyStore, since: float | None = None, until: float | None = None
) -> dict[str, Any]:
    """Every family's metrics over jobs decided and decisions recorded in [since, until)."""
    found = tally(store, since, until)
    families = [p.id for p in policies.current("content").policies]
    seen = {c.flagged for c in found.cases} | {c.confirmed for c in found.cases}
    seen |= {fam for fam, _ in found.decisions} | {fam for fam, _ in found.appeals}
    families += sorted(f for f in seen if f and f not in families and f != "none")
    random_cases = [c for c in found.cases if c.random]
    rows = []
    for fam in families:
        automated, manual = found.decisions[(fam, True)], found.decisions[(fam, False)]
        decided_appeals = found.appeals[(fam, "uphold")] + found.appeals[(fam, "overturn")]
        rows.append({
            "policy_id": fam,
            "reviewed": operating_point(found.cases, fam),
            "sample": operating_point(random_cases, fam),
            "prevalence": proportion(sum(f == fam for f in found.sample), len(found.sample)),
            "decisions": {"automated": automated, "manual": manual,
                          "automated_share": proportion(automated, automated + manual)["value"]},
            "time_to_action_s": {"automated": spread(found.auto_seconds[fam]),
                                 "manual": spread(found.review_seconds[fam])},
            "appeals": {"decided": decided_appeals,
                        "overturned": found.appeals[(fam, "overturn")],
                        "overturn_rate": proportion(found.appeals[(fam, "overturn")],
                                                    decided_appeals)},
            "sla": {"decided": found.sla[(fam, True)] + found.sla[(fam, False)],
                    "within_sla": found.sla[(fam, True)]},
        })  # fmt: skip
    total_auto = sum(n for (_, automated), n in found.decisions.items() if automated)
    total = sum(found.decisions.values())
    overturned = sum(n for (_, outcome), n in found.appeals.items() if outcome == "overturn")
    return {
        "period": {"since": iso(since) if since else None, "until": iso(until) if until else None},
        "random_sample": len(found.sample),
        "labelled_cases": len(found.cases),
        "policies": rows,
        "overall": {
            "enforcement_decisions": total,
            "automated_share": proportion(total_auto, total)["value"],
            "appeal_overturn_rate": proportion(overturned, sum(found.appeals.values())),
        },
    }


# -- the transparency report ------------------------------------------------------------------


def detection_source(details: dict[str, Any]) -> str:
    """How the problem came to light: automated detection, a user report, a sample, ..."""
    if details.get("automated_decision", True):
        return "automated_detection"
    reasons = details.get("reasons") or []
    source = reasons[0].get("job_source") if reasons and isinstance(reasons[0], dict) else None
    return {"report": "user_report", "moderation": "automated_detection",
            "sample": "quality_sample", "active": "automated_detection", "appeal": "appeal",
            "ads": "ad_review"}.get(source or "", "manual")  # fmt: skip


def transparency_report(
    store: Store, since: float | None = None, until: float | None = None
) -> dict[str, Any]:
    """Decisions counted by policy, action, detection source and automated or not."""
    counts: Counter = Counter()
    for record in iter_decisions(store, since, until):
        details = record.details
        action = record.action.removeprefix("decision.")
        automated = bool(details.get("automated_decision", True))
        counts[
            (details.get("policy_id") or "none", action, detection_source(details), automated)
        ] += 1
    rows = [dict(zip(TRANSPARENCY_FIELDS, (*key, n), strict=True))
            for key, n in sorted(counts.items())]  # fmt: skip
    totals: dict[str, Counter] = {name: Counter() for name in TRANSPARENCY_FIELDS[:4]}
    for row in rows:
        for name in totals:
            totals[name][str(row[name]).lower()] += row["count"]
    return {"period": {"since": iso(since) if since else None,
                       "until": iso(until) if until else None},
            "rows": rows, "totals": {k: dict(v) for k, v in totals.items()},
            "decisions": sum(counts.values())}  # fmt: skip


def transparency_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TRANSPARENCY_FIELDS)
    writer.writeheader()
    writer.writerows(report["rows"])
    return buffer.getvalue()
