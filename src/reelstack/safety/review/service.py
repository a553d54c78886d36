"""``ReviewService``: reports in, jobs leased to one reviewer at a time, decisions out.

A reviewer leases the most urgent job of a queue (``next``), then decides it — an action,
the policy it falls under and a free-text reason — or skips it (the job returns to the queue
for someone else, and the skip is audited). A decision is accepted only while the reviewer's
lease holds; it is stored through ``DecisionLog`` as a manual decision (automation never
overwrites it), audited, and published on ``items.moderated`` so search and the feed apply it
at once. ``on_decided`` hooks (the learning loop) see every decision with its post.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reelstack.core import clock
from reelstack.core.clock import iso
from reelstack.core.errors import InvalidInput, NotFound
from reelstack.core.records import Decision, Item, ReviewJob
from reelstack.safety.actions import ACTIONS
from reelstack.safety.audit import append_audit
from reelstack.safety.decisions import DecisionLog, decision_in_force
from reelstack.safety.policies import PolicySet, PolicyStore
from reelstack.safety.review.access import EVERY_QUEUE, QueueAccess
from reelstack.safety.review.jobs import ADS_QUEUE, build_job, queue_of
from reelstack.storage.interfaces import Store
from reelstack.storage.streams import EventStream

REVIEWER_ACTIONS = tuple(a for a in ACTIONS if a != "review")
LEASE_SECONDS = 600.0
MAX_REASON_CHARS = 4000
MAX_NAME_CHARS = 200

if TYPE_CHECKING:
    from reelstack.runtime.platform import Platform

DecidedHook = Callable[[ReviewJob, Item, Decision], None]


def reviewer_actor(name: str) -> str:
    return f"reviewer:{name}"


def check_text(value: Any, what: str, limit: int = MAX_REASON_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{what}' must be a string")
    if len(value) > limit:
        raise InvalidInput(f"'{what}' is longer than {limit} characters")
    return value.strip()


def record_manual_decision(
    store: Store,
    stream: EventStream | None,
    item_id: str,
    action: str,
    *,
    reviewer: str,
    policy_id: str | None,
    policy_version: int | None,
    note: str,
    reason: dict[str, Any],
    automated_detection: bool,
) -> Decision:
    """Store a reviewer's decision (audited with it) and publish it on ``items.moderated``."""
    return DecisionLog(store, stream).record(
        item_id, action, actor=reviewer_actor(reviewer), policy_id=policy_id,
        policy_version=policy_version, automated_detection=automated_detection,
        automated_decision=False, note=note,
        reasons=[{"policy_id": policy_id, "action": action, "reviewer": reviewer, **reason}],
    )  # fmt: skip


