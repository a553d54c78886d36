"""Policies: read the versioned taxonomy; admins publish new versions (YAML or JSON body)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request

from reelstack.api.bodies import YAML_BODY, body_text
from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.safety.audit import append_audit

router = APIRouter(prefix="/v1", tags=["safety"])
Kind = Literal["content", "ads"]


@router.get("/policies/{kind}")
def get_policies(kind: Kind, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """The policy set in force (``version`` is recorded on every decision)."""
    return platform.policies.current(kind).model_dump(exclude_none=True)


@router.get("/policies/{kind}/versions")
def policy_versions(kind: Kind, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    store = platform.policies
    store.current(kind)  # materialise the defaults as version 1
    return {"kind": kind, "versions": store.versions(kind)}


@router.get("/policies/{kind}/versions/{version}")
def policy_version(kind: Kind, version: int, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return platform.policies.get(kind, version).model_dump(exclude_none=True)


@router.put("/policies/{kind}", openapi_extra=YAML_BODY)
async def put_policies(
    kind: Kind, request: Request, platform: PlatformDep, admin: AdminDep
) -> dict[str, Any]:
    """Publish a new version; an invalid file is rejected and the current version stays."""
    text = await body_text(request)
    saved = platform.policies.save(kind, text)
    append_audit(
        platform.store,
        actor=admin.name,
        action="policy.publish",
        subject_type="policy_set",
        subject_id=kind,
        details={"version": saved.version},
    )
    return {"kind": kind, "version": saved.version}
