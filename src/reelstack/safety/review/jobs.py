"""Open review jobs: from a ``review`` verdict, a user report, or a random quality sample.

Every job names its queue (the policy family: ``spam``, ``hate``, ...; ``reports`` for a
report that names no policy; ``quality`` for the random sample; ``appeals``; ``ads``), the
post's language, its severity, a priority (``priority.py``) and an SLA deadline. A job for
a post that already waits in the same queue folds into that job instead of queueing twice.
``details["auto"]`` keeps what automation had decided when the job opened, which the
metrics compare the reviewer's decision with.
"""

from __future__ import annotations

from typing import Any

from reelstack.core import clock
from reelstack.core.ids import new_id
from reelstack.core.records import Decision, Item, ReviewJob
from reelstack.safety.decisions import decision_in_force
from reelstack.safety.policies.schema import PolicySet
from reelstack.safety.review.priority import Priority, expected_reach, sla_deadline, uncertainty
from reelstack.safety.verdict import Verdict
from reelstack.storage.interfaces import Store

REPORTS_QUEUE = "reports"
QUALITY_QUEUE = "quality"
APPEALS_QUEUE = "appeals"
ADS_QUEUE = "ads"
DEFAULT_SEVERITY = 2


def queue_of(policy_id: str | None) -> str:
    """The queue of a policy: its family (top-level id); ``reports`` without a policy."""
    return policy_id.split(".")[0] if policy_id else REPORTS_QUEUE


def severity_of(policy_set: PolicySet, policy_id: str | None) -> int:
    if policy_id is None:
        return DEFAULT_SEVERITY
    try:
        return policy_set.get(policy_id).severity
    except KeyError:
        return DEFAULT_SEVERITY


def thresholds_of(policy_set: PolicySet, policy_id: str | None) -> list[float]:
    if policy_id is None:
        return []
    try:
        return [band.min_confidence for band in policy_set.effective_bands(policy_id)]
    except KeyError:
        return []


def language_of(store: Store, item: Item) -> str | None:
    """The language Understand found in the post's text, else the one the post declared."""
    text = store.get_features(item.id).get("text")
    found = text.value.get("language") if text is not None else None
    return found if isinstance(found, str) and found else item.language


def reach_of(store: Store, item: Item, now: float) -> float:
    try:
        followers = store.get_creator(item.creator_id).followers
    except Exception:  # a creator row missing must not stop a review
        followers = 0
    return expected_reach(store.item_event_counts(item.id), followers, item.created_at, now)


def snapshot(decision: Decision | None) -> dict[str, Any] | None:
    """What automation (or a person) had decided when the job opened."""
    if decision is None:
        return None
    scores: dict[str, float] = {}
    for score in decision.reasons.get("scores") or []:
        policy, value = score.get("policy_id"), score.get("score")
        if isinstance(policy, str) and isinstance(value, int | float):
            scores[policy] = max(scores.get(policy, 0.0), float(value))
    return {"decision_id": decision.id, "action": decision.action,
            "policy_id": decision.policy_id, "source": decision.source,
            "scores": scores}  # fmt: skip


def build_job(
    store: Store,
    item: Item,
    policy_set: PolicySet,
    *,
    queue: str,
    source: str,
    policy_id: str | None,
    score: float | None = None,
    reports: int = 0,
    sampler: str | None = None,
    severity: int | None = None,
    details: dict[str, Any] | None = None,
) -> ReviewJob:
    now = clock.now()
    level = severity if severity is not None else severity_of(policy_set, policy_id)
    doubt = uncertainty(score, thresholds_of(policy_set, policy_id))
    priority = Priority(level, reach_of(store, item, now), doubt, reports)
    auto = snapshot(decision_in_force(store, item.id))
    return ReviewJob(
        id=new_id("rvj"),
        item_id=item.id,
        queue=queue,
        priority=priority.value,
        created_at=now,
        source=source,
        policy_id=policy_id,
        language=language_of(store, item),
        severity=level,
        due_at=sla_deadline(level, now),
        sampler=sampler,
        details={"priority": priority.to_dict(), "auto": auto, **(details or {})},
    )


def open_for_verdict(
    store: Store, policy_set: PolicySet, item: Item, verdict: Verdict
) -> ReviewJob | None:
    """The job a ``review`` verdict opens (or the waiting job it folds into)."""
    if not verdict.reasons:
        return None
    top = verdict.reasons[0]
    job = build_job(store, item, policy_set, queue=queue_of(top.policy_id), source="moderation",
                    policy_id=top.policy_id, score=top.score,
                    details={"reason": {k: v for k, v in (
                        ("detector", top.detector), ("rule", top.rule), ("score", top.score),
                        ("threshold", top.threshold), ("evidence", top.evidence))
                        if v is not None}})  # fmt: skip
    return store.open_review_job(job)[0]
