"""Moderation rules: everyone reads; admins publish new versions (YAML or JSON body)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from reelstack.api.bodies import YAML_BODY, body_text
from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.safety.audit import append_audit

router = APIRouter(prefix="/v1/safety", tags=["safety"])


@router.get("/rules")
def get_rules(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """The rules in force, with their states (draft, shadow, live)."""
    return platform.rules.current().model_dump()


@router.get("/rules/versions")
def rule_versions(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    store = platform.rules
    store.current()  # materialise the defaults as version 1
    return {"versions": store.versions()}


@router.get("/rules/versions/{version}")
def rule_version(version: int, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return platform.rules.get(version).model_dump()


@router.put("/rules", openapi_extra=YAML_BODY)
async def put_rules(request: Request, platform: PlatformDep, admin: AdminDep) -> dict[str, Any]:
    """Publish a new version; a file with an unknown fact, op, action or policy, or a
    condition nested too deep, is rejected and the current version stays."""
    text = await body_text(request)
    platform.rules.current()  # the defaults stay version 1, whatever is published first
    saved = platform.rules.save(text, policies=platform.policies.current("content"))
    append_audit(
        platform.store,
        actor=admin.name,
        action="rules.publish",
        subject_type="rule_set",
        subject_id="rules",
        details={"version": saved.version, "states": {r.id: r.state for r in saved.rules}},
    )
    return {"version": saved.version, "rules": {r.id: r.state for r in saved.rules}}
