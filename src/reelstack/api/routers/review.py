"""Human review: user reports, queues, leasing the next job, decisions and skips.

Reports come from clients (the app, on behalf of a user); everything else needs the reviewer
role, and the reviewer is the name of the calling key: a job is leased to that name, and only
that name may decide or skip it while the lease holds (409 once it ran out).
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
def queues(platform: PlatformDep, _: ReviewerDep) -> dict[str, Any]:
    """Every queue (per policy family and language) with undecided jobs: depth (waiting +
    leased), age of the oldest job in seconds, and jobs past their SLA deadline."""
    return {"queues": ReviewService.for_platform(platform).queues()}


@router.get("/review/next")
def next_job(
    platform: PlatformDep,
    reviewer: ReviewerDep,
    queue: str = Query(min_length=1, max_length=100, description="A queue from /review/queues"),
    language: str | None = Query(None, max_length=20, description="Only jobs in this language"),
) -> dict[str, Any]:
    """Lease the most urgent job of the queue to the caller (``job`` is null when none is
    left); decide or skip it before ``lease_expires_at``, or it returns to the queue."""
    service = ReviewService.for_platform(platform)
    job = service.next(reviewer.name, queue, language)
    return {"job": service.view(job) if job is not None else None}


@router.get("/review/jobs/{job_id}")
def get_job(job_id: str, platform: PlatformDep, _: ReviewerDep) -> dict[str, Any]:
    service = ReviewService.for_platform(platform)
    return service.view(platform.store.get_review_job(job_id))


@router.post("/review/jobs/{job_id}/decision")
def decide(
    job_id: str, body: DecisionIn, platform: PlatformDep, reviewer: ReviewerDep
) -> dict[str, Any]:
    """Decide a leased job: ``action`` with the ``policy`` it falls under (422 for an
    unknown one) and a ``reason``; an appeal job takes ``outcome`` (uphold or overturn).
    The decision applies at once in search and the feed and is in the audit log."""
    service = ReviewService.for_platform(platform)
    if platform.store.get_review_job(job_id).source == "appeal":
        job, decision = AppealService(service).decide(
            job_id, reviewer.name, body.outcome, body.reason
        )
    else:
        job, decision = service.decide(job_id, reviewer.name, body.action, body.policy, body.reason)
    return {"job": job_dict(job), "decision_id": decision.id if decision else None,
            "action": decision.action if decision else None}  # fmt: skip


@router.post("/review/jobs/{job_id}/skip")
def skip(
    job_id: str, platform: PlatformDep, reviewer: ReviewerDep, body: SkipIn | None = None
) -> dict[str, Any]:
    """Give a leased job back as a hard case: someone else will get it, the skip is audited."""
    reason = body.reason if body is not None else ""
    job = ReviewService.for_platform(platform).skip(job_id, reviewer.name, reason)
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
