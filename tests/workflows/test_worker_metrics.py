"""The worker's ``/metrics``: the Temporal SDK's metrics and ours (line-event lag, supplier calls) on one port.

The real worker composition root (``run_worker``) runs in this process with a metrics port, against the
session's dev server, the OPC UA plant simulator and the supplier simulator, one of whose suppliers is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from orchestrator.clock import PlantClock
from orchestrator.persistence.migrate import upgrade
from orchestrator.plant import load_plant
from orchestrator.settings import Settings
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.fixtures.suppliers import SupplierSim
from tests.support.ports import free_port
from tests.workflows.lines.helpers import one_line
from workflows.contracts import ClockSpec, SourcingInput
from workflows.lines import ensure_line_monitors
from workflows.worker import run_worker

DOWN, UP = "quick-parts", "steady-supply"  # both sell "widget" in the simulator's test suppliers


def _samples(text: str, name: str, **labels: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples
            if s.name == name and labels.items() <= s.labels.items()]


async def _scrape_until(url: str, ready: list[tuple[str, dict[str, str], float]], timeout: float) -> str:
    """Scrape ``url`` until every (name, labels, at least) in ``ready`` has a sample of at least that value;
    fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    text, missing = "", ready
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                text = (await http.get(url)).text
                missing = [(name, labels, least) for name, labels, least in ready
                           if not any(x.value >= least for x in _samples(text, name, **labels))]
                if not missing:
                    return text
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url}: still missing {missing} after {timeout:.0f} s")


async def test_worker_metrics_carry_sdk_line_lag_and_supplier_call_metrics(
    temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path, opcua_plant: OpcUaPlant,
    supplier_sim: SupplierSim,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(database_url)
    supplier_sim.set_faults(DOWN, down=True)
    port = free_port()
    settings = Settings(
        var_dir=tmp_path, database_url=database_url, task_queue=task_queue, worker_metrics_port=port,
        temporal_address=temporal_env.client.service_client.config.target_host,
        opcua_url=opcua_plant.url, mes_port=free_port(),
        suppliers_file=supplier_sim.config_path, suppliers_url=supplier_sim.base_url,
        time_scale=opcua_plant.time_scale, clock_epoch=opcua_plant.epoch,
    )
    clock = ClockSpec(epoch=opcua_plant.epoch, scale=opcua_plant.time_scale)
    client: Client = temporal_env.client
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop, monitor_lines=False))
    started: list[str] = []
    try:
        plant = load_plant(settings.plant_file)
        started += await ensure_line_monitors(client, one_line(plant, "FAB1"), task_queue, clock,
                                              id_prefix=f"line-monitor-{uuid.uuid4().hex[:8]}-")
        need_by = PlantClock(clock.epoch, clock.scale).now() + timedelta(hours=12)
        order_id = f"ORD-{uuid.uuid4().hex[:8].upper()}"
        sourcing = await client.start_workflow(
            "Sourcing", SourcingInput(order_id=order_id, need_id=f"{order_id}:widget", item="widget", quantity=3,
                                      need_by=need_by, clock=clock),
            id=f"{order_id}-r1-src-widget", task_queue=task_queue, execution_timeout=timedelta(minutes=2),
        )
        started.append(sourcing.id)

        text = await _scrape_until(f"http://127.0.0.1:{port}/metrics", [
            ("c2m_line_event_lag_seconds_count", {"line": "FAB1", "activity_type": "lines.monitor_line"}, 1),
            # The supplier that is down is retried: wait for a second attempt to be counted.
            ("c2m_supplier_calls_total", {"supplier": DOWN, "operation": "request_quote", "outcome": "unavailable"}, 2),
            ("c2m_supplier_calls_total", {"supplier": UP, "operation": "request_quote", "outcome": "ok"}, 1),
        ], timeout=60)
    finally:
        for workflow_id in started:
            with contextlib.suppress(Exception):
                await client.get_workflow_handle(workflow_id).terminate("test over")
        stop.set()
        await asyncio.wait_for(worker, 30)

    # The SDK's own metrics share the endpoint.
    assert _samples(text, "temporal_worker_task_slots_available", task_queue=task_queue)
    assert _samples(text, "temporal_activity_schedule_to_start_latency_count", task_queue=task_queue)
    # The supplier that is down was retried: every attempt counts, so its error count exceeds one.
    (down,) = _samples(text, "c2m_supplier_calls_total", supplier=DOWN, outcome="unavailable")
    assert down.value >= 2
    assert not _samples(text, "c2m_supplier_calls_total", supplier=UP, outcome="unavailable")
    # The lag histogram has second-sized buckets, not the runtime's default millisecond ones.
    buckets = {s.labels["le"] for s in _samples(text, "c2m_line_event_lag_seconds_bucket", line="FAB1")}
    assert {"0.01", "1", "60", "+Inf"} <= buckets, buckets
    (lag_sum,) = _samples(text, "c2m_line_event_lag_seconds_sum", line="FAB1")
    (lag_count,) = _samples(text, "c2m_line_event_lag_seconds_count", line="FAB1")
    assert 0 <= lag_sum.value / lag_count.value < 5, "the monitor writes a line's events within seconds"
