"""Prometheus metrics, owned by one app (no process-global registry)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from reelstack.runtime.platform import Platform


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "reelstack_http_requests_total",
            "HTTP requests by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "reelstack_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )
        self.ingested = Counter(
            "reelstack_ingest_results_total",
            "Ingest results by status.",
            ["status"],
            registry=self.registry,
        )
        self.items = Gauge("reelstack_items", "Items in the store.", registry=self.registry)
        self.events = Gauge("reelstack_events", "Events in the store.", registry=self.registry)

    def refresh_gauges(self, platform: Platform) -> None:
        self.items.set(platform.store.count_items())
        self.events.set(platform.store.count_events())


def install_metrics(app: FastAPI, metrics: ApiMetrics) -> None:
    @app.middleware("http")
    async def _observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.latency.labels(request.method, route).observe(time.perf_counter() - started)
        return response
