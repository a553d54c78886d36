"""Items, creators and media: list, read, ingest (multipart upload or JSON posts)."""

from __future__ import annotations

import json
import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from reelstack.api.deps import ClientDep, PlatformDep
from reelstack.api.schemas.items import (
    CreatorOut,
    CreatorPage,
    IngestResponse,
    IngestResultOut,
    ItemOut,
    ItemPage,
    PostBatch,
)
from reelstack.core.errors import InvalidInput, ReelStackError
from reelstack.core.records import Item
from reelstack.ingest.manifest import parse_post
from reelstack.ingest.service import IngestResult
from reelstack.runtime.platform import Platform
from reelstack.safety.decisions import decision_in_force

router = APIRouter(prefix="/v1", tags=["items"])
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]

_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "metadata": {
                            "type": "string",
                            "description": "JSON object (applied to every file) or array (one "
                            "per file) of post fields: caption, hashtags, creator, language, ...",
                        },
                        "creator": {"type": "string", "description": "Default creator handle."},
                    },
                    "required": ["files"],
                }
            },
            "application/json": {"schema": PostBatch.model_json_schema()},
        },
    }
}


def item_view(platform: Platform, item: Item) -> ItemOut:
    store = platform.store
    media = store.get_media(item.media_id) if item.media_id else None
    decision = decision_in_force(store, item.id)
    return ItemOut.of(item, store.get_creator(item.creator_id), media, decision)


@router.get("/items", response_model=ItemPage)
def list_items(
    platform: PlatformDep, _: ClientDep, limit: Limit = 50, cursor: Cursor = None
) -> ItemPage:
    items = platform.store.list_items(limit=limit, after=cursor)
    next_cursor = items[-1].id if len(items) == limit else None
    return ItemPage(items=[item_view(platform, i) for i in items], next_cursor=next_cursor)


@router.get("/items/{item_id}", response_model=ItemOut)
def get_item(item_id: str, platform: PlatformDep, _: ClientDep) -> ItemOut:
    return item_view(platform, platform.store.get_item(item_id))


@router.get("/items/{item_id}/media", response_class=FileResponse)
def get_media(item_id: str, platform: PlatformDep, _: ClientDep) -> FileResponse:
    item = platform.store.get_item(item_id)
    if item.media_id is None:
        raise InvalidInput(f"item {item_id} is a text post and has no media")
    media = platform.store.get_media(item.media_id)
    kind = "video/mp4" if media.format in ("mov", "mp4") else None
    kind = kind or mimetypes.types_map.get(f".{media.format}", "application/octet-stream")
    return FileResponse(platform.blobs.path(media.sha256), media_type=kind)


@router.post("/items", response_model=IngestResponse, openapi_extra=_UPLOAD_DOC)
async def ingest_items(request: Request, platform: PlatformDep, _: ClientDep) -> IngestResponse:
    """Ingest posts; each gets its own result and a bad one never fails the others."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        results = await _ingest_uploads(request, platform)
    elif content_type.startswith("application/json"):
        results = await run_in_threadpool(_ingest_json, platform, await _json_body(request))
    else:
        raise InvalidInput("send multipart/form-data (media files) or application/json (posts)")
    for result in results:
        request.app.state.metrics.ingested.labels(result.status).inc()
    return _summary(results)


async def _json_body(request: Request) -> PostBatch:
    try:
        return PostBatch.model_validate(json.loads(await request.body()))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"malformed JSON body: {exc}") from exc
    except ValueError as exc:
        raise InvalidInput('expected {"items": [ {post}, ... ]}') from exc


def _ingest_json(platform: Platform, batch: PostBatch) -> list[IngestResult]:
    results = []
    for index, raw in enumerate(batch.items):
        source = f"items[{index}]"
        try:
            spec = parse_post(raw)
            if spec.media is not None:
                raise InvalidInput("media paths are not accepted over HTTP; upload the file")
        except ReelStackError as exc:
            results.append(IngestResult(source, "error", reason=exc.message))
            continue
        results.append(platform.ingest.ingest(spec, None, source))
    return results


async def _ingest_uploads(request: Request, platform: Platform) -> list[IngestResult]:
    form = await request.form(max_files=1000, max_fields=1000)
    files = [f for f in form.getlist("files") + form.getlist("file") if isinstance(f, UploadFile)]
    if not files:
        raise InvalidInput("multipart upload has no 'files' part")
    metadata = _metadata_per_file(form.get("metadata"), len(files))
    default_creator = form.get("creator")
    results = []
    for upload, fields in zip(files, metadata, strict=True):
        source = upload.filename or "upload"
        try:
            spec = parse_post({"creator": default_creator, **fields} if default_creator else fields)
        except ReelStackError as exc:
            results.append(IngestResult(source, "error", reason=exc.message))
            continue
        results.append(await run_in_threadpool(platform.ingest.ingest, spec, upload.file, source))
    await form.close()
    return results


def _metadata_per_file(raw: Any, count: int) -> list[dict[str, Any]]:
    if raw is None:
        return [{} for _ in range(count)]
    try:
        value = json.loads(raw)
    except (TypeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"'metadata' is not valid JSON: {exc}") from exc
    if isinstance(value, dict):
        return [dict(value) for _ in range(count)]
    if isinstance(value, list) and len(value) == count and all(isinstance(v, dict) for v in value):
        return value
    raise InvalidInput(f"'metadata' must be an object or an array of {count} objects")


def _summary(results: list[IngestResult]) -> IngestResponse:
    return IngestResponse(
        results=[IngestResultOut.of(r) for r in results],
        ingested=sum(r.status == "ingested" for r in results),
        skipped=sum(r.status == "skipped" for r in results),
        errors=sum(r.status == "error" for r in results),
    )


@router.get("/creators", response_model=CreatorPage)
def list_creators(
    platform: PlatformDep, _: ClientDep, limit: Limit = 50, cursor: Cursor = None
) -> CreatorPage:
    creators = platform.store.list_creators(limit=limit, after=cursor)
    next_cursor = creators[-1].id if len(creators) == limit else None
    return CreatorPage(creators=[CreatorOut.of(c) for c in creators], next_cursor=next_cursor)


@router.get("/creators/{creator_id}", response_model=CreatorOut)
def get_creator(creator_id: str, platform: PlatformDep, _: ClientDep) -> CreatorOut:
    return CreatorOut.of(platform.store.get_creator(creator_id))
