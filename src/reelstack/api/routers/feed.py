"""The recommender over HTTP: events in, the For You feed and related posts out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.api.schemas.recommend import EventsIn, EventsOut, FeedResponse, RelatedResponse
from reelstack.recommend.state import HOUR, value_at


@asynccontextmanager
async def _snapshot_at_shutdown(app: FastAPI) -> AsyncIterator[None]:
    """Save the feed's snapshot when the app stops, also when the platform outlives the app
    (tests, embedding); ``Platform.close`` saves again only if the state changed since."""
    yield
    service = app.state.platform.__dict__.get("recommend")  # only if a feed was served
    if service is not None:
        await run_in_threadpool(service.snapshot)


router = APIRouter(prefix="/v1", tags=["recommend"], lifespan=_snapshot_at_shutdown)
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
    region: str | None = Query(
        None, max_length=16, description="Region (e.g. TH) for anonymous and unknown users"
    ),
) -> JSONResponse:
    """The For You feed: recall → multi-task ranking → re-ranking (seen, safety visibility,
    creator cap, topic spread, fatigue, exploration). ``ranker`` says which ranker ran."""
    page = platform.recommend.feed(
        user, k=k, cursor=cursor, explain=explain, language=lang, region=region
    )
    return JSONResponse(page)  # already in FeedResponse's shape: skip re-validating it


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


@router.get("/users/{user}/interests")
def user_interests(
    user: str,
    platform: PlatformDep,
    _: ClientDep,
    k: int = Query(10, ge=1, le=50, description="Entries per list"),
) -> dict[str, Any]:
    """What the feed has learned about a user (id or handle) so far, as its next request sees
    it: strongest hashtags, visual concepts (the catalogue's ``~`` tags) and creators
    (time-decayed, positive only), languages, the posts engaged most recently (newest first)
    and counters. A handle with no events has none."""
    recommend = platform.recommend
    recommend.state.catch_up(wait=False)
    user_id = recommend.users.resolve(user, create=False)
    state = recommend.state.known_user(user_id) if user_id else None
    tags: dict[str, float] = {}
    creators: dict[int, float] = {}
    languages: dict[int, float] = {}
    recent: list[int] = []
    counters = dict.fromkeys(("events", "likes", "plays", "hidden"), 0)
    if state is not None:
        with recommend.state.lock:  # the event tail mutates the state while we read it
            now, half_life = recommend.state.now(), recommend.settings.user_half_life_h * HOUR
            tags = {tag: value_at(entry, now, half_life) for tag, entry in state.tags.items()}
            creators = {c: value_at(entry, now, half_life) for c, entry in state.creators.items()}
            languages, recent = dict(state.languages), [idx for idx, _, _ in state.recent]
            counters = {"events": state.events, "likes": state.likes, "plays": state.plays,
                        "hidden": len(state.hidden)}  # fmt: skip
    catalog = recommend.catalog

    def handle(creator: int) -> str:
        return platform.store.get_creator(catalog.creators[creator]).handle

    return {
        "user": user,
        "user_id": user_id,
        "new": state is None or state.is_new,
        **counters,
        "hashtags": _strongest({t: w for t, w in tags.items() if not t.startswith("~")}, k),
        "concepts": _strongest({t[1:]: w for t, w in tags.items() if t.startswith("~")}, k),
        "creators": _strongest(creators, k, handle),
        "languages": _strongest(languages, k, lambda n: catalog.languages[n]),
        "recent": list(dict.fromkeys(catalog.ids[idx] for idx in reversed(recent)))[:k],
    }


def _strongest(
    weights: dict[Any, float], k: int, name: Callable[[Any], str] = str
) -> list[dict[str, Any]]:
    """``[{"value", "weight"}]`` of the ``k`` largest positive weights, strongest first."""
    top = sorted((kv for kv in weights.items() if kv[1] >= 1e-3), key=lambda kv: -kv[1])[:k]
    return [{"value": name(key), "weight": round(weight, 3)} for key, weight in top]
