"""The order workflow on the real dev server with its real activities, the real catalog and a SQLite file.

``orders`` (a fixture, exported by this folder's conftest): a worker running ``OrderWorkflow`` on a
fresh task queue at plant scale 3600 (a plant hour per wall second). Everything the order does to its
own records is real: planning, reservations, milestones, releases and goods issue. The plant itself
stands in at the two places the order calls it: ``PlantDesk`` answers a booking at once (the
scheduler's ``booked`` signal, one work order per operation) and acknowledges a withdrawal, and the
test reports work orders starting and completing with the same ``work_order_event`` signal the line
monitors send. The plant scheduler, the MES and the lines have their own suites; here they would only
add minutes and another entity to share.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from adapters.mes import HttpMesAdapter
from orchestrator.catalog import load_catalog
from orchestrator.inventory.stock_file import InitialStock
from orchestrator.observability.tracing import workflow_runner
from orchestrator.persistence import inventory_repo
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.migrate import upgrade
from orchestrator.persistence.tables.orders import EventRow
from orchestrator.settings import Settings
from tests.support.ports import free_port
from workflows.contracts import BookingRequest, BookingResult, ClockSpec, PlannedWorkOrder, Signals, WorkOrderEvent
from workflows.order.activities import OrderActivities
from workflows.order.planning import CatalogPlanner
from workflows.order.stores import InventoryStores
from workflows.order.types import CompensationOutcome, OrderInput, OrderPlan, OrderPolicy, OrderState, WithdrawRequest
from workflows.order.workflow import OrderWorkflow

T = TypeVar("T")
SCALE = 3600.0
LINE = "TEST-1"
# Plant hours after production: about two wall seconds from the last completion to delivery.
QUICK_POLICY = OrderPolicy(quality_check_hours=0.5, packing_hours=0.5, transit_hours=1.0)


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float, what: str) -> T:
    """Poll ``check`` every 100 ms until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not reached within {timeout:.0f} s")


@dataclass
class PlantDesk:
    """Stands in for the plant scheduler and the MES at the order's two calls to them (same activity names)."""

    client: Client
    withdrawn: list[str] = field(default_factory=list)

    @activity.defn(name="order.request_booking")
    async def request_booking(self, request: BookingRequest) -> None:
        """Book the operations back to back on one line, an hour each, and answer ``booked`` at once."""
        start = request.release_at
        work_orders = []
        for n, op in enumerate(request.operations):
            begin = start + timedelta(hours=n)
            work_orders.append(PlannedWorkOrder(work_order_id=f"{request.order_id}.{n + 1}", op_id=op.op_id,
                                                line=LINE, start=begin, end=begin + timedelta(hours=1)))
        finish = work_orders[-1].end if work_orders else start
        await self.client.get_workflow_handle(request.order_id).signal(
            Signals.BOOKED, BookingResult(order_id=request.order_id, work_orders=work_orders,
                                          production_finish=finish, method="test desk"))

    @activity.defn(name="order.withdraw_work_orders")
    async def withdraw_work_orders(self, request: WithdrawRequest) -> CompensationOutcome:
        """Acknowledge the withdrawal of the order's work orders."""
        self.withdrawn += request.work_order_ids
        return CompensationOutcome(step="withdraw_work_orders", ok=True,
                                   detail="; ".join(f"{w}: withdrawn" for w in request.work_order_ids))


