"""The worker's composition root: the only place that builds concrete adapters for activities."""

from __future__ import annotations

import asyncio
import logging
import signal

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.worker import Worker

from orchestrator.settings import Settings, load_settings
from orchestrator.temporal_client import connect_temporal, metrics_runtime
from workflows.probe import DurabilityProbeWorkflow, probe_step

log = logging.getLogger("c2m.worker")


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Connect to Temporal and run workflows and activities until ``stop`` is set or a signal arrives."""
    stop = stop or _stop_on_signals()
    client = await _connect_with_retry(settings, metrics_runtime(settings.worker_metrics_port, settings.metrics_host))
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[DurabilityProbeWorkflow],
        activities=[probe_step],
    )
    log.info("worker ready on task queue %s at %s", settings.task_queue, settings.temporal_address)
    async with worker:
        await stop.wait()
    log.info("worker stopped")


async def _connect_with_retry(settings: Settings, runtime: Runtime | None, attempts: int = 60) -> Client:
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return await connect_temporal(settings.temporal_address, settings.temporal_namespace, runtime)
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker(settings or load_settings()))


if __name__ == "__main__":
    main()
