"""Ad review: check an ad (nothing stored), review a stored ad, its state, eligible ads.

A landing page comes as text in JSON (``landing_page``) or as an uploaded file (multipart
field ``landing_page``), HTML or plain text, at most 10 MB; it is never fetched.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from reelstack.api.bodies import json_object
from reelstack.api.deps import ClientDep, PlatformDep, ReviewerDep
from reelstack.core.errors import InvalidInput, PayloadTooLarge
from reelstack.safety.ads import AdInput, AdReviewer, ad_state, eligible_ads
from reelstack.safety.landing import MAX_LANDING_BYTES, parse_landing_page

router = APIRouter(prefix="/v1", tags=["ads"])
MAX_FIELD_CHARS = 10_000
MAX_CLAIMS = 50

_AD_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "advertiser": {"type": "string"}, "text": {"type": "string"},
                "claims": {"type": "array", "items": {"type": "string"}},
                "landing_page": {"type": "string"},
                "landing_page_type": {"type": "string", "enum": ["auto", "html", "text"]}}}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "advertiser": {"type": "string"}, "text": {"type": "string"},
                "claims": {"type": "array", "items": {"type": "string"}},
                "landing_page": {"type": "string", "format": "binary"},
                "landing_page_type": {"type": "string"}}}},
        },
    }
}  # fmt: skip


async def _fields(request: Request) -> dict[str, Any]:
    """The body as {advertiser, text, claims, landing_page (str|bytes|None), type}."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=MAX_CLAIMS + 10)
        try:
            upload = form.get("landing_page")
            page: Any = upload
            if isinstance(upload, UploadFile):
                page = await upload.read(MAX_LANDING_BYTES + 1)
                if len(page) > MAX_LANDING_BYTES:
                    raise PayloadTooLarge(f"the landing page is larger than "
                                          f"{MAX_LANDING_BYTES // 2**20} MB")  # fmt: skip
            body = {"advertiser": form.get("advertiser"), "text": form.get("text"),
                    "claims": form.getlist("claims"), "landing_page": page,
                    "landing_page_type": form.get("landing_page_type")}  # fmt: skip
        finally:
            await form.close()
    else:
        raw = await request.body()
        if not raw:
            return {}
        body = await json_object(request, "JSON or a multipart form")
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise InvalidInput(f"'{name}' must be a string of at most {MAX_FIELD_CHARS} characters")
    return value


def _claims(body: dict[str, Any]) -> list[str]:
    claims = body.get("claims") or []
    if not isinstance(claims, list) or len(claims) > MAX_CLAIMS:
        raise InvalidInput(f"'claims' must be a list of at most {MAX_CLAIMS} strings")
    if not all(isinstance(c, str) and len(c) <= 1000 for c in claims):
        raise InvalidInput("each claim must be a string of at most 1000 characters")
    return claims


def _page(body: dict[str, Any]) -> tuple[str | bytes | None, str]:
    page = body.get("landing_page")
    kind = body.get("landing_page_type") or "auto"
    if page is not None and not isinstance(page, str | bytes):
        raise InvalidInput("'landing_page' must be text (JSON) or a file (multipart)")
    if not isinstance(kind, str):
        raise InvalidInput("'landing_page_type' must be 'auto', 'html' or 'text'")
    return page, kind


@router.post("/ads/check", openapi_extra=_AD_BODY)
async def check_ad(request: Request, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """The approval state an ad would get (approved, approved_limited, disapproved or
    pending_review), with every reason and the offending spans; nothing is stored."""
    body = await _fields(request)
    page, kind = _page(body)
    advertiser = _text(body, "advertiser")
    if not advertiser.strip():
        raise InvalidInput("'advertiser' is required")

    def run() -> dict[str, Any]:
        landing = parse_landing_page(page, kind) if page is not None else None
        ad = AdInput(advertiser=advertiser, text=_text(body, "text"), claims=_claims(body),
                     landing_page=landing)  # fmt: skip
        return AdReviewer(platform.store, platform.policies, platform.models).check(ad).to_dict()

    return await run_in_threadpool(run)


@router.post("/ads/{item_id}/review", openapi_extra=_AD_BODY)
async def review_ad(
    item_id: str, request: Request, platform: PlatformDep, _: ReviewerDep
) -> dict[str, Any]:
    """Review a stored ad (its landing page from the body, else the one stored with it) and
    record its state; a borderline ad joins the ``ads`` review queue."""
    page, kind = _page(await _fields(request))
    reviewer = AdReviewer(platform.store, platform.policies, platform.models)
    review = await run_in_threadpool(reviewer.review_item, item_id, page, kind)
    return review.to_dict()


@router.get("/ads/eligible")
def eligible(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Ads whose state is approved or approved_limited: the candidates for ad slots."""
    return {"ads": eligible_ads(platform.store)}


@router.get("/ads/{item_id}")
def state(item_id: str, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    platform.store.get_item(item_id)  # 404 for an unknown item
    return ad_state(platform.store, item_id) or {"item_id": item_id, "state": None}
