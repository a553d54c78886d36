"""Keyword banks: everyone reads; admins publish new versions (YAML or JSON body)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from reelstack.api.bodies import YAML_BODY, body_text
from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.safety.audit import append_audit

router = APIRouter(prefix="/v1/safety", tags=["safety"])


@router.get("/keywords")
def get_keywords(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """The keyword banks in force (their version is part of every ``keywords`` score)."""
    return platform.keywords.current().model_dump(exclude_none=True)


@router.get("/keywords/versions")
def keyword_versions(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    store = platform.keywords
    store.current()  # materialise the defaults as version 1
    return {"versions": store.versions()}


@router.get("/keywords/versions/{version}")
def keyword_version(version: int, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return platform.keywords.get(version).model_dump(exclude_none=True)


@router.put("/keywords", openapi_extra=YAML_BODY)
async def put_keywords(request: Request, platform: PlatformDep, admin: AdminDep) -> dict[str, Any]:
    """Publish a new version; a file that fails validation (an unknown policy, a regex RE2
    cannot run, a bank over the size limits) is rejected and the current version stays."""
    text = await body_text(request)
    platform.keywords.current()  # the defaults stay version 1, whatever is published first
    saved = platform.keywords.save(text, policies=platform.policies.current("content"))
    append_audit(
        platform.store,
        actor=admin.name,
        action="keywords.publish",
        subject_type="keyword_banks",
        subject_id="keywords",
        details={"version": saved.version, "banks": [b.id for b in saved.banks]},
    )
    return {"version": saved.version, "banks": len(saved.banks)}
