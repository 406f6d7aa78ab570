"""A worker process running only the line monitors, as the real worker would (for the failover test).

``python -m tests.workflows.lines.worker_process --temporal HOST:PORT --task-queue Q --database-url URL
--opcua-url URL --epoch E --time-scale S --scheduler-id ID --ready-file PATH``
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from orchestrator.persistence.db import make_engine
from orchestrator.plant import load_plant
from orchestrator.settings import load_settings
from orchestrator.temporal_client import connect_temporal
from workflows.lines import LINE_WORKFLOWS, build_line_activities


async def serve(args: argparse.Namespace) -> None:
    """Run the worker until SIGTERM."""
    settings = load_settings(
        temporal_address=args.temporal, task_queue=args.task_queue, database_url=args.database_url,
        opcua_url=args.opcua_url, clock_epoch=args.epoch, time_scale=args.time_scale,
    )
    client = await connect_temporal(settings.temporal_address, settings.temporal_namespace)
    engine = make_engine(settings.resolved_database_url)
    plant = load_plant(settings.plant_file)

    async def temporal_client() -> Client:
        return client

    activities = build_line_activities(settings, engine, temporal_client, plant,
                                       scheduler_workflow_id=args.scheduler_id)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(client, task_queue=settings.task_queue, workflows=LINE_WORKFLOWS, activities=activities):
        Path(args.ready_file).write_text("ready")
        await stop.wait()


def main() -> None:
    """Parse the options and serve."""
    p = argparse.ArgumentParser()
    for name in ("--temporal", "--task-queue", "--database-url", "--opcua-url", "--scheduler-id", "--ready-file"):
        p.add_argument(name, required=True)
    p.add_argument("--epoch", type=float, required=True)
    p.add_argument("--time-scale", type=float, required=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("asyncua").setLevel(logging.WARNING)
    asyncio.run(serve(p.parse_args()))


if __name__ == "__main__":
    main()
