"""Hash banks, HMA-style: admins curate banks of banned hashes and media; anyone looks up.

Every change is audited under the caller's key name (``subject_type`` ``hash_bank``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.core.clock import iso
from reelstack.core.errors import InvalidInput, PayloadTooLarge
from reelstack.core.records import HashBank
from reelstack.runtime.platform import Platform
from reelstack.safety.banks.matching import STRICT_DISTANCE

router = APIRouter(prefix="/v1", tags=["hash banks"])
_CHUNK = 1 << 20

_MEDIA_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "note": {"type": "string"}}}},
        },
    }
}  # fmt: skip


class BankIn(BaseModel):
    name: str = Field(description="1-64 characters: a-z, 0-9, '_', '.', '-'.")
    description: str = Field("", max_length=2000)
    policy_id: str = Field("ip", description="The content policy its matches score against.")


class BankPatch(BaseModel):
    enabled: bool = Field(description="A disabled bank keeps its entries but matches nothing.")


class SignalsIn(BaseModel):
    signals: list[dict[str, Any]] = Field(
        description='Each {"signal_type": "pdq"|"md5", "signal": hex, "note": text}.'
    )


class NoteIn(BaseModel):
    note: str = Field("", max_length=2000)


def bank_view(platform: Platform, bank: HashBank) -> dict[str, Any]:
    return {
        "name": bank.name,
        "description": bank.description,
        "policy_id": bank.policy_id,
        "enabled": bank.enabled,
        "created_at": iso(bank.created_at),
        "entries": platform.banks.count_entries(bank.name),
    }


@router.post("/banks", status_code=201)
def create_bank(body: BankIn, platform: PlatformDep, admin: AdminDep) -> dict[str, Any]:
    bank = platform.banks.create_bank(
        body.name, actor=admin.name, description=body.description, policy_id=body.policy_id
    )
    return bank_view(platform, bank)


@router.get("/banks")
def list_banks(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return {"banks": [bank_view(platform, b) for b in platform.banks.list_banks()]}


@router.get("/banks/{name}")
def get_bank(name: str, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return bank_view(platform, platform.banks.get_bank(name))


@router.patch("/banks/{name}")
def update_bank(
    name: str, body: BankPatch, platform: PlatformDep, admin: AdminDep
) -> dict[str, Any]:
    return bank_view(platform, platform.banks.set_enabled(name, body.enabled, actor=admin.name))


@router.delete("/banks/{name}")
def delete_bank(name: str, platform: PlatformDep, admin: AdminDep) -> dict[str, Any]:
    removed = platform.banks.delete_bank(name, actor=admin.name)
    return {"name": name, "deleted": True, "entries_removed": removed}


@router.post("/banks/{name}/signals")
def add_signals(
    name: str, body: SignalsIn, platform: PlatformDep, admin: AdminDep
) -> dict[str, Any]:
    """Bank hex hashes; each signal gets its own result (``added``, ``duplicate`` or
    ``error`` with the reason), and a bad one never stops the others."""
    results = [
        r.to_dict() for r in platform.banks.add_signals(name, body.signals, actor=admin.name)
    ]
    count = {s: sum(r["status"] == s for r in results) for s in ("added", "duplicate", "error")}
    return {"results": results, "added": count["added"], "duplicates": count["duplicate"],
            "errors": count["error"]}  # fmt: skip


@router.post("/banks/{name}/media", openapi_extra=_MEDIA_BODY)
async def add_media(
    name: str, request: Request, platform: PlatformDep, admin: AdminDep
) -> dict[str, Any]:
    """Bank a video (one entry holding every keyframe's PDQ, matched as a video) or an image."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("upload the file as multipart/form-data with a 'file' part")
    platform.banks.get_bank(name)  # 404 before reading the upload
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload, note = form.get("file"), form.get("note")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("multipart upload has no 'file' part")
        note = note if isinstance(note, str) else ""
        return await run_in_threadpool(_bank_upload, platform, name, upload, note, admin.name)
    finally:
        await form.close()


def _bank_upload(
    platform: Platform, name: str, upload: UploadFile, note: str, actor: str
) -> dict[str, Any]:
    limit = platform.settings.ingest.max_file_mb * 1024 * 1024
    filename = Path(upload.filename or "upload").name
    with tempfile.TemporaryDirectory(prefix="reelstack-bank-upload-") as tmp:
        path = Path(tmp) / f"upload{Path(filename).suffix[:16]}"
        size = 0
        with path.open("wb") as out:
            while chunk := upload.file.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"file is larger than {limit // (1024 * 1024)} MB")
                out.write(chunk)
        added = platform.banks.add_media(name, path, actor=actor, note=note, filename=filename)
    return added.to_dict()


@router.post("/banks/{name}/items/{item_id}")
def add_item(
    name: str,
    item_id: str,
    platform: PlatformDep,
    admin: AdminDep,
    body: NoteIn | None = None,
) -> dict[str, Any]:
    """Bank a stored item from its Understand hashes (it must have been understood)."""
    note = body.note if body else ""
    return platform.banks.add_item(name, item_id, actor=admin.name, note=note).to_dict()


@router.get("/match")
def match(
    platform: PlatformDep,
    _: ClientDep,
    signal_type: Literal["pdq", "md5"] = Query(description="What ``signal`` is."),
    signal: str = Query(description="64 hex digits (pdq) or 32 (md5)."),
    threshold: int = Query(STRICT_DISTANCE, ge=0, le=256, description="PDQ: most bits apart."),
) -> dict[str, Any]:
    """Entries of enabled banks matching one hash (a PDQ hash matches banked keyframes and
    their zoom variants), closest first."""
    found = platform.banks.match(signal_type, signal, threshold)
    return {"matches": [m.to_dict() for m in found]}