@dataclass
class OrderHarness:
    """Everything an order-workflow test touches."""

    client: Client
    task_queue: str
    engine: Engine
    planner: CatalogPlanner
    clock: ClockSpec
    desk: PlantDesk
    handles: list[WorkflowHandle] = field(default_factory=list)

    def plan(self, sku: str, options: dict[str, Any], quantity: int) -> OrderPlan:
        """The order's plan, as its ``plan`` step will explode it."""
        return self.planner.plan(sku, options, quantity)

    def seed_for(self, plan: OrderPlan, times: float = 3.0) -> dict[str, float]:
        """Put ``times`` the plan's materials on hand (whole units of counted items); returns what is on hand."""
        levels = [InitialStock(item=m.item, unit=m.unit, on_hand=float(math.ceil(m.quantity * times)))
                  for m in plan.materials]
        inventory_repo.seed_stock(self.engine, levels, self.clock.plant_at_now())
        return {s.item: s.on_hand for s in levels}

    async def start(self, sku: str, options: dict[str, Any], quantity: int) -> WorkflowHandle:
        """Start an order (workflow id = order id, as the API does) promised a plant week from now."""
        order_id = f"ORD-{uuid.uuid4().hex[:8].upper()}"
        inp = OrderInput(order_id=order_id, sku=sku, options=options, quantity=quantity,
                         customer_id="CUS-TEST", promised_date=self.clock.plant_at_now() + timedelta(days=7),
                         clock=self.clock, policy=QUICK_POLICY)
        handle: WorkflowHandle = await self.client.start_workflow(
            OrderWorkflow.run, inp, id=order_id, task_queue=self.task_queue,
            execution_timeout=timedelta(minutes=5))
        self.handles.append(handle)
        return handle

    async def state(self, handle: WorkflowHandle) -> OrderState:
        """The order's live state (its ``state`` query)."""
        return await handle.query(OrderWorkflow.state)  # type: ignore[no-any-return]

    async def reach(self, handle: WorkflowHandle, stage: str, timeout: float = 30.0) -> OrderState:
        """Wait (bounded) until the order's workflow is at ``stage``."""
        async def check() -> OrderState | None:
            state = await self.state(handle)
            return state if state.stage == stage else None
        return await eventually(check, timeout, f"{handle.id} at {stage}")

    async def report(self, handle: WorkflowHandle, work_order: PlannedWorkOrder, kind: str) -> None:
        """A line reports the work order ``started`` or ``completed`` (the line monitor's signal)."""
        await handle.signal(Signals.WORK_ORDER_EVENT, WorkOrderEvent(
            work_order_id=work_order.work_order_id, order_id=handle.id, op_id=work_order.op_id, line=LINE,
            kind=kind, at=self.clock.plant_at_now(), produced=1 if kind == "completed" else 0))  # type: ignore[arg-type]

    def events(self, order_id: str, kind: str) -> list[dict[str, Any]]:
        """The order's events of one kind, oldest first, with their dedupe keys."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(EventRow.payload, EventRow.dedupe_key)  # type: ignore[call-overload]
                .where(EventRow.order_id == order_id, EventRow.kind == kind).order_by(EventRow.id)
            ).all()
        return [{"payload": r.payload, "dedupe_key": r.dedupe_key} for r in rows]


@contextlib.asynccontextmanager
async def order_activities(engine: Engine, planner: CatalogPlanner, clock: ClockSpec, client: Client,
                           task_queue: str, desk: PlantDesk) -> AsyncIterator[list[Callable[..., Any]]]:
    """The order's real activities, with the desk answering its calls to the plant (booking, withdrawal).

    No MES listens: the desk answers the order's one MES call (withdraw).
    """
    async def temporal() -> Client:
        return client

    async with httpx.AsyncClient(timeout=5) as http, HttpMesAdapter(f"http://127.0.0.1:{free_port()}") as mes:
        acts = OrderActivities(engine=engine, planner=planner, stores=InventoryStores(engine, clock), mes=mes,
                               temporal=temporal, http=http, webhook_secret="test-secret", task_queue=task_queue,
                               clock=clock)
        stand_ins = {"request_booking", "withdraw_work_orders"}
        yield [*(a for a in acts.all() if a.__name__ not in stand_ins), desk.request_booking, desk.withdraw_work_orders]


async def terminate_all(handles: list[WorkflowHandle]) -> None:
    """End the test's workflows that are still running."""
    for handle in handles:
        with contextlib.suppress(Exception):  # already finished
            await handle.terminate("test over")


@pytest.fixture
async def orders(temporal_client: Client, task_queue: str, tmp_path: Path) -> AsyncIterator[OrderHarness]:
    """An order worker with the real activities on a fresh SQLite file, the plant desk in front of the plant."""
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    engine = make_engine(url)
    clock = ClockSpec(epoch=time.time(), scale=SCALE)
    planner = CatalogPlanner(load_catalog(Settings().catalog_dir))
    desk = PlantDesk(temporal_client)
    harness = OrderHarness(temporal_client, task_queue, engine, planner, clock, desk)
    async with order_activities(engine, planner, clock, temporal_client, task_queue, desk) as activities:
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="activity") as executor:
            worker = Worker(temporal_client, task_queue=task_queue, workflows=[OrderWorkflow],
                            activities=activities, activity_executor=executor,
                            workflow_runner=workflow_runner(traced=False))
            try:
                async with worker:
                    yield harness
            finally:
                await terminate_all(harness.handles)
    engine.dispose()


def stock_of(engine: Engine, items: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """What is on hand and what is reserved, per item."""
    levels = inventory_repo.stock_levels(engine, items)
    return {i: s.on_hand for i, s in levels.items()}, {i: s.reserved for i, s in levels.items()}
