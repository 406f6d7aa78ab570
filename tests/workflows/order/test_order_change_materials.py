"""A configuration change before production reserves the new revision's materials, which production is then
issued.

On the real dev server with the order's real activities: the change releases what revision 0 held and
revision 1 reserves its own materials again (the stock's reserved totals say so, not just the activity's
answer), and when the first work order starts exactly revision 1's materials leave the shelf, once.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle
from temporalio.worker import Replayer

from orchestrator.inventory.stock_file import InitialStock
from orchestrator.observability.tracing import workflow_runner
from orchestrator.persistence import inventory_repo
from orchestrator.persistence.tables.inventory import ReservationRow
from tests.workflows.order.harness import OrderHarness, eventually, stock_of
from workflows.order.types import ChangeRequest, ChangeResult, OrderPlan, OrderState
from workflows.order.workflow import OrderWorkflow

SKU = "aircon-split"
BEFORE: dict[str, Any] = {"colour": "white", "self_cleaning": True}
AFTER: dict[str, Any] = {"colour": "graphite", "self_cleaning": False}  # one powder swapped, a module dropped
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]


def _seed_for_both(orders: OrderHarness, *plans: OrderPlan) -> dict[str, float]:
    """Three times the larger need of every item of either plan on hand (whole units of counted items)."""
    units = {m.item: m.unit for plan in plans for m in plan.materials}
    need = {item: max(m.quantity for plan in plans for m in plan.materials if m.item == item) for item in units}
    on_hand = {item: float(math.ceil(3 * q)) for item, q in need.items()}
    inventory_repo.seed_stock(orders.engine, [InitialStock(item=i, unit=units[i], on_hand=q)
                                              for i, q in on_hand.items()], orders.clock.plant_at_now())
    return on_hand


async def _rebooked(orders: OrderHarness, handle: WorkflowHandle, revision: int) -> OrderState:
    """Wait (bounded) until the order's ``revision`` is scheduled again with work orders of its own."""
    async def check() -> OrderState | None:
        state = await orders.state(handle)
        # Stock covers both revisions: sourcing would mean the reservation came up short (no suppliers here).
        assert state.stage != "sourcing", f"revision {state.revision} went to sourcing despite the stock on hand"
        ok = state.revision == revision and state.stage == "scheduled" and state.work_orders
        return state if ok else None
    return await eventually(check, 30, f"{handle.id}: revision {revision} scheduled")


def _rows(orders: OrderHarness, order_id: str) -> dict[int, dict[str, tuple[float, bool, bool]]]:
    """Per revision and item: (quantity, released, issued)."""
    out: dict[int, dict[str, tuple[float, bool, bool]]] = {}
    with orders.engine.connect() as conn:
        for r in conn.execute(select(RESERVATIONS).where(RESERVATIONS.c.order_id == order_id)):
            out.setdefault(r.revision, {})[r.item] = (r.quantity, r.released_at is not None, r.issued_at is not None)
    return out


async def test_a_change_before_production_reserves_the_new_revision_and_production_is_issued_it(
    orders: OrderHarness,
) -> None:
    plan_before, plan_after = orders.plan(SKU, BEFORE, 2), orders.plan(SKU, AFTER, 3)
    before = {m.item: m.quantity for m in plan_before.materials}
    after = {m.item: m.quantity for m in plan_after.materials}
    assert set(before) - set(after) and set(after) - set(before), "the change swaps items, not only quantities"
    seeded = _seed_for_both(orders, plan_before, plan_after)
    everything = sorted(seeded)

    handle = await orders.start(SKU, BEFORE, 2)
    await orders.reach(handle, "scheduled")
    assert inventory_repo.reservations_of(orders.engine, handle.id) == pytest.approx(before, abs=1e-4)

    changed: ChangeResult = await asyncio.wait_for(
        handle.execute_update(OrderWorkflow.change_configuration, ChangeRequest(options=AFTER, quantity=3)), 30)
    assert changed.revision == 1
    state = await _rebooked(orders, handle, 1)

    # Revision 1 holds its own materials, and the stock's reserved totals agree; revision 0 gave all back.
    assert inventory_repo.reservations_of(orders.engine, handle.id) == pytest.approx(after, abs=1e-4)
    on_hand, reserved = stock_of(orders.engine, everything)
    assert on_hand == pytest.approx(seeded)
    assert reserved == pytest.approx({i: after.get(i, 0.0) for i in everything}, abs=1e-4)
    rows = _rows(orders, handle.id)
    assert sorted(rows) == [0, 1]
    assert all(released and not issued for _, released, issued in rows[0].values()), "revision 0 released"
    assert {i: q for i, (q, released, issued) in rows[1].items() if not released and not issued} == \
        pytest.approx(after, abs=1e-4)
    assert [e["payload"]["revision"] for e in orders.events(handle.id, "stage")
            if e["payload"]["stage"] == "planned"] == [0, 1]

    # Production starts: exactly revision 1's materials leave the shelf.
    assert inventory_repo.issued_of(orders.engine, handle.id) == {}
    await orders.report(handle, state.work_orders[0], "started")

    async def issued() -> dict[str, float]:
        return inventory_repo.issued_of(orders.engine, handle.id)
    assert await eventually(issued, 30, f"{handle.id}: materials issued") == pytest.approx(after, abs=1e-4)
    [event] = orders.events(handle.id, "materials_issued")
    assert {m["item"]: m["quantity"] for m in event["payload"]["issued"]} == pytest.approx(after, abs=1e-4)

    for work_order in state.work_orders:
        await orders.report(handle, work_order, "completed")
    result: OrderState = await asyncio.wait_for(handle.result(), 60)
    assert (result.stage, result.revision) == ("delivered", 1)

    on_hand, reserved = stock_of(orders.engine, everything)
    assert on_hand == pytest.approx({i: seeded[i] - after.get(i, 0.0) for i in everything}, abs=1e-4)
    assert reserved == pytest.approx(dict.fromkeys(everything, 0.0), abs=1e-4)
    assert inventory_repo.reservations_of(orders.engine, handle.id) == {}
    assert len(orders.events(handle.id, "materials_issued")) == 1

    # The history (a change, two reservations, the goods issue) replays against the workflow code.
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=orders.client.data_converter,
                        workflow_runner=workflow_runner(traced=False))
    await replayer.replay_workflow(await handle.fetch_history())
