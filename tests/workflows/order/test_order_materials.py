"""An order's reserved stock is issued to its production when its first work order starts, once.

On the real dev server with the order's real activities: a delivered order holds nothing reserved and
has taken its materials off the shelf exactly once; a cancel after production started gives nothing
back; a cancel before it gives everything back and issues nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle
from temporalio.worker import Replayer

from orchestrator.observability.tracing import workflow_runner
from orchestrator.persistence import inventory_repo
from orchestrator.persistence.tables.inventory import ReservationRow
from tests.workflows.order.harness import OrderHarness, eventually, stock_of
from workflows.order.types import CancelRequest, OrderState
from workflows.order.workflow import OrderWorkflow

SKU = "aircon-split"
OPTIONS: dict[str, Any] = {"colour": "white", "self_cleaning": True}  # counted, kg, m and m2 items
QUANTITY = 2
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]


async def _scheduled_with_stock(orders: OrderHarness) -> tuple[WorkflowHandle, OrderState, dict[str, float],
                                                                  dict[str, float]]:
    """An order at ``scheduled``: what was on hand before it, and what it holds now."""
    plan = orders.plan(SKU, OPTIONS, QUANTITY)
    seeded = orders.seed_for(plan)
    handle = await orders.start(SKU, OPTIONS, QUANTITY)
    state = await orders.reach(handle, "scheduled")
    held = inventory_repo.reservations_of(orders.engine, handle.id)
    assert held == pytest.approx({m.item: m.quantity for m in plan.materials}, abs=1e-4), "all from stock"
    assert_stock(orders, held, on_hand=seeded, reserved=held)
    assert state.work_orders, "the desk booked the order"
    return handle, state, seeded, held


async def _started(orders: OrderHarness, handle: WorkflowHandle, state: OrderState) -> dict[str, float]:
    """Report the first work order started; wait (bounded) until the order's materials are issued."""
    assert inventory_repo.issued_of(orders.engine, handle.id) == {}, "nothing is issued before production"
    await orders.report(handle, state.work_orders[0], "started")

    async def issued() -> dict[str, float]:
        return inventory_repo.issued_of(orders.engine, handle.id)
    return await eventually(issued, 30, f"{handle.id}: materials issued")


def assert_stock(orders: OrderHarness, held: dict[str, float], on_hand: dict[str, float],
                 reserved: dict[str, float] | None = None) -> None:
    """The order's items have ``on_hand`` on hand and ``reserved`` reserved (none when not given)."""
    got_on_hand, got_reserved = stock_of(orders.engine, list(held))
    assert got_on_hand == pytest.approx({i: on_hand[i] for i in held})
    assert got_reserved == pytest.approx(reserved or dict.fromkeys(held, 0.0))


def _after_issue(seeded: dict[str, float], held: dict[str, float]) -> dict[str, float]:
    return {i: seeded[i] - held[i] for i in held}


def _rows_closed_by_issue(orders: OrderHarness, order_id: str) -> list[tuple[bool, bool]]:
    """Per reservation row: (released, issued)."""
    with orders.engine.connect() as conn:
        rows = conn.execute(select(RESERVATIONS.c.released_at, RESERVATIONS.c.issued_at)
                            .where(RESERVATIONS.c.order_id == order_id)).all()
    return [(r.released_at is not None, r.issued_at is not None) for r in rows]


async def test_a_delivered_order_issued_its_reserved_materials_once(orders: OrderHarness) -> None:
    handle, state, seeded, held = await _scheduled_with_stock(orders)

    issued = await _started(orders, handle, state)
    assert issued == pytest.approx(held)
    assert_stock(orders, held, on_hand=_after_issue(seeded, held))  # on hand down by what was reserved, none held
    [event] = orders.events(handle.id, "materials_issued")
    assert event["dedupe_key"] == f"{handle.id}:materials-issued"
    assert {m["item"]: m["quantity"] for m in event["payload"]["issued"]} == pytest.approx(held)

    for work_order in state.work_orders:
        await orders.report(handle, work_order, "completed")
    result: OrderState = await asyncio.wait_for(handle.result(), 60)
    assert result.stage == "delivered"

    assert_stock(orders, held, on_hand=_after_issue(seeded, held))  # issued once only
    assert inventory_repo.reservations_of(orders.engine, handle.id) == {}
    assert _rows_closed_by_issue(orders, handle.id) == [(False, True)] * len(held), "rows kept, closed as issued"
    assert len(orders.events(handle.id, "materials_issued")) == 1
    stages = [e["payload"]["stage"] for e in orders.events(handle.id, "stage")]
    assert stages[-5:] == ["in_production", "quality_check", "packed", "shipped", "delivered"]

    # Its history (with the goods-issue patch marker) replays against the workflow code.
    history = await handle.fetch_history()
    markers = [e.marker_recorded_event_attributes.marker_name for e in history.events
               if e.HasField("marker_recorded_event_attributes")]
    assert "core_patch" in markers
    replayer = Replayer(workflows=[OrderWorkflow], data_converter=orders.client.data_converter,
                        workflow_runner=workflow_runner(traced=False))
    await replayer.replay_workflow(history)


async def test_a_cancel_after_production_started_gives_no_issued_material_back(orders: OrderHarness) -> None:
    handle, state, seeded, held = await _scheduled_with_stock(orders)
    await _started(orders, handle, state)

    await handle.execute_update(OrderWorkflow.request_cancel, CancelRequest(reason="no longer needed"))
    result: OrderState = await asyncio.wait_for(handle.result(), 60)
    assert result.stage == "cancelled"

    compensations = [e["payload"] for e in orders.events(handle.id, "compensation")]
    assert [c["step"] for c in compensations] == ["withdraw_work_orders", "release_reservations"]
    assert compensations[1]["detail"] == "nothing to give back: the materials were issued to production"
    assert orders.desk.withdrawn == [w.work_order_id for w in state.work_orders]
    assert_stock(orders, held, on_hand=_after_issue(seeded, held))  # issued stock does not return to the shelf
    assert _rows_closed_by_issue(orders, handle.id) == [(False, True)] * len(held)


async def test_a_cancel_before_production_releases_everything_and_issues_nothing(orders: OrderHarness) -> None:
    handle, _, seeded, held = await _scheduled_with_stock(orders)

    await handle.execute_update(OrderWorkflow.request_cancel, CancelRequest(reason="changed my mind"))
    result: OrderState = await asyncio.wait_for(handle.result(), 60)
    assert result.stage == "cancelled"

    compensations = [e["payload"] for e in orders.events(handle.id, "compensation")]
    assert compensations[-1]["step"] == "release_reservations"
    assert compensations[-1]["detail"].startswith("released ")
    assert_stock(orders, held, on_hand=seeded)
    assert orders.events(handle.id, "materials_issued") == []
    assert _rows_closed_by_issue(orders, handle.id) == [(True, False)] * len(held)
