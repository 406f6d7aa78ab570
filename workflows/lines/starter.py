"""Start one monitor per line of the plant (idempotent: a monitor already running is left alone)."""

from __future__ import annotations

import logging

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from orchestrator.clock import PlantClock
from orchestrator.plant import Plant
from workflows.contracts import ClockSpec
from workflows.lines.types import LineMonitorInput, line_monitor_id

log = logging.getLogger(__name__)


async def ensure_line_monitors(
    client: Client,
    plant: Plant,
    task_queue: str,
    clock: ClockSpec | PlantClock,
    *,
    heartbeat_timeout_seconds: float = 10.0,
    id_prefix: str = "line-monitor-",
) -> list[str]:
    """Make sure a ``LineMonitor`` workflow runs for every line; returns their workflow ids.

    Safe to call from every worker at every start-up: a running monitor is kept (``USE_EXISTING``), a
    finished or failed one is started again. ``id_prefix`` lets tests run monitors side by side.
    """
    spec = clock if isinstance(clock, ClockSpec) else ClockSpec(epoch=clock.epoch, scale=clock.scale)
    ids: list[str] = []
    for line in plant.line_ids:
        workflow_id = line_monitor_id(line, id_prefix)
        await client.start_workflow(
            "LineMonitor",
            LineMonitorInput(line=line, clock=spec, heartbeat_timeout_seconds=heartbeat_timeout_seconds),
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        ids.append(workflow_id)
    log.info("line monitors running: %s", ", ".join(ids))
    return ids
