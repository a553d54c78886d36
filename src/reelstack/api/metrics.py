"""Prometheus metrics, owned by one app (no process-global registry), and a rolling window of
recent request latencies per route for the console's dashboards (exact percentiles, which
Prometheus buckets cannot give)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from reelstack.runtime.platform import Platform

RECENT_PER_ROUTE = 1000
MAX_ROUTES = 500  # route templates are few; the cap guards against unbounded growth anyway


def nearest_rank(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of sorted values by the nearest-rank method."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


class RecentLatencies:
    """The last ``size`` (seconds, status) pairs per (method, route), thread-safe."""

    def __init__(self, size: int = RECENT_PER_ROUTE, max_routes: int = MAX_ROUTES) -> None:
        self.size = size
        self.max_routes = max_routes
        self._recent: dict[tuple[str, str], deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def observe(self, method: str, route: str, seconds: float, status: int) -> None:
        key = (method, route)
        with self._lock:
            window = self._recent.get(key)
            if window is None:
                if len(self._recent) >= self.max_routes:
                    return
                window = self._recent[key] = deque(maxlen=self.size)
            window.append((seconds, status))

    def summary(self) -> list[dict[str, Any]]:
        """Per route, busiest first: requests in the window, p50/p95/p99 in ms, 5xx count."""
        with self._lock:
            windows = {key: list(values) for key, values in self._recent.items()}
        rows = [_route_summary(*key, values) for key, values in windows.items()]
        return sorted(rows, key=lambda row: (-row["count"], row["route"], row["method"]))


def _route_summary(method: str, route: str, values: list[tuple[float, int]]) -> dict[str, Any]:
    ordered = sorted(seconds for seconds, _ in values)
    ms = {f"p{round(q * 100)}_ms": round(1000 * nearest_rank(ordered, q), 2)
          for q in (0.5, 0.95, 0.99)}  # fmt: skip
    errors = sum(1 for _, status in values if status >= 500)
    return {"method": method, "route": route, "count": len(values), **ms, "errors_5xx": errors}


class ApiMetrics:
    def __init__(self) -> None:
        self.recent = RecentLatencies()
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
        elapsed = time.perf_counter() - started
        metrics.requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.latency.labels(request.method, route).observe(elapsed)
        metrics.recent.observe(request.method, route, elapsed, response.status_code)
        return response
