"""OpenTelemetry tracing: API request → StartWorkflow → workflow → activities → adapters' HTTP calls.

Off unless ``C2M_OTEL_ENDPOINT`` names an OTLP HTTP collector: :func:`configure_tracing` then installs a
tracer provider for the process (``service.name`` ``c2m-api`` or ``c2m-worker``) exporting in batches, and
instruments outgoing httpx requests. The Temporal client gets :func:`tracing_interceptors` (they carry the
trace into workflow and activity headers, and workers built on that client trace too); the API gets
:class:`ServerSpans`. Without an endpoint none of it is installed and nothing is exported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Interceptor
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from orchestrator.observability.http_tracing import instrument_httpx
from orchestrator.observability.metrics import route_template

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"
_provider: TracerProvider | None = None


def configure_tracing(service: str, endpoint: str | None) -> TracerProvider | None:
    """Export this process's spans to ``endpoint`` (OTLP over HTTP); ``None`` and nothing done without one.

    The first call installs the process-wide provider; later calls return it (a provider cannot be replaced).
    """
    global _provider
    if not endpoint:
        return None
    if _provider is None:
        # Imported here: a process that exports nothing never loads the SDK and the exporter.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        url = endpoint.rstrip("/")
        url = url if url.endswith(TRACES_PATH) else url + TRACES_PATH
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
        trace.set_tracer_provider(provider)
        instrument_httpx()
        _provider = provider
        log.info("tracing: %s exports spans to %s", service, url)
    return _provider


def tracing_interceptors(enabled: bool) -> Sequence[Interceptor]:
    """The Temporal client interceptors that carry traces into workflows and activities (none when off)."""
    if not enabled:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def workflow_runner(traced: bool) -> SandboxedWorkflowRunner:
    """The workflow sandbox; when traced, OpenTelemetry is shared with it rather than re-imported per run."""
    if not traced:
        return SandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules("opentelemetry"))


class ServerSpans:
    """ASGI middleware: a server span per HTTP request, continuing a ``traceparent`` the caller sent.

    The span is named after the route template once routing has picked one (``POST /api/orders``), and is
    current while the endpoint runs, so the workflow starts and signals it makes become its children.
    """

    def __init__(self, app: ASGIApp, tracer: trace.Tracer | None = None) -> None:
        self.app = app
        self.tracer = tracer or trace.get_tracer("c2m.api")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope["method"]
        attributes = {"http.request.method": method, "url.path": scope.get("path", "")}
        with self.tracer.start_as_current_span(method, context=propagate.extract(headers), kind=SpanKind.SERVER,
                                               attributes=attributes) as span:
            status = 500

            async def recording_send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await self.app(scope, receive, recording_send)
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR, f"answered {status}"))
