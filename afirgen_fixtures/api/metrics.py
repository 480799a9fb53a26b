"""Prometheus metrics: requests and latencies by route template, cache and pool gauges.

Each app has its own registry, so several apps in one process (tests) do not collide.
Labels use the route template (``/api/v1/fir/{fir_number}``), never the raw path, so the
number of series stays bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from afirgen_fixtures.api.backend import Backend

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class BackendCollector(Collector):
    """Reads cache counters and pool usage at scrape time."""

    def __init__(self, backend: Callable[[], Backend | None]) -> None:
        self._backend = backend

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        backend = self._backend()
        if backend is None:
            return
        stats = backend.cache.stats()
        cache = CounterMetricFamily(
            "afirgen_cache_operations", "Cache reads by outcome", labels=["outcome"]
        )
        for outcome in ("hits", "misses", "errors", "fallbacks"):
            cache.add_metric([outcome.removesuffix("s")], getattr(stats, outcome))
        yield cache
        pool = GaugeMetricFamily(
            "afirgen_db_pool_connections", "Database pool connections", labels=["state"]
        )
        for state, value in backend.pool.status().items():
            pool.add_metric([state], value)
        yield pool


class Metrics:
    def __init__(self, backend: Callable[[], Backend | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "afirgen_http_requests",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "afirgen_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(BackendCollector(backend))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Times every HTTP request and counts it by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "<unmatched>")
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(
                time.perf_counter() - started
            )
