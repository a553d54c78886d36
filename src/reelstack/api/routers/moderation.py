"""Moderation: synchronous verdicts, the audit trail, statements of reasons, policy examples."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from reelstack.api.bodies import json_object
from reelstack.api.deps import ClientDep, PlatformDep, ReviewerDep
from reelstack.core.clock import iso
from reelstack.core.errors import InvalidInput, NotFound
from reelstack.runtime.platform import Platform
from reelstack.safety.audit import as_csv, as_json_lines, statements
from reelstack.safety.few_shot import Example

router = APIRouter(prefix="/v1", tags=["moderation"])
MAX_TEXT_CHARS = 2_000_000

_MODERATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "text": {"type": "string"}, "language": {"type": "string"}}}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}, "text": {"type": "string"},
                "language": {"type": "string"}}}},
        },
    }
}  # fmt: skip


@router.post("/moderate", openapi_extra=_MODERATE_BODY)
async def moderate(request: Request, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """The verdict on text and/or a media file under the policies in force; nothing is stored.

    ``action`` is the DSA-vocabulary action (``allow`` when nothing applies); ``reasons`` name
    policy, detector, score and threshold (or the rule) of everything that acted.
    """
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        text, language = _text(form.get("text")), _language(form.get("language"))
        try:
            if isinstance(upload, UploadFile):
                return await run_in_threadpool(_moderate_upload, platform, text, language, upload)
        finally:
            await form.close()
    else:
        body = await json_object(request, 'JSON {"text": ...} or a multipart upload')
        text, language = _text(body.get("text")), _language(body.get("language"))
    if not text.strip():
        raise InvalidInput("give 'text' (non-empty) and/or a multipart 'file'")
    verdict = await run_in_threadpool(platform.moderation.moderate_upload, text, None, language)
    return verdict.to_dict()


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidInput("'text' must be a string")
    if len(raw) > MAX_TEXT_CHARS:
        raise InvalidInput(f"'text' is longer than {MAX_TEXT_CHARS:,} characters")
    return raw


def _language(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw.strip() else None


def _moderate_upload(
    platform: Platform, text: str, language: str | None, upload: UploadFile
) -> dict[str, Any]:
    suffix = Path(upload.filename or "upload").suffix[:16]
    with tempfile.TemporaryDirectory(prefix="reelstack-moderate-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        return platform.moderation.moderate_upload(text, path, language).to_dict()


@router.get("/audit")
def audit(
    platform: PlatformDep,
    _: ReviewerDep,
    action: str | None = Query(None, description="Prefix, e.g. 'decision.' or 'decision.remove'"),
    subject_id: str | None = None,
    policy_id: str | None = Query(None, description="The policy or any sub-policy of it"),
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = Query(0, ge=0, description="'next' of the previous page"),
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """Append-only audit records, oldest first, filtered; page with ``after``."""
    page = platform.store.find_audit(
        action_prefix=action, subject_id=subject_id, policy_id=policy_id, actor=actor,
        since=since.timestamp() if since else None, until=until.timestamp() if until else None,
        after_seq=after, limit=limit,
    )  # fmt: skip
    records = [{"seq": seq, "id": r.id, "ts": iso(r.ts), "actor": r.actor, "action": r.action,
                "subject_type": r.subject_type, "subject_id": r.subject_id,
                "details": r.details} for seq, r in page]  # fmt: skip
    return {"records": records, "next": page[-1][0] if len(page) == limit else None}


@router.get("/audit/statements")
def statements_of_reasons(
    platform: PlatformDep,
    _: ReviewerDep,
    format: Literal["json", "csv"] = "json",
    policy_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """DSA statements of reasons for every restrictive decision: JSON lines or CSV."""
    rows = statements(
        platform.store, platform.store, policy_id=policy_id,
        since=since.timestamp() if since else None, until=until.timestamp() if until else None,
    )  # fmt: skip
    if format == "csv":
        disposition = 'attachment; filename="statements-of-reasons.csv"'
        return StreamingResponse(as_csv(rows), media_type="text/csv; charset=utf-8",
                                 headers={"content-disposition": disposition})  # fmt: skip
    return StreamingResponse(as_json_lines(rows), media_type="application/x-ndjson")


def _policy(platform: Platform, policy_id: str) -> None:
    try:
        platform.policies.current("content").get(policy_id)
    except KeyError:
        raise NotFound(f"no content policy {policy_id!r}") from None


@router.post("/policies/{policy_id}/examples")
async def add_examples(
    policy_id: str, request: Request, platform: PlatformDep, who: ReviewerDep
) -> dict[str, Any]:
    """Add labelled examples (``{"examples": [{"text", "label": true|false}]}``) to a policy
    and retrain its few-shot head once each class has enough of them."""
    _policy(platform, policy_id)
    body = await json_object(request, 'JSON {"examples": [...]}')
    raw = body.get("examples")
    if not isinstance(raw, list):
        raise InvalidInput("body needs 'examples': a list of {text, label}")
    examples = [Example.parse(item, n) for n, item in enumerate(raw)]
    platform.heads.add_examples(policy_id, examples, who.name)
    head = await run_in_threadpool(platform.heads.train, policy_id)
    return _examples_view(platform, policy_id, head)


@router.get("/policies/{policy_id}/examples")
def examples_summary(policy_id: str, platform: PlatformDep, _: ReviewerDep) -> dict[str, Any]:
    _policy(platform, policy_id)
    return _examples_view(platform, policy_id, platform.heads.head(policy_id))


def _examples_view(
    platform: Platform, policy_id: str, head: dict[str, Any] | None
) -> dict[str, Any]:
    counts = platform.heads.counts(policy_id)
    needed = platform.heads.min_examples
    view: dict[str, Any] = {"policy_id": policy_id, "examples": counts, "head": None}
    if head is not None:
        view["head"] = {k: head[k] for k in ("version", "model", "examples", "metrics")}
    else:
        view["note"] = f"a head is trained once each class has {needed} examples"
    return view
