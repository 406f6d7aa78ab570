"""Helpers of the line monitor tests: read the trail and status row, wait for them, run monitors."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from orchestrator.clock import PlantClock
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.work_orders_repo import LINE_STATUS
from orchestrator.plant import Plant
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.workflows.lines.probes import ProbeSeen, SignalProbeWorkflow
from workflows.contracts import ClockSpec, work_order_id
from workflows.lines import LINE_WORKFLOWS, LineMonitorActivities, ensure_line_monitors
from workflows.lines.wiring import line_sources

T = TypeVar("T")


def new_work_order(op: str = "weld") -> tuple[str, str]:
    """(order id, work order id) that no other test uses."""
    order_id = f"ORD-{uuid.uuid4().hex[:10].upper()}"
    return order_id, work_order_id(order_id, op)


def one_line(plant: Plant, line: str) -> Plant:
    """The plant reduced to one line (to start a single monitor)."""
    return plant.model_copy(update={"lines": {line: plant.line(line)}})


def events(engine: Engine, line: str | None = None, kinds: tuple[str, ...] = (), job: str | None = None) -> list[dict]:
    """Trail rows (oldest first), filtered by line, kinds and work order id (in the payload)."""
    query = select(EVENTS).order_by(EVENTS.c.id)
    if line is not None:
        query = query.where(EVENTS.c.line == line)
    if kinds:
        query = query.where(EVENTS.c.kind.in_(kinds))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    return [r for r in rows if job is None or (r["payload"] or {}).get("work_order_id") == job]


def status(engine: Engine, line: str) -> dict[str, Any] | None:
    """The line's ``line_status`` row."""
    with engine.connect() as conn:
        row = conn.execute(select(LINE_STATUS).where(LINE_STATUS.c.line == line)).mappings().first()
    return dict(row) if row else None


async def wait_for(
    check: Callable[[], Any], what: str, timeout: float = 20.0, explain: Callable[[], Any] = list
) -> Any:
    """Poll ``check`` every 50 ms until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await asyncio.to_thread(check)
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout:.0f} s; {explain()}")


async def received(handle: WorkflowHandle) -> ProbeSeen:
    """What a probe workflow has received."""
    return await handle.query(SignalProbeWorkflow.received)


async def eventually(fetch: Callable[[], Awaitable[T]], accept: Callable[[T], bool], what: str,
                     timeout: float = 20.0) -> T:
    """Await ``fetch()`` every 100 ms until ``accept`` takes its answer; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await fetch()
        if accept(answer):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s; last answer {answer!r}")
        await asyncio.sleep(0.1)


async def wait_signals(handle: WorkflowHandle, check: Callable[[ProbeSeen], bool], what: str,
                       timeout: float = 20.0) -> ProbeSeen:
    """Query a probe until ``check`` accepts what it received."""
    return await eventually(lambda: received(handle), check, what, timeout)


@dataclass
class MonitorRig:
    """Monitors and probes running on one task queue of the test's own worker."""

    client: Client
    task_queue: str
    prefix: str
    monitor_ids: list[str] = field(default_factory=list)
    probes: list[WorkflowHandle] = field(default_factory=list)

    async def probe(self, workflow_id: str) -> WorkflowHandle:
        """Start a signal probe with this id (an order id or the scheduler's id)."""
        handle = await self.client.start_workflow(SignalProbeWorkflow.run, id=workflow_id,
                                                  task_queue=self.task_queue)
        self.probes.append(handle)
        return handle

    async def stop(self) -> None:
        """Terminate the monitors and probes (the worker goes next)."""
        for workflow_id in self.monitor_ids:
            await _terminate(self.client.get_workflow_handle(workflow_id))
        for handle in self.probes:
            await _terminate(handle)


async def _terminate(handle: WorkflowHandle) -> None:
    with contextlib.suppress(Exception):  # already finished
        await handle.terminate("test over")


def clock_of(sim: OpcUaPlant) -> PlantClock:
    """The plant clock a simulator runs on."""
    return PlantClock(sim.epoch, sim.time_scale)


def clock_spec(clock: PlantClock) -> ClockSpec:
    """The workflow-side clock of a plant clock."""
    return ClockSpec(epoch=clock.epoch, scale=clock.scale)


@asynccontextmanager
async def monitors(
    client: Client,
    task_queue: str,
    engine: Engine,
    plant: Plant,
    lines: list[str],
    sim: OpcUaPlant,
    scheduler_id: str,
    heartbeat_timeout: float = 10.0,
) -> AsyncIterator[MonitorRig]:
    """A worker running the line monitors (and the probes) in this process, monitors started for ``lines``."""
    clock = clock_of(sim)

    async def temporal() -> Client:
        return client

    activities = LineMonitorActivities(engine, plant, temporal, clock_spec(clock),
                                       line_sources(plant, sim.url, clock.now), scheduler_workflow_id=scheduler_id)
    rig = MonitorRig(client, task_queue, prefix=f"line-monitor-{uuid.uuid4().hex[:8]}-")
    async with Worker(client, task_queue=task_queue, workflows=[*LINE_WORKFLOWS, SignalProbeWorkflow],
                      activities=activities.all()):
        try:
            for line in lines:
                rig.monitor_ids += await ensure_line_monitors(
                    client, one_line(plant, line), task_queue, clock_spec(clock),
                    heartbeat_timeout_seconds=heartbeat_timeout, id_prefix=rig.prefix,
                )
            yield rig
        finally:
            await rig.stop()
