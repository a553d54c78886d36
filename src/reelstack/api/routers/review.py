"""Human review: user reports, queues, leasing the next job, decisions and skips.

Reports come from clients (the app, on behalf of a user); everything else needs the reviewer
role, and the reviewer is the name of the calling key: a job is leased to that name, and only
that name may decide or skip it while the lease holds (409 once it ran out). A reviewer key
limited to some queues (``reelstack keys add NAME --role reviewer --queues violence,hate:en``)
sees and is served only those; a job outside them is 403.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from reelstack.api.deps import AdminDep, ClientDep, PlatformDep, ReviewerDep
from reelstack.api.schemas.review import DecisionIn, ReportIn, SampleIn, SkipIn
from reelstack.safety.appeals import AppealService
from reelstack.safety.review import ReviewService, job_dict
from reelstack.safety.review.sampling import active_sample, quality_sample

router = APIRouter(prefix="/v1", tags=["review"])


@router.post("/reports", status_code=201)
def report(body: ReportIn, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """A user reports a post; it joins the review queue of the policy's family (``reports``
    when no policy is named), or raises the priority of the job already waiting for it."""
    found = ReviewService.for_platform(platform).report(
        body.item, body.reporter, body.policy, body.reason
    )
    job = found["job"]
    return {"report_id": found["report_id"], "duplicate": found["duplicate"], "job_id": job.id,
            "queue": job.queue, "priority": job.priority}  # fmt: skip


@router.get("/review/queues")
def queues(platform: PlatformDep, reviewer: ReviewerDep) -> dict[str, Any]:
    """Every queue (per policy family and language) with undecided jobs that the caller may
    work: depth (waiting + leased), age of the oldest job in seconds, and jobs past their SLA
    deadline (served first, see ``GET /review/next``)."""
    return {"queues": ReviewService.for_platform(platform).queues(reviewer.access)}


@router.get("/review/next")
def next_job(
    platform: PlatformDep,
    reviewer: ReviewerDep,
    queue: str = Query(min_length=1, max_length=100, description="A queue from /review/queues"),
    language: str | None = Query(None, max_length=20, description="Only jobs in this language"),
) -> dict[str, Any]:
    """Lease the most urgent job of the queue to the caller (``job`` is null when none is
    left); decide or skip it before ``lease_expires_at``, or it returns to the queue. Jobs
    come by priority (severity × reach × uncertainty); a job past its SLA comes before those
    within it of the same or lower severity. 403 for a queue or language outside the
    caller's queues; without ``language``, a reviewer limited to some languages of the queue
    is served those."""
    service = ReviewService.for_platform(platform)
    job = service.next(reviewer.name, queue, language, reviewer.access)
    return {"job": service.view(job) if job is not None else None}


@router.get("/review/jobs/{job_id}")
def get_job(job_id: str, platform: PlatformDep, reviewer: ReviewerDep) -> dict[str, Any]:
    service = ReviewService.for_platform(platform)
    return service.view(service.job(job_id, reviewer.access))


@router.post("/review/jobs/{job_id}/decision")
def decide(
    job_id: str, body: DecisionIn, platform: PlatformDep, reviewer: ReviewerDep
) -> dict[str, Any]:
    """Decide a leased job: ``action`` with the ``policy`` it falls under (422 for an
    unknown one) and a ``reason``; an appeal job takes ``outcome`` (uphold or overturn).
    The decision applies at once in search and the feed and is in the audit log."""
    service = ReviewService.for_platform(platform)
    access = reviewer.access
    if service.job(job_id, access).source == "appeal":
        job, decision = AppealService(service).decide(
            job_id, reviewer.name, body.outcome, body.reason, access
        )
    else:
        job, decision = service.decide(
            job_id, reviewer.name, body.action, body.policy, body.reason, access
        )
    return {"job": job_dict(job), "decision_id": decision.id if decision else None,
            "action": decision.action if decision else None}  # fmt: skip


@router.post("/review/jobs/{job_id}/skip")
def skip(
    job_id: str, platform: PlatformDep, reviewer: ReviewerDep, body: SkipIn | None = None
) -> dict[str, Any]:
    """Give a leased job back as a hard case: someone else will get it, the skip is audited."""
    reason = body.reason if body is not None else ""
    job = ReviewService.for_platform(platform).skip(job_id, reviewer.name, reason, reviewer.access)
    return {"job": job_dict(job)}


@router.post("/review/sample", status_code=201)
def sample(body: SampleIn, platform: PlatformDep, _: AdminDep) -> dict[str, Any]:
    """Open review jobs beyond the automatic review band: a uniform random sample (queue
    ``quality``), or an active-learning batch — the most uncertain posts without
    near-duplicates, plus a fixed random share. Each job names its ``sampler``."""
    if body.sampler == "active":
        jobs = active_sample(platform.store, platform.policies, body.n, body.random_share,
                             body.seed)  # fmt: skip
    else:
        jobs = quality_sample(platform.store, platform.policies, body.n, body.seed)
    return {"jobs": [job_dict(j) for j in jobs]}
