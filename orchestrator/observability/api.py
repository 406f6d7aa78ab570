"""Wiring observability into the FastAPI application: one call from the API's composition root."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from orchestrator.observability.db_metrics import DatabaseCollector
from orchestrator.observability.logging import RequestLogContext
from orchestrator.observability.metrics import HttpMetrics, RequestMetrics, api_registry, metrics_router
from orchestrator.observability.tracing import ServerSpans
from orchestrator.settings import Settings


def observe_api(app: FastAPI, settings: Settings, engine: Engine) -> None:
    """Add ``GET /metrics``, request metrics, the order context of log records and (with an OTLP endpoint)
    a server span per request. Tracing's exporter is set up by the process (``c2m api``), not here."""
    registry = api_registry()
    registry.register(DatabaseCollector(engine))
    app.state.metrics_registry = registry
    app.add_middleware(RequestMetrics, metrics=HttpMetrics(registry))
    app.add_middleware(RequestLogContext)
    if settings.otel_endpoint:
        app.add_middleware(ServerSpans)  # added last: the outermost, so its span covers the others
    app.include_router(metrics_router(registry))
