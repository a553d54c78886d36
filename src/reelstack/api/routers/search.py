"""Search, suggestions and click logging; admins can rebuild the index and train the ranker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from reelstack.api.deps import AdminDep, ClientDep, PlatformDep
from reelstack.api.schemas.search import ClickIn, ClickOut, SearchResponse, SuggestResponse
from reelstack.search.filters import KEYS, MAX_FILTER_CHARS
from reelstack.search.service import MAX_QUERY_PARAM

router = APIRouter(prefix="/v1", tags=["search"])
MAX_K = 100


@router.get("/search", response_model=SearchResponse, response_model_exclude_none=False)
def search(
    platform: PlatformDep,
    _: ClientDep,
    q: str = Query(..., max_length=MAX_QUERY_PARAM, description="The query, any language"),
    user: str | None = Query(None, max_length=200, description="Viewer's user id"),
    k: int = Query(10, ge=1, le=MAX_K, description="Results to return"),
    filters: str | None = Query(
        None,
        max_length=MAX_FILTER_CHARS,
        description=f"key:value pairs, e.g. language:en,duration:<30 (keys: {', '.join(KEYS)})",
    ),
    explain: bool = Query(False, description="Add per-result score parts"),
) -> dict[str, Any]:
    """Hybrid search (BM25 over fields, exact hashtag/creator, dense, cross-modal), fused,
    moderation-aware for ``user``; logged as a ``search`` event."""
    return platform.search.search(q, user=user, k=k, filters=filters, explain=explain)


@router.post("/search/click", response_model=ClickOut)
def click(body: ClickIn, platform: PlatformDep, _: ClientDep) -> dict[str, str]:
    """Log a click on a result of ``search_id`` (a ``click`` event, for ranking)."""
    event_id = platform.search.click(body.search_id, body.item_id, user=body.user,
                                     position=body.position)  # fmt: skip
    return {"event_id": event_id}


@router.get("/suggest", response_model=SuggestResponse)
def suggest(
    platform: PlatformDep,
    _: ClientDep,
    q: str = Query("", max_length=MAX_QUERY_PARAM, description="What was typed so far"),
    limit: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """Autocomplete from popular queries and content, related searches, trending queries and
    a recovery for a query that finds nothing."""
    return platform.search.suggest(q, limit)


@router.get("/search/stats")
def stats(platform: PlatformDep, _: ClientDep) -> dict[str, Any]:
    return platform.search.stats()


@router.post("/search/reindex")
async def reindex(platform: PlatformDep, _: AdminDep) -> dict[str, Any]:
    """Rebuild the index from the store (searches see a partial index while it runs)."""
    count = await run_in_threadpool(platform.search.indexer.reindex)
    return {"indexed": count}


@router.post("/search/train")
async def train(platform: PlatformDep, _: AdminDep) -> dict[str, Any]:
    """Train the LambdaMART ranker from the click log (with position-bias correction); it is
    promoted only if it beats the ranker in use on held-out sessions, and the answer says why
    or why not."""
    return await run_in_threadpool(platform.search.train)
