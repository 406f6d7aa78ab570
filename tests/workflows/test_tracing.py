"""One trace from an API request to a supplier's endpoint, on the real dev server and supplier simulator.

The request enters an app with :class:`ServerSpans`, whose endpoint starts a workflow through a client with
Temporal's tracing interceptor; the workflow's activity calls the supplier through the real HTTP adapter.
Spans go to an in-memory exporter of a tracer provider of this test (the process-wide one stays untouched).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import propagate
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import Worker

from orchestrator.api.app import create_app
from orchestrator.observability.http_tracing import instrument_httpx, uninstrument_httpx
from orchestrator.observability.tracing import ServerSpans, workflow_runner
from orchestrator.settings import Settings
from tests.fixtures.suppliers import SupplierSim
from tests.support.ports import free_port
from tests.workflows.tracing_probe import TracingProbeWorkflow, ask_quote


@pytest.fixture
def spans() -> Iterator[tuple[Tracer, InMemorySpanExporter]]:
    """A tracer of this test's own provider, its exporter, and httpx instrumented with it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("c2m.test")
    instrument_httpx(tracer)
    try:
        yield tracer, exporter
    finally:
        uninstrument_httpx()
        provider.shutdown()


def _named(finished: tuple[ReadableSpan, ...], prefix: str) -> ReadableSpan:
    found = [s for s in finished if s.name.startswith(prefix)]
    assert len(found) == 1, f"one span named {prefix}*, got {[s.name for s in finished]}"
    return found[0]


async def test_one_trace_runs_from_the_api_through_the_workflow_to_the_supplier(
    temporal_client: Client, task_queue: str, supplier_sim: SupplierSim, spans: tuple[Tracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = spans
    config = temporal_client.config()
    config["interceptors"] = [TracingInterceptor(tracer)]
    client = Client(**config)
    workflow_id = f"tracing-probe-{uuid.uuid4().hex[:8]}"

    api = FastAPI()
    api.add_middleware(ServerSpans, tracer=tracer)

    @api.post("/api/probes/{name}")
    async def start(name: str) -> dict[str, str]:
        handle = await client.start_workflow(TracingProbeWorkflow.run, supplier_sim.supplier_url("quick-parts"),
                                             id=workflow_id, task_queue=task_queue)
        return {"quote_id": await handle.result()}

    async with Worker(client, task_queue=task_queue, workflows=[TracingProbeWorkflow], activities=[ask_quote],
                      workflow_runner=workflow_runner(traced=True)):
        with tracer.start_as_current_span("customer") as customer:
            headers: dict[str, str] = {}
            propagate.inject(headers)  # the caller's traceparent, as a browser with tracing would send it
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://api") as http:
            resp = await http.post("/api/probes/quote", headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text

    finished = exporter.get_finished_spans()
    server = _named(finished, "POST /api/probes/{name}")
    start_workflow = _named(finished, "StartWorkflow:TracingProbe")
    run_workflow = _named(finished, "RunWorkflow:TracingProbe")
    run_activity = _named(finished, "RunActivity:tracing_probe.ask_quote")
    supplier_call = _named(finished, "POST 127.0.0.1")
    trace_ids = {s.context.trace_id for s in (server, start_workflow, run_workflow, run_activity, supplier_call)}
    assert trace_ids == {customer.get_span_context().trace_id}, "every span belongs to the customer's trace"

    assert server.kind is SpanKind.SERVER and server.parent is not None
    assert server.parent.span_id == customer.get_span_context().span_id
    assert server.attributes is not None and server.attributes["http.route"] == "/api/probes/{name}"
    assert start_workflow.parent is not None and start_workflow.parent.span_id == server.context.span_id
    assert supplier_call.kind is SpanKind.CLIENT and supplier_call.parent is not None
    assert supplier_call.parent.span_id == run_activity.context.span_id
    assert supplier_call.attributes is not None and supplier_call.attributes["http.response.status_code"] == 200
    assert str(supplier_call.attributes["url.full"]).endswith("/suppliers/quick-parts/rfqs")


async def test_a_failed_supplier_call_is_an_error_span(spans: tuple[Tracer, InMemorySpanExporter]) -> None:
    from adapters.suppliers.http import HttpSupplierAdapter
    from orchestrator.ports.suppliers import SupplierUnavailable

    _, exporter = spans
    async with HttpSupplierAdapter("nobody", f"http://127.0.0.1:{free_port()}/suppliers/nobody") as port:
        with pytest.raises(SupplierUnavailable):
            await port.order_status("PO-1")
    (call,) = exporter.get_finished_spans()
    assert call.kind is SpanKind.CLIENT and call.status.status_code is StatusCode.ERROR
    assert "ConnectError" in (call.status.description or "")


def test_the_api_adds_server_spans_only_when_traces_are_exported(tmp_path: Path) -> None:
    def middlewares(endpoint: str | None) -> list[type]:
        settings = Settings(var_dir=tmp_path, otel_endpoint=endpoint)
        return [m.cls for m in create_app(settings).user_middleware]  # type: ignore[misc]

    assert ServerSpans not in middlewares(None)
    assert ServerSpans in middlewares("http://127.0.0.1:4318")
