"""Appeals: a creator contests a decision on their post; reviewers decide it in the
``appeals`` queue (``/v1/review/next?queue=appeals``, then ``outcome`` uphold or overturn)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from reelstack.api.deps import ClientDep, PlatformDep
from reelstack.api.schemas.review import AppealIn
from reelstack.safety.appeals import AppealService
from reelstack.safety.review import ReviewService

router = APIRouter(prefix="/v1", tags=["review"])


def _service(platform: PlatformDep) -> AppealService:
    return AppealService(ReviewService.for_platform(platform))


@router.post("/appeals", status_code=201)
def file_appeal(body: AppealIn, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Appeal a decision in force (the app calls this for the post's creator). 403 when the
    creator is not the post's, 409 while an appeal of it is open, 422 for an appeal of an
    appeal's outcome or of a decision that restricts nothing."""
    job = _service(platform).file(body.decision, body.creator, body.reason)
    return _service(platform).status(job.id)


@router.get("/appeals/{appeal_id}")
def appeal_status(appeal_id: str, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """The appeal's state and, once decided, its outcome (uphold or overturn) and reason."""
    return _service(platform).status(appeal_id)
