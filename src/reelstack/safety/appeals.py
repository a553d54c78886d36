"""Appeals: a creator contests a decision; a different reviewer upholds or overturns it.

``file`` checks the appeal (the decision exists, restricts something, is still in force, the
appellant is the post's creator, it was not appealed before) and opens a job in the
``appeals`` queue that the reviewer who took the original decision may not lease. ``decide``
closes it: *uphold* keeps the decision in force; *overturn* records a new manual ``allow``
that restores the post everywhere at once (``items.moderated``). Both outcomes are audited
(``appeal.filed``, ``appeal.upheld``, ``appeal.overturned``) and feed the metrics.

An appeal's outcome is final: the decision an overturn records, and a decision whose appeal
was upheld, cannot be appealed again (422).
"""

from __future__ import annotations

from typing import Any

from reelstack.core import clock
from reelstack.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from reelstack.core.records import Decision, ReviewJob
from reelstack.safety.audit import append_audit
from reelstack.safety.decisions import decision_in_force
from reelstack.safety.review.access import EVERY_QUEUE, QueueAccess
from reelstack.safety.review.jobs import APPEALS_QUEUE, build_job
from reelstack.safety.review.service import (
    MAX_NAME_CHARS,
    ReviewService,
    check_text,
    record_manual_decision,
    reviewer_actor,
)

OUTCOMES = ("uphold", "overturn")
NOT_APPEALABLE = ("allow", "review")


def original_reviewer(decision: Decision) -> str | None:
    """The reviewer who took a manual decision (None for automation)."""
    if decision.source != "manual":
        return None
    for reason in decision.reasons.get("reasons") or []:
        if reason.get("reviewer"):
            return str(reason["reviewer"])
    return None


def appeal_of(decision: Decision) -> str | None:
    """The appeal a decision was taken on, if it is an appeal's outcome."""
    for reason in decision.reasons.get("reasons") or []:
        if reason.get("appeal_id"):
            return str(reason["appeal_id"])
    return None


class AppealService:
    def __init__(self, review: ReviewService) -> None:
        self.review = review
        self.store = review.store

    def appeals_of(self, decision: Decision) -> list[ReviewJob]:
        jobs = self.store.list_review_jobs(item_id=decision.item_id, source="appeal", limit=1000)
        return [job for job in jobs if job.details.get("decision_id") == decision.id]

    def file(self, decision_id: str, creator: str, reason: str = "") -> ReviewJob:
        """Open the appeal of ``decision_id`` by the post's creator (id or handle)."""
        creator = check_text(creator, "creator", MAX_NAME_CHARS)
        reason = check_text(reason, "reason")
        self._not_a_job(decision_id)
        decision = self.store.get_decision(decision_id)
        if appeal_of(decision) is not None:
            raise InvalidInput("this decision is the outcome of an appeal; it cannot be appealed")
        if decision.action in NOT_APPEALABLE:
            raise InvalidInput(f"a {decision.action!r} decision restricts nothing to appeal")
        item = self.store.get_item(decision.item_id)
        owner = self.store.get_creator(item.creator_id)
        if creator not in (owner.id, owner.handle):
            raise Forbidden("only the post's creator can appeal its decision")
        earlier = self.appeals_of(decision)
        if any(job.state == "decided" for job in earlier):
            raise InvalidInput("this decision was already appealed and upheld; that is final")
        if earlier:
            raise Conflict(f"this decision already has an open appeal ({earlier[0].id})",
                           appeal_id=earlier[0].id)  # fmt: skip
        in_force = decision_in_force(self.store, item.id)
        if in_force is None or in_force.id != decision.id:
            raise Conflict("this decision is no longer in force; appeal the one that is",
                           decision_id=in_force.id if in_force else None)  # fmt: skip
        reviewer = original_reviewer(decision)
        original = {"action": decision.action, "policy_id": decision.policy_id,
                    "source": decision.source, "reviewer": reviewer}  # fmt: skip
        job = build_job(self.store, item, self.review.policies.current("content"),
                        queue=APPEALS_QUEUE, source="appeal", policy_id=decision.policy_id,
                        details={"decision_id": decision.id, "creator": creator,
                                 "reason": reason, "original": original})  # fmt: skip
        job.excluded = [reviewer] if reviewer else []
        self.store.add_review_job(job)
        append_audit(self.store, actor=f"creator:{owner.handle}", action="appeal.filed",
                     subject_type="item", subject_id=item.id,
                     details={"appeal_id": job.id, "decision_id": decision.id,
                              "policy_id": decision.policy_id, "reason": reason})  # fmt: skip
        return job

    def _not_a_job(self, ref: str) -> None:
        """Refuse an appeal that names a review job (an appeal) instead of a decision."""
        try:
            job = self.store.get_review_job(ref)
        except NotFound:
            return
        if job.source == "appeal":
            raise InvalidInput("an appeal's outcome cannot be appealed again")
        raise InvalidInput(f"{ref} is a review job; appeal the decision it led to")

    def decide(
        self,
        job_id: str,
        reviewer: str,
        outcome: Any,
        reason: Any,
        access: QueueAccess = EVERY_QUEUE,
    ) -> tuple[ReviewJob, Decision | None]:
        """Uphold or overturn; an overturn returns the new ``allow`` decision."""
        job = self.review.job(job_id, access)
        if job.source != "appeal":
            raise InvalidInput("only appeal jobs take an 'outcome'; decide with an 'action'")
        if outcome not in OUTCOMES:
            raise InvalidInput("'outcome' must be 'uphold' or 'overturn'", field="outcome")
        if reviewer in job.excluded:
            raise Forbidden("the reviewer of the appealed decision cannot decide its appeal")
        note = check_text(reason, "reason")
        result = {"outcome": outcome, "reason": note, "reviewer": reviewer}
        job = self.store.decide_review_job(job.id, reviewer, result, clock.now())
        decision_id = job.details.get("decision_id")
        details = {"appeal_id": job.id, "decision_id": decision_id, "reviewer": reviewer,
                   "reason": note, "policy_id": job.policy_id}  # fmt: skip
        decision = None
        if outcome == "overturn":
            version = self.review.policies.current("content").version
            decision = record_manual_decision(
                self.store, self.review.stream, job.item_id, "allow", reviewer=reviewer,
                policy_id=job.policy_id, policy_version=version,
                note=note, automated_detection=False,
                reason={"appeal_id": job.id, "overturns": decision_id, "job_id": job.id,
                        "job_source": "appeal", "queue": job.queue},
            )  # fmt: skip
            details["new_decision_id"] = decision.id
        append_audit(self.store, actor=reviewer_actor(reviewer),
                     action="appeal.overturned" if decision else "appeal.upheld",
                     subject_type="item", subject_id=job.item_id, details=details)  # fmt: skip
        taught = decision or self.store.get_decision(str(decision_id))
        item = self.store.get_item(job.item_id)
        for hook in self.review.on_decided:
            hook(job, item, taught)
        return job, decision

    def status(self, job_id: str) -> dict[str, Any]:
        job = self.store.get_review_job(job_id)
        if job.source != "appeal":
            raise InvalidInput(f"{job_id} is not an appeal")
        outcome = (job.decision or {}).get("outcome")
        return {"appeal_id": job.id, "item_id": job.item_id,
                "decision_id": job.details.get("decision_id"), "state": job.state,
                "outcome": outcome, "reason": (job.decision or {}).get("reason")}  # fmt: skip
