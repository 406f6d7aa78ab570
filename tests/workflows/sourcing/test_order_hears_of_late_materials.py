"""An order tells its customer of a slip as soon as a supplier's date makes it certain.

The real order workflow and its sourcing child on the dev server, with the supplier simulator, the API's
ASN webhook and one SQLite file; the plant desk of the order tests stands in for the scheduler and MES.
The plant clock runs at four plant hours a wall second, so a supplier's day and a half is seconds.

A supplier that accepts the PO for a date after the need date makes the order record a ``delay`` event
before the goods arrive, dated from the promised delivery plus the order's work and post-production
times; a supplier on time makes no delay event at all.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from orchestrator.catalog import load_catalog
from orchestrator.inventory.stock_file import InitialStock
from orchestrator.observability.tracing import workflow_runner
from orchestrator.orders.promising import PromisePolicy, work_time
from orchestrator.persistence import inventory_repo, purchasing_repo
from orchestrator.persistence.tables.orders import EventRow
from orchestrator.settings import Settings
from tests.fixtures.suppliers import AsnReceiver, SupplierSim
from tests.workflows.order.harness import QUICK_POLICY, PlantDesk, eventually, order_activities, terminate_all
from tests.workflows.sourcing.conftest import sourcing_parts, started_sim, write_supplier_file
from workflows.contracts import ClockSpec
from workflows.order.planning import CatalogPlanner
from workflows.order.types import OrderInput, OrderPlan, OrderState
from workflows.order.workflow import OrderWorkflow
from workflows.sourcing import SOURCING_WORKFLOWS

SCALE = 4 * 3600.0  # four plant hours a wall second: a plant day is six seconds
SKU = "aircon-split"
OPTIONS: dict[str, Any] = {"colour": "white", "self_cleaning": True}
LATE_ITEM = "ac-remote-control"  # only a slow supplier sells it: a day and a half
ON_TIME_ITEM = "ac-wall-bracket"  # only a quick supplier sells it: a few plant hours
# The promise leaves the work (about 4.3 h) and post-production (2 h) after a need date a day out, plus
# two hours of slack: goods by the need date keep it, goods a day and a half out do not.
PROMISE = timedelta(days=1, hours=8, minutes=20)
STAGE_WAIT = 45.0  # wall seconds; the late goods arrive after about ten

SUPPLIERS = {"suppliers": [
    {"id": "slow-remotes", "name": "Slow Remotes", "reliability": 1.0, "transit_days": 0.05,
     "parts": [{"item": LATE_ITEM, "name": "Remote", "price": 4, "lead_time_days":
                {"min": 1.55, "mode": 1.6, "max": 1.65}}]},
    {"id": "quick-brackets", "name": "Quick Brackets", "reliability": 1.0, "transit_days": 0.01,
     "parts": [{"item": ON_TIME_ITEM, "name": "Bracket", "price": 3, "lead_time_days":
                {"min": 0.2, "mode": 0.25, "max": 0.3}}]},
]}


@dataclass
class Plant:
    """An order worker that buys through real sourcing children from the simulated suppliers."""

    client: Client
    task_queue: str
    engine: Engine
    planner: CatalogPlanner
    clock: ClockSpec
    handles: list[WorkflowHandle]

    def plant_now(self) -> datetime:
        return self.clock.plant_at_now()

    def stock_all_but(self, plan: OrderPlan, item: str) -> None:
        """Every material of the plan on hand, three times over, except ``item`` (which must be bought)."""
        levels = [InitialStock(item=m.item, unit=m.unit, on_hand=float(math.ceil(m.quantity * 3)))
                  for m in plan.materials if m.item != item]
        inventory_repo.seed_stock(self.engine, levels, self.plant_now())

    async def start(self) -> WorkflowHandle:
        order_id = f"ORD-{uuid.uuid4().hex[:8].upper()}"
        inp = OrderInput(order_id=order_id, sku=SKU, options=OPTIONS, quantity=1, customer_id="CUS-TEST",
                         promised_date=self.plant_now() + PROMISE, clock=self.clock, policy=QUICK_POLICY)
        handle: WorkflowHandle = await self.client.start_workflow(
            OrderWorkflow.run, inp, id=order_id, task_queue=self.task_queue, execution_timeout=timedelta(minutes=3))
        self.handles.append(handle)
        return handle

    async def reach(self, handle: WorkflowHandle, stage: str) -> OrderState:
        async def check() -> OrderState | None:
            state: OrderState = await handle.query(OrderWorkflow.state)
            assert state.stage not in ("failed", "cancelled"), state
            return state if state.stage == stage else None
        try:
            return await eventually(check, STAGE_WAIT, f"{handle.id} at {stage}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; its trail: {self.events(handle.id)}") from None

    def events(self, order_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The order's trail (its own events and its sourcing's), oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(EventRow.kind, EventRow.payload)  # type: ignore[call-overload]
                                .where(EventRow.order_id == order_id).order_by(EventRow.id)).all()
        return [(r.kind, r.payload) for r in rows]


@pytest.fixture
def supplier_file(tmp_path: Path) -> Path:
    return write_supplier_file(tmp_path, SUPPLIERS)


@pytest.fixture
def running_sim(tmp_path: Path, supplier_file: Path, asn_receiver: AsnReceiver) -> Iterator[SupplierSim]:
    with started_sim(tmp_path, supplier_file, asn_receiver, scale=SCALE) as sim:
        yield sim


@pytest.fixture
async def plant(temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path, supplier_file: Path,
                running_sim: SupplierSim) -> AsyncIterator[Plant]:
    """One worker running the order and sourcing workflows with their real activities on one plant clock."""
    client = temporal_env.client
    planner = CatalogPlanner(load_catalog(Settings().catalog_dir))
    async with sourcing_parts(client, tmp_path, supplier_file, running_sim) as parts:
        plant = Plant(client, task_queue, parts.engine, planner, parts.clock, [])
        async with order_activities(parts.engine, planner, parts.clock, client, task_queue,
                                    PlantDesk(client)) as activities:
            with ThreadPoolExecutor(max_workers=8, thread_name_prefix="activity") as executor:
                worker = Worker(client, task_queue=task_queue, workflows=[OrderWorkflow, *SOURCING_WORKFLOWS],
                                activities=[*activities, *parts.activities.all()], activity_executor=executor,
                                workflow_runner=workflow_runner(traced=False))
                try:
                    async with worker:
                        yield plant
                finally:
                    await terminate_all(plant.handles)


async def test_a_late_supplier_date_tells_the_customer_before_the_goods_arrive(plant: Plant) -> None:
    plan = plant.planner.plan(SKU, OPTIONS, 1)
    plant.stock_all_but(plan, LATE_ITEM)
    handle = await plant.start()

    state = await plant.reach(handle, "scheduled")  # the goods came and the work is booked
    trail = plant.events(handle.id)
    kinds = [kind for kind, _ in trail]
    assert "delay" in kinds, kinds
    assert "goods_received" in kinds, kinds
    assert kinds.index("delay") < kinds.index("goods_received"), f"told only after the goods came: {kinds}"
    [po] = purchasing_repo.purchase_orders(plant.engine, order_id=handle.id)
    assert po.supplier == "slow-remotes" and po.promised_delivery is not None
    [delay] = [payload for kind, payload in trail if kind == "delay"]
    new_date = datetime.fromisoformat(delay["new_date"])
    # The finish from the supplier's date: its goods, receiving, the order's work, then QC, packing and transit.
    projected = (po.promised_delivery + PromisePolicy().receiving + work_time(plan.operations)
                 + QUICK_POLICY.fulfilment().after_production())
    assert abs(new_date - projected) < timedelta(minutes=1), (new_date, projected)
    assert new_date > po.promised_delivery and new_date > state.promised_date
    assert "slow-remotes" in delay["why"] and LATE_ITEM in delay["why"], delay
    assert state.last_delay_notice == new_date


async def test_a_supplier_on_time_tells_the_customer_nothing(plant: Plant) -> None:
    plan = plant.planner.plan(SKU, OPTIONS, 1)
    plant.stock_all_but(plan, ON_TIME_ITEM)
    handle = await plant.start()

    state = await plant.reach(handle, "scheduled")
    kinds = [kind for kind, _ in plant.events(handle.id)]
    assert "goods_received" in kinds, kinds
    [po] = purchasing_repo.purchase_orders(plant.engine, order_id=handle.id)
    assert po.supplier == "quick-brackets"
    assert "delay" not in kinds, kinds
    assert state.last_delay_notice is None and state.eta is not None and state.eta <= state.promised_date
