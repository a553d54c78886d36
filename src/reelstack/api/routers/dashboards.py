"""Figures for the console's dashboards that no pillar's own stats give: moderation actions
over time, search and feed usage from the event log, and the system (HTTP latency per route,
the understanding backlog and stage errors)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from reelstack.api.deps import ClientDep, PlatformDep, ReviewerDep
from reelstack.core import clock
from reelstack.runtime.backlog import understanding_backlog
from reelstack.runtime.usage import UsageTally
from reelstack.safety.timeline import Bucket, action_timeline

router = APIRouter(prefix="/v1", tags=["dashboards"])
_tally_lock = threading.Lock()


def _usage_tally(request: Request, platform: PlatformDep) -> UsageTally:
    """One tally per app, so each event is read once however often the dashboards poll."""
    with _tally_lock:
        tally = getattr(request.app.state, "usage_tally", None)
        if tally is None:
            tally = request.app.state.usage_tally = UsageTally(platform.store)
        return tally


@router.get("/safety/actions")
def actions_over_time(
    platform: PlatformDep,
    _: ReviewerDep,
    bucket: Bucket = "hour",
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Decisions per minute, hour or day (UTC) and action, with how many reviewers took, from
    the audit log; without ``since`` the last 60 minutes, 48 hours or 30 days. Empty buckets
    count 0."""
    end = until.timestamp() if until else clock.now()
    return action_timeline(platform.store, bucket, since.timestamp() if since else None, end)


@router.get("/usage/stats")
def usage_stats(request: Request, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Search (queries, zero-result rate, click-through rate, clicks per search, top
    zero-result queries) and feed usage (events, rates per impression, watch time) over the
    whole event log."""
    return _usage_tally(request, platform).report()


@router.get("/system/stats")
def system_stats(request: Request, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Uptime, store size, the understanding backlog and stage errors, and per route the
    p50/p95/p99 latency of the last requests (up to 1000 per route)."""
    recent = request.app.state.metrics.recent
    return {"uptime_s": round(clock.now() - platform.started_at, 1),
            "store": {"items": platform.store.count_items(),
                      "events": platform.store.count_events()},
            "understand": understanding_backlog(platform),
            "http": {"window_per_route": recent.size, "routes": recent.summary()}}  # fmt: skip