class ReviewService:
    def __init__(
        self,
        store: Store,
        policies: PolicyStore,
        stream: EventStream | None = None,
        *,
        on_decided: list[DecidedHook] | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.policies = policies
        self.stream = stream
        self.on_decided = on_decided or []
        self.lease_seconds = lease_seconds

    @classmethod
    def for_platform(cls, platform: Platform) -> ReviewService:
        """The service over a platform's store, policies and stream (cheap: build per use);
        each decision also becomes a few-shot label (``safety/learning.py``), and decides
        the state of an ad (``safety/ads.py``) in the ``ads`` queue."""
        from reelstack.safety.ads import AdStateRecorder
        from reelstack.safety.learning import LabelRecorder

        hooks: list[DecidedHook] = [LabelRecorder(platform.heads, platform.store),
                                    AdStateRecorder(platform.store)]  # fmt: skip
        return cls(platform.store, platform.policies, platform.stream, on_decided=hooks)

    def policy_set(self, queue: str) -> PolicySet:
        return self.policies.current("ads" if queue == ADS_QUEUE else "content")

    def check_policy(self, policy_set: PolicySet, policy_id: Any) -> str:
        if not isinstance(policy_id, str) or not policy_id:
            raise InvalidInput("'policy' must name a policy id")
        try:
            policy_set.get(policy_id)
        except KeyError:
            raise InvalidInput(
                f"unknown {policy_set.kind} policy {policy_id!r} (policy set version "
                f"{policy_set.version})",
                field="policy",
            ) from None
        return policy_id

    # -- reports ---------------------------------------------------------------------------

    def report(
        self, item_id: str, reporter: str, policy_id: str | None = None, reason: str = ""
    ) -> dict[str, Any]:
        """A user's report: queued for review (folded into the post's waiting job, if any).

        A reporter who already reported the post under the same policy is told so and
        counts once.
        """
        reporter = check_text(reporter, "reporter", MAX_NAME_CHARS)
        if not reporter:
            raise InvalidInput("'reporter' must name who reports")
        reason = check_text(reason, "reason")
        item = self.store.get_item(item_id)
        policy_set = self.policies.current("content")
        if policy_id is not None:
            self.check_policy(policy_set, policy_id)
        earlier = [r for r in self.store.list_audit("item", item.id) if r.action == "report.filed"]
        for record in earlier:
            if (record.details.get("reporter"), record.details.get("policy_id")) == (
                reporter, policy_id):  # fmt: skip
                job = self.store.get_review_job(record.details["job_id"])
                return {"report_id": record.id, "duplicate": True, "job": job}
        reporters = {r.details.get("reporter") for r in earlier} | {reporter}
        in_force = decision_in_force(self.store, item.id)
        last = {"reporter": reporter, "reason": reason}
        job = build_job(self.store, item, policy_set, queue=queue_of(policy_id), source="report",
                        policy_id=policy_id, score=_score_for(in_force, policy_id),
                        reports=len(reporters),
                        details={"reports": len(reporters), "last_report": last})  # fmt: skip
        held, _ = self.store.open_review_job(job)
        record = append_audit(self.store, actor=f"reporter:{reporter}", action="report.filed",
                              subject_type="item", subject_id=item.id,
                              details={"reporter": reporter, "policy_id": policy_id,
                                       "reason": reason, "job_id": held.id})  # fmt: skip
        return {"report_id": record.id, "duplicate": False, "job": held}

    # -- the reviewer's loop ---------------------------------------------------------------

    def next(
        self,
        reviewer: str,
        queue: str,
        language: str | None = None,
        access: QueueAccess = EVERY_QUEUE,
    ) -> ReviewJob | None:
        """Lease the most urgent job of ``queue`` this reviewer may take (None: none left);
        a reviewer limited to some languages of the queue is served only those."""
        if not queue:
            raise InvalidInput("'queue' must name a review queue (see /v1/review/queues)")
        languages = access.lease_filter(queue, language)
        return self.store.lease_next_job(
            queue, reviewer, self.lease_seconds, clock.now(), language=languages
        )

    def job(self, job_id: str, access: QueueAccess = EVERY_QUEUE) -> ReviewJob:
        """A job the reviewer may see (``Forbidden`` outside their queues)."""
        job = self.store.get_review_job(job_id)
        access.check_job(job)
        return job

    def decide(
        self,
        job_id: str,
        reviewer: str,
        action: Any,
        policy_id: Any,
        reason: Any,
        access: QueueAccess = EVERY_QUEUE,
    ) -> tuple[ReviewJob, Decision]:
        """Take a decision on a leased job; ``Conflict`` (409) once the lease ran out."""
        job = self.job(job_id, access)
        if job.source == "appeal":
            raise InvalidInput("an appeal job is decided with an 'outcome' (uphold or overturn)")
        if action not in REVIEWER_ACTIONS:
            raise InvalidInput(f"'action' must be one of {', '.join(REVIEWER_ACTIONS)}",
                               field="action")  # fmt: skip
        policy_set = self.policy_set(job.queue)
        if policy_id is None and action == "allow":
            policy_id = job.policy_id
        else:
            policy_id = self.check_policy(policy_set, policy_id)
        note = check_text(reason, "reason")
        outcome = {"action": action, "policy_id": policy_id, "reason": note, "reviewer": reviewer}
        job = self.store.decide_review_job(job.id, reviewer, outcome, clock.now())
        decision = record_manual_decision(
            self.store, self.stream, job.item_id, action, reviewer=reviewer,
            policy_id=policy_id, policy_version=policy_set.version, note=note,
            reason={"job_id": job.id, "job_source": job.source, "queue": job.queue,
                    "notices": int(job.details.get("reports") or 0)},
            automated_detection=job.source != "report",
        )  # fmt: skip
        item = self.store.get_item(job.item_id)
        for hook in self.on_decided:
            hook(job, item, decision)
        return job, decision

    def skip(
        self, job_id: str, reviewer: str, reason: Any = None, access: QueueAccess = EVERY_QUEUE
    ) -> ReviewJob:
        """Give the job back for someone else (a hard case); the skip is audited."""
        note = check_text(reason, "reason")
        self.job(job_id, access)
        job = self.store.release_review_job(job_id, reviewer, clock.now())
        append_audit(self.store, actor=reviewer_actor(reviewer), action="review.skip",
                     subject_type="review_job", subject_id=job.id,
                     details={"item_id": job.item_id, "queue": job.queue, "reason": note,
                              "skips": job.skips, "policy_id": job.policy_id})  # fmt: skip
        return job

    # -- views -----------------------------------------------------------------------------

    def queues(self, access: QueueAccess = EVERY_QUEUE) -> list[dict[str, Any]]:
        """Depth, oldest age and SLA breaches of every queue (of the reviewer's) with
        undecided jobs."""
        now = clock.now()
        found = []
        for row in self.store.review_queue_stats(now):
            if not access.allows(row["queue"], row["language"]):
                continue
            found.append({"queue": row["queue"], "language": row["language"],
                          "depth": int(row["waiting"]) + int(row["leased"]),
                          "waiting": int(row["waiting"]), "leased": int(row["leased"]),
                          "oldest_age_s": round(now - row["oldest_created_at"], 1),
                          "sla_breaches": int(row["sla_breaches"])})  # fmt: skip
        return found

    def view(self, job: ReviewJob) -> dict[str, Any]:
        """The job with what a reviewer needs: the post, its creator, decision and reports."""
        body = job_dict(job)
        try:
            item = self.store.get_item(job.item_id)
        except NotFound:
            return body
        creator = self.store.get_creator(item.creator_id)
        in_force = decision_in_force(self.store, item.id)
        reports = [r for r in self.store.list_audit("item", item.id) if r.action == "report.filed"]
        body["item"] = {"id": item.id, "kind": item.kind, "caption": item.caption,
                        "hashtags": item.hashtags, "language": item.language,
                        "media_id": item.media_id, "created_at": iso(item.created_at),
                        "creator": {"id": creator.id, "handle": creator.handle,
                                    "followers": creator.followers}}  # fmt: skip
        if item.ad is not None:
            body["item"]["ad"] = {"advertiser": item.ad.advertiser, "claims": item.ad.claims}
        body["decision_in_force"] = (
            {"id": in_force.id, "action": in_force.action, "policy_id": in_force.policy_id,
             "source": in_force.source, "reasons": in_force.reasons} if in_force else None
        )  # fmt: skip
        body["reports"] = [{"reporter": r.details.get("reporter"),
                            "policy_id": r.details.get("policy_id"),
                            "reason": r.details.get("reason"), "at": iso(r.ts)}
                           for r in reports[-20:]]  # fmt: skip
        return body


def job_dict(job: ReviewJob) -> dict[str, Any]:
    def when(ts: float | None) -> str | None:
        return iso(ts) if ts is not None else None

    return {"id": job.id, "item_id": job.item_id, "queue": job.queue, "language": job.language,
            "source": job.source, "sampler": job.sampler, "policy_id": job.policy_id,
            "severity": job.severity, "priority": job.priority, "state": job.state,
            "lease_owner": job.lease_owner, "lease_expires_at": when(job.lease_expires_at),
            "created_at": when(job.created_at), "due_at": when(job.due_at),
            "decided_at": when(job.decided_at), "decision": job.decision, "skips": job.skips,
            "details": job.details}  # fmt: skip


def _score_for(decision: Decision | None, policy_id: str | None) -> float | None:
    """The highest stored score on the policy or a sub-policy of it."""
    if decision is None or policy_id is None:
        return None
    values = [float(s["score"]) for s in decision.reasons.get("scores") or []
              if isinstance(s.get("score"), int | float)
              and _within(str(s.get("policy_id", "")), policy_id)]  # fmt: skip
    return max(values) if values else None


def _within(policy_id: str, family: str) -> bool:
    return policy_id == family or policy_id.startswith(family + ".")
