"""The worker's composition root: the only place that builds adapters for activities (through the registry)."""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.worker import Worker

from orchestrator.catalog import load_catalog
from orchestrator.integration.mes import open_mes
from orchestrator.observability.logging import configure_logging
from orchestrator.observability.tracing import configure_tracing, tracing_interceptors, workflow_runner
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.journal_writer import JournalWriter
from orchestrator.plant import Plant, load_plant
from orchestrator.ports.journal import Journal
from orchestrator.runtime import shared_clock_epoch
from orchestrator.security.keys import personal_options
from orchestrator.settings import Settings, load_settings
from orchestrator.temporal_client import connect_temporal, metrics_runtime
from workflows.contracts import ClockSpec
from workflows.lines import LINE_WORKFLOWS, build_line_activities, ensure_line_monitors
from workflows.order.activities import OrderActivities
from workflows.order.planning import CatalogPlanner
from workflows.order.stores import InventoryStores
from workflows.order.workflow import OrderWorkflow
from workflows.probe import DurabilityProbeWorkflow, probe_step
from workflows.scheduler import SCHEDULER_WORKFLOWS, build_scheduler_activities
from workflows.sourcing import SOURCING_WORKFLOWS, build_sourcing_activities

log = logging.getLogger("c2m.worker")

WORKFLOWS: list[type] = [
    OrderWorkflow, *SOURCING_WORKFLOWS, *SCHEDULER_WORKFLOWS, *LINE_WORKFLOWS, DurabilityProbeWorkflow,
]


async def run_worker(settings: Settings, stop: asyncio.Event | None = None, monitor_lines: bool = True) -> None:
    """Connect to Temporal and run every workflow and activity until ``stop`` is set or a signal arrives."""
    stop = stop or _stop_on_signals()
    # Every process must agree on the plant clock: pin the shared epoch before anything reads it.
    settings = settings.model_copy(update={"clock_epoch": shared_clock_epoch(settings)})
    client = await _connect_with_retry(settings, metrics_runtime(settings.worker_metrics_port, settings.metrics_host))
    plant = load_plant(settings.plant_file)
    # The adapters journal their raw messages for the integrator page (buffered: never slows a call).
    async with JournalWriter.to_database(settings.resolved_database_url) as journal, \
            httpx.AsyncClient(timeout=10) as http, open_mes(settings, journal) as mes:
        activities = build_activities(settings, client, mes, http, plant, journal)
        with ThreadPoolExecutor(max_workers=100, thread_name_prefix="activity") as executor:
            worker = Worker(client, task_queue=settings.task_queue, workflows=WORKFLOWS, activities=activities,
                            activity_executor=executor, max_concurrent_activities=100,
                            workflow_runner=workflow_runner(traced=bool(settings.otel_endpoint)))
            async with worker:
                if monitor_lines:
                    clock = ClockSpec(epoch=settings.clock_epoch or 0.0, scale=settings.time_scale)
                    started = await ensure_line_monitors(client, plant, settings.task_queue, clock)
                    log.info("line monitors running: %s", ", ".join(started))
                log.info("worker ready on task queue %s at %s", settings.task_queue, settings.temporal_address)
                await stop.wait()
    log.info("worker stopped")


def build_activities(settings: Settings, client: Client, mes: Any, http: httpx.AsyncClient, plant: Plant,
                     journal: Journal | None = None) -> list:
    """Every activity of the system, bound to its concrete adapters."""
    engine = make_engine(settings.resolved_database_url)
    clock = ClockSpec(epoch=settings.clock_epoch or 0.0, scale=settings.time_scale)

    async def temporal() -> Client:
        return client

    orders = OrderActivities(
        engine=engine, planner=CatalogPlanner(load_catalog(settings.catalog_dir)),
        stores=InventoryStores(engine, clock), mes=mes, temporal=temporal, http=http,
        webhook_secret=settings.webhook_secret, task_queue=settings.task_queue, clock=clock,
    )
    return [
        probe_step,
        *orders.all(),
        *build_sourcing_activities(settings, engine, journal),
        *build_scheduler_activities(settings, engine, mes, temporal=temporal),
        *build_line_activities(settings, engine, temporal, plant, journal=journal),
    ]


async def _connect_with_retry(settings: Settings, runtime: Runtime | None, attempts: int = 60) -> Client:
    last: Exception | None = None
    for _ in range(attempts):
        try:
            # The client's interceptors also apply to the worker built on it (workflow and activity spans).
            return await connect_temporal(settings.temporal_address, settings.temporal_namespace, runtime,
                                          interceptors=tracing_interceptors(bool(settings.otel_endpoint)))
        except Exception as exc:  # the server may still be starting
            last = exc
            await asyncio.sleep(1)
    raise RuntimeError(f"cannot reach Temporal at {settings.temporal_address}: {last}")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def main(settings: Settings | None = None) -> None:
    """Run a worker with settings from the environment."""
    settings = settings or load_settings()
    configure_logging("c2m-worker", json=settings.log_format == "json", personal_keys=personal_options(settings))
    configure_tracing("c2m-worker", settings.otel_endpoint)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
