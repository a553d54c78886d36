"""``create_app(settings)``: the FastAPI application over one ``Platform``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from reelstack import __version__
from reelstack.api.auth import check_open_access, is_loopback
from reelstack.api.errors import install_error_handlers
from reelstack.api.limits import BodySizeLimit
from reelstack.api.metrics import ApiMetrics, install_metrics
from reelstack.api.routers import (
    ads,
    appeals,
    banks,
    dashboards,
    feed,
    items,
    keywords,
    moderation,
    review,
    rules,
    safety,
    safety_metrics,
    system,
    understand,
)
from reelstack.api.routers import search as search_routes
from reelstack.config import Settings
from reelstack.runtime.platform import Platform
from reelstack.web import mount_console


def create_app(
    settings: Settings | None = None,
    platform: Platform | None = None,
    *,
    close_platform: bool | None = None,
) -> FastAPI:
    """Build the app. Pass ``platform`` to share one already open (tests, embedding); the app
    closes it at shutdown when it opened it or ``close_platform`` says so (``serve``: uvicorn
    re-raises SIGTERM after shutdown, so code after ``uvicorn.run`` never runs)."""
    settings = settings or (platform.settings if platform else Settings())
    owned = platform is None if close_platform is None else close_platform
    platform = platform or Platform.open(settings)
    check_open_access(settings.api.host, settings.api.open_access)
    # A demo data dir is open on loopback only; elsewhere it needs keys like any other.
    open_access = settings.api.open_access or (platform.is_demo and is_loopback(settings.api.host))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            platform.close()

    app = FastAPI(
        title="ReelStack",
        version=__version__,
        description="Understand, moderate, search and recommend short videos.",
        lifespan=lifespan,
    )
    app.state.platform = platform
    app.state.open_access = open_access
    app.state.metrics = ApiMetrics()
    install_error_handlers(app)
    install_metrics(app, app.state.metrics)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_upload_mb * 1024 * 1024)
    app.include_router(system.router)
    app.include_router(items.router)
    app.include_router(understand.router)
    app.include_router(safety.router)
    app.include_router(moderation.router)
    app.include_router(keywords.router)
    app.include_router(rules.router)
    app.include_router(banks.router)
    app.include_router(review.router)
    app.include_router(appeals.router)
    app.include_router(safety_metrics.router)
    app.include_router(ads.router)
    app.include_router(search_routes.router)
    app.include_router(feed.router)
    app.include_router(dashboards.router)
    mount_console(app)
    return app
