"""Understanding results: features per stage, keyframe images, and the worker's progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse

from reelstack.api.deps import ClientDep, PlatformDep
from reelstack.core.clock import iso
from reelstack.core.errors import NotFound

router = APIRouter(prefix="/v1", tags=["understand"])


@router.get("/items/{item_id}/features")
def item_features(item_id: str, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Every stage's stored value (vectors as base64 ``{"dtype", "shape", "b64"}``)."""
    platform.store.get_item(item_id)
    features = platform.store.get_features(item_id)
    return {
        "item_id": item_id,
        "features": {
            stage: {
                "model_name": f.model_name,
                "model_version": f.model_version,
                "created_at": iso(f.created_at),
                "value": f.value,
            }
            for stage, f in sorted(features.items())
        },
    }


def _keyframes(platform: PlatformDep, item_id: str) -> dict[str, Any]:
    platform.store.get_item(item_id)
    feature = platform.store.get_features(item_id).get("keyframes")
    if feature is None or "error" in feature.value:
        raise NotFound(f"item {item_id} has no keyframes yet (not processed, or it failed)")
    return feature.value


@router.get("/items/{item_id}/thumbnail", response_class=FileResponse)
def thumbnail(item_id: str, platform: PlatformDep, _: ClientDep) -> FileResponse:
    sha = _keyframes(platform, item_id)["thumbnail_sha256"]
    return FileResponse(platform.blobs.path(sha), media_type="image/jpeg")


@router.get("/items/{item_id}/keyframes/{index}", response_class=FileResponse)
def keyframe(item_id: str, index: int, platform: PlatformDep, _: ClientDep) -> FileResponse:
    frames = _keyframes(platform, item_id)["frames"]
    if not 0 <= index < len(frames):
        raise NotFound(f"item {item_id} has {len(frames)} keyframes; no index {index}")
    return FileResponse(platform.blobs.path(frames[index]["sha256"]), media_type="image/jpeg")


@router.get("/duplicates")
def duplicates(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Groups of near-duplicate posts across the store (exact bytes or vPDQ video match)."""
    return {"groups": platform.understand.duplicate_groups()}


@router.get("/understand/status")
def status(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    worker = platform.worker
    return {
        "worker": worker is not None,
        "queued": worker.queue.qsize() if worker else 0,
        "processed": worker.processed if worker else 0,
        "items_with_errors": len(worker.failed_items) if worker else 0,
        "idle": worker.idle.is_set() if worker else True,
    }
