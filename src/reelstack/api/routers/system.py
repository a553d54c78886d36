"""Health, Prometheus metrics, identity and admin views of the deployment."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from reelstack import __version__
from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.core.clock import iso

router = APIRouter(tags=["system"])


@router.get("/v1/health")
def health(platform: PlatformDep) -> dict[str, Any]:
    """Liveness and readiness: the store answers. No key needed."""
    platform.store.check()
    return {
        "status": "ok",
        "version": __version__,
        "store": platform.store.url.split("://")[0],
        "uptime_s": round(time.time() - platform.started_at, 1),
    }


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, platform: PlatformDep) -> PlainTextResponse:
    """Prometheus text exposition format."""
    registry = request.app.state.metrics
    registry.refresh_gauges(platform)
    return PlainTextResponse(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/whoami")
def whoami(principal: ClientDep) -> dict[str, Any]:
    """The caller's name and role; ``queues``: the review queues a limited reviewer key may
    work (``QUEUE`` or ``QUEUE:LANG``), null when it may work every queue."""
    return {
        "name": principal.name,
        "role": principal.role,
        "queues": list(principal.queues) or None,
    }


@router.get("/v1/admin/config")
def admin_config(platform: PlatformDep, _: AdminDep) -> dict[str, Any]:
    """The effective settings (no secrets live in settings: keys are in the store, hashed)."""
    return platform.settings.model_dump(mode="json")


@router.get("/v1/admin/keys")
def admin_keys(platform: PlatformDep, _: AdminDep) -> dict[str, Any]:
    keys = platform.store.list_api_keys()
    return {
        "keys": [
            {
                "id": k.id,
                "name": k.name,
                "role": k.role,
                "created_at": iso(k.created_at),
                "revoked": k.revoked_at is not None,
                "queues": k.queues or None,
            }
            for k in keys
        ]
    }
