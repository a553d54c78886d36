"""The recommender over HTTP: events in, the For You feed and related posts out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.api.schemas.recommend import EventsIn, EventsOut, FeedResponse, RelatedResponse

router = APIRouter(prefix="/v1", tags=["recommend"])
MAX_K = 100
User = Query(None, max_length=200, description="User id or handle; omit for anonymous")


@router.post("/events", response_model=EventsOut)
def post_events(body: EventsIn, platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    """Store a batch of events (idempotent by event_id; per-event errors, the rest stored).
    The next feed request reflects them. More than the batch limit (1000) is a 413."""
    return platform.recommend.ingest(body.events).to_dict()


@router.get("/feed", response_model=FeedResponse)
def feed(
    platform: PlatformDep,
    _: ClientDep,
    user: str | None = User,
    k: int = Query(10, ge=1, le=MAX_K, description="Posts on this page"),
    cursor: str | None = Query(None, max_length=512, description="From the previous page"),
    explain: bool = Query(False, description="Add per-item sources and score parts"),
    lang: str | None = Query(None, max_length=16, description="Language for anonymous users"),
) -> dict[str, Any]:
    """The For You feed: recall → multi-task ranking → re-ranking (seen, safety visibility,
    creator cap, topic spread, fatigue, exploration). ``ranker`` says which ranker ran."""
    return platform.recommend.feed(user, k=k, cursor=cursor, explain=explain, language=lang)


@router.get("/items/{item_id}/related", response_model=RelatedResponse)
def related(
    item_id: str,
    platform: PlatformDep,
    _: ClientDep,
    user: str | None = User,
    k: int = Query(10, ge=1, le=MAX_K),
    explain: bool = False,
) -> dict[str, Any]:
    """Posts related to one: content neighbours (text and visual), co-engaged posts and the
    same creator's, moderation-aware."""
    return platform.recommend.related(item_id, k=k, user=user, explain=explain)


@router.get("/recommend/stats")
def stats(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return platform.recommend.stats()


@router.post("/recommend/train")
async def train(platform: PlatformDep, _: AdminDep) -> dict[str, Any]:
    """Train the multi-task ranker from the event log; feeds use it from the next request."""
    return await run_in_threadpool(platform.recommend.train)
