"""The plant scheduler on the real dev server, with the real OPC UA plant and MES simulators.

``scheduler``: a worker running ``PlantSchedulerWorkflow`` with its real activities (real HTTP MES
adapter, SQLite database) and the ``FakeOrder`` test workflow, on a fresh task queue, with a
scheduler entity id of its own. ``scheduler_with(...)`` builds one with other activities.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from adapters.mes import HttpMesAdapter
from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.migrate import upgrade
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.plant import Plant, load_plant
from tests.fixtures.mes import MesSim, mes_sim  # noqa: F401 - fixtures, used by name
from tests.fixtures.opcua_plant import OpcUaPlant, opcua_plant  # noqa: F401 - fixtures, used by name
from tests.support.processes import ROOT
from tests.workflows.scheduler.fake_order import BookingDesk, FakeOrderInput, FakeOrderState, FakeOrderWorkflow
from workflows.contracts import BookingRequest, ClockSpec, OperationSpec
from workflows.scheduler import PlantSchedulerWorkflow, SchedulerActivities, SolverSettings
from workflows.scheduler.types import SchedulerStatus

T = TypeVar("T")


@dataclass
class SchedulerHarness:
    """Everything a scheduler test touches."""

    client: Client
    task_queue: str
    scheduler_id: str
    engine: Engine
    mes: HttpMesAdapter
    mes_sim: MesSim
    clock: ClockSpec
    plant: Plant
    activities: SchedulerActivities
    orders: list[WorkflowHandle] = field(default_factory=list)

    def now(self) -> datetime:
        """Plant time now."""
        return self.clock.plant_at_now()

    async def book(self, booking: BookingRequest) -> WorkflowHandle:
        """Start a fake order that books ``booking`` (workflow id = order id, as for real orders)."""
        handle: WorkflowHandle = await self.client.start_workflow(
            FakeOrderWorkflow.run, FakeOrderInput(booking=booking), id=booking.order_id, task_queue=self.task_queue,
        )
        self.orders.append(handle)
        return handle

    async def heard(self, order: WorkflowHandle) -> FakeOrderState:
        """What the fake order heard so far."""
        return await order.query(FakeOrderWorkflow.state)  # type: ignore[no-any-return]

    async def booked(self, order: WorkflowHandle, timeout: float = 30.0) -> FakeOrderState:
        """Wait (bounded) for the order's booking answer."""
        async def check() -> FakeOrderState | None:
            state = await self.heard(order)
            return state if state.booked is not None else None
        return await eventually(check, timeout, f"booking answer for {order.id}")

    def handle(self) -> WorkflowHandle:
        """The scheduler entity (its latest run)."""
        return self.client.get_workflow_handle(self.scheduler_id)

    async def status(self) -> SchedulerStatus:
        """The scheduler's counters."""
        return await self.handle().query(PlantSchedulerWorkflow.status)  # type: ignore[no-any-return]

    async def signal(self, name: str, arg: Any) -> None:
        """Signal the scheduler entity."""
        await self.handle().signal(name, arg)

    async def rows(self, order_id: str) -> list[WorkOrderRow]:
        """Every stored work order of an order."""
        return await asyncio.to_thread(repo.work_orders_of, self.engine, order_id)


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float, what: str) -> T:
    """Poll ``check`` every 100 ms until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = await check()
            if result:
                return result
        except AssertionError as exc:
            last = exc
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not reached within {timeout:.0f} s" + (f" ({last})" if last else ""))


def new_order_id(prefix: str = "ORD") -> str:
    """An order id no other test uses (no dots: it is part of work order ids)."""
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def op(op_id: str, op_type: str, quantity: int, run_minutes: float, *preds: str, setup: float = 0.0) -> OperationSpec:
    """An operation of ``quantity`` units, ``run_minutes`` plant minutes each at nominal speed."""
    return OperationSpec(op_id=op_id, name=op_id.replace("_", " "), op_type=op_type, setup_minutes=setup,
                         run_minutes_per_unit=run_minutes, quantity=quantity, predecessors=list(preds))


def booking(harness: SchedulerHarness, order_id: str, *ops: OperationSpec, due_hours: float = 72,
            priority: int = 0) -> BookingRequest:
    """A booking released now and due ``due_hours`` plant hours from now."""
    now = harness.now()
    return BookingRequest(order_id=order_id, operations=list(ops), release_at=now,
                          due=now + timedelta(hours=due_hours), priority=priority)


@pytest.fixture
def plant_db(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database of the scheduler's own."""
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


SchedulerFactory = Callable[..., Any]


@pytest.fixture
async def scheduler_with(
    temporal_client: Client, task_queue: str, plant_db: Engine, mes_sim: MesSim,  # noqa: F811
) -> AsyncIterator[SchedulerFactory]:
    """``async with scheduler_with(activities=lambda acts: [...]) as harness``: a worker for one test."""
    plant = load_plant(ROOT / "plant" / "default.yaml")
    clock = ClockSpec(epoch=mes_sim.plant.epoch, scale=mes_sim.plant.time_scale)
    stack = AsyncExitStack()
    mes = await stack.enter_async_context(HttpMesAdapter(mes_sim.url, timeout=10.0))
    acts = SchedulerActivities(plant_db, plant, mes, clock, SolverSettings(time_limit_seconds=1.0))
    scheduler_id = f"plant-scheduler-{uuid.uuid4().hex[:8]}"
    desk = BookingDesk(temporal_client, scheduler_id, task_queue, clock)
    harnesses: list[SchedulerHarness] = []

    @asynccontextmanager
    async def start(
        activities: Callable[[SchedulerActivities], list[Callable]] | None = None,
    ) -> AsyncIterator[SchedulerHarness]:
        chosen = activities(acts) if activities else acts.all()
        worker = Worker(temporal_client, task_queue=task_queue,
                        workflows=[PlantSchedulerWorkflow, FakeOrderWorkflow],
                        activities=[*chosen, desk.request_booking])
        harness = SchedulerHarness(temporal_client, task_queue, scheduler_id, plant_db, mes, mes_sim, clock, plant,
                                   acts)
        harnesses.append(harness)
        async with worker:
            yield harness

    try:
        yield start
    finally:
        for harness in harnesses:
            for handle in [*harness.orders, harness.handle()]:
                with contextlib.suppress(Exception):  # already finished
                    await handle.terminate("test over")
        await stack.aclose()


@pytest.fixture
async def scheduler(scheduler_with: SchedulerFactory) -> AsyncIterator[SchedulerHarness]:
    """A scheduler worker with the real activities."""
    async with scheduler_with() as harness:
        yield harness
