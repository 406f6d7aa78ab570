"""The API's Prometheus metrics: request latency and requests in flight, and the ``GET /metrics`` route.

Every application gets its own :class:`~prometheus_client.CollectorRegistry` (never the process-global one),
so several apps in one process (tests) keep separate counts. Requests are labelled by route *template*
(``/api/orders/{order_id}``), never by raw path, so the number of series stays bounded; a request that
matched no route is labelled ``unmatched``.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
# Seconds: from a cached product page (~1 ms) to a slow quote that solves a schedule (seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def api_registry() -> CollectorRegistry:
    """A fresh registry with the process's CPU, memory and file descriptor metrics."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry


class HttpMetrics:
    """The request metrics of one application, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.latency = Histogram(
            "c2m_http_request_duration_seconds", "Time to serve an API request, until its response ends",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.in_flight = Gauge("c2m_http_requests_in_flight", "API requests being served now (includes open "
                               "event streams)", registry=registry)


class RequestMetrics:
    """ASGI middleware timing every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app fails before it answers

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        start = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, recording_send)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.latency.labels(scope["method"], route_template(scope), str(status)).observe(
                time.perf_counter() - start)


def route_template(scope: Scope) -> str:
    """The path template of the route that served ``scope`` (set by the router), else ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def metrics_router(registry: CollectorRegistry) -> APIRouter:
    """``GET /metrics``: the registry in the Prometheus text format (not part of the OpenAPI schema)."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        # Collectors may query the database: keep that off the event loop.
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
