"""The scheduler reacts to the floor: a line fault moves waiting work, an abort is made again, an unbook
frees capacity."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from orchestrator.persistence.events import EVENTS
from orchestrator.ports.mes import WorkOrderState
from tests.workflows.scheduler.conftest import SchedulerHarness, booking, eventually, new_order_id, op
from tests.workflows.scheduler.fake_order import FakeOrderState
from workflows.contracts import LineEventSignal, PlannedWorkOrder, Signals, WorkOrderEvent, work_order_id


async def floor(harness: SchedulerHarness, work_orders: list[PlannedWorkOrder]) -> str:
    """What the MES says about these work orders, for failure messages."""
    statuses = await harness.mes.statuses([w.work_order_id for w in work_orders])
    return "; ".join(f"{s.id} {s.state.value} on {s.line} since {s.actual_start}" for s in statuses)


def _events(harness: SchedulerHarness, kind: str) -> list[dict]:
    with harness.engine.connect() as conn:
        rows = conn.execute(select(EVENTS).where(EVENTS.c.kind == kind)).mappings().all()
    return [dict(r) for r in rows]


async def test_line_fault_moves_waiting_work_to_the_other_capable_line(scheduler: SchedulerHarness) -> None:
    # Cutting runs ~9 wall seconds on FAB1; assembly waits for it, planned on ASM1 (the faster line).
    order_id = new_order_id()
    order = await scheduler.book(booking(scheduler, order_id, op("cut_panels", "sheet_metal", 3, 180),
                                         op("assemble", "assembly", 4, 30, "cut_panels")))
    booked = (await scheduler.booked(order)).booked
    assert booked is not None
    assemble = next(w for w in booked.work_orders if w.op_id == "assemble")
    assert assemble.line == "ASM1", f"the faster line; MES: {await floor(scheduler, booked.work_orders)}"

    now = scheduler.now()
    await scheduler.signal(Signals.LINE_EVENT, LineEventSignal(
        line="ASM1", kind="fault", at=now, reason="Drive overload", expected_recovery=now + timedelta(hours=24)))

    async def changed() -> FakeOrderState | None:
        heard = await scheduler.heard(order)
        return heard if heard.changes else None

    change = (await eventually(changed, 20, "schedule_changed after the fault")).changes[-1]
    moved = next(w for w in change.work_orders if w.op_id == "assemble")
    assert moved.line == "ASM2", (f"waiting work goes to the other capable line; {change}; "
                                  f"MES: {await floor(scheduler, booked.work_orders)}")
    assert moved.work_order_id == assemble.work_order_id
    assert change.production_finish > booked.production_finish, "ASM2 is slower: the finish moves later"
    assert "ASM1" in change.reason and "Drive overload" in change.reason

    status = await scheduler.mes.status(assemble.work_order_id)
    assert status.line == "ASM2", "the MES moved the work order too"
    assert _events(scheduler, "line_unavailable"), "planners' streams see the fault"
    assert any(e["order_id"] == order_id for e in _events(scheduler, "rescheduled"))

    async def ran_on_asm2() -> bool:
        s = await scheduler.mes.status(assemble.work_order_id)
        return s.state is WorkOrderState.COMPLETED and s.line == "ASM2"

    await eventually(ran_on_asm2, 30, "assembly completed on ASM2")


async def test_aborted_work_order_is_released_again_as_attempt_2(scheduler: SchedulerHarness) -> None:
    order_id = new_order_id()
    order = await scheduler.book(booking(scheduler, order_id, op("assemble", "assembly", 6, 60)))
    booked = (await scheduler.booked(order)).booked
    assert booked is not None
    first = booked.work_orders[0]

    async def running() -> bool:
        return (await scheduler.mes.status(first.work_order_id)).state is WorkOrderState.RUNNING

    await eventually(running, 15, "the work order runs on its line")
    scheduler.mes_sim.inject_fault(first.line, "abort", "Tool breakage", 0)

    async def aborted() -> bool:
        return (await scheduler.mes.status(first.work_order_id)).state is WorkOrderState.ABORTED

    await eventually(aborted, 15, "the MES sees the abort")
    produced = (await scheduler.mes.status(first.work_order_id)).produced
    # What the line monitor would report.
    await scheduler.signal(Signals.WORK_ORDER_EVENT, WorkOrderEvent(
        work_order_id=first.work_order_id, order_id=order_id, op_id="assemble", line=first.line, kind="aborted",
        at=scheduler.now(), produced=produced, reason="Tool breakage"))

    second = work_order_id(order_id, "assemble", 2)

    async def told() -> FakeOrderState | None:
        heard = await scheduler.heard(order)
        return heard if any(w.work_order_id == second for c in heard.changes for w in c.work_orders) else None

    change = (await eventually(told, 20, "the order hears of attempt 2")).changes[-1]
    assert "aborted" in change.reason
    rows = {r.id: r for r in await scheduler.rows(order_id)}
    assert rows[first.work_order_id].state == "aborted"
    assert rows[second].attempt == 2 and rows[second].quantity == 6 - produced

    async def remade() -> bool:
        return (await scheduler.mes.status(second)).state is WorkOrderState.COMPLETED

    await eventually(remade, 30, "attempt 2 runs to completion at the MES")


async def test_unbook_withdraws_the_work_and_frees_its_capacity(scheduler: SchedulerHarness) -> None:
    # A long job on FAB1 and a short one queued behind it.
    long_id, short_id = new_order_id("LONG"), new_order_id("SHORT")
    long_order = await scheduler.book(booking(scheduler, long_id, op("weld_frame", "welding", 10, 120)))
    long_booked = (await scheduler.booked(long_order)).booked
    short_order = await scheduler.book(booking(scheduler, short_id, op("cut_panels", "sheet_metal", 1, 30)))
    short_booked = (await scheduler.booked(short_order)).booked
    assert long_booked is not None and short_booked is not None
    assert short_booked.work_orders[0].start >= long_booked.work_orders[0].end - timedelta(minutes=1), (
        await floor(scheduler, [*long_booked.work_orders, *short_booked.work_orders]))

    await scheduler.signal(Signals.UNBOOK, long_id)

    async def withdrawn() -> bool:
        rows = await scheduler.rows(long_id)
        return all(r.state == "withdrawn" for r in rows)

    await eventually(withdrawn, 20, "the unbooked order's work orders are withdrawn")
    status = await scheduler.mes.status(long_booked.work_orders[0].work_order_id)
    assert status.state in (WorkOrderState.WITHDRAWN, WorkOrderState.ABORTED), "taken off the MES and the line"

    async def earlier() -> FakeOrderState | None:
        heard = await scheduler.heard(short_order)
        return heard if heard.changes else None

    change = (await eventually(earlier, 20, "the queued order hears it finishes earlier")).changes[-1]
    assert change.production_finish < short_booked.production_finish - timedelta(hours=5), (
        f"{change}; {short_booked}; MES: {await floor(scheduler, short_booked.work_orders)}")

    async def short_done() -> bool:
        return (await scheduler.mes.status(short_booked.work_orders[0].work_order_id)).state is WorkOrderState.COMPLETED

    await eventually(short_done, 20, "the short job runs once the line is free")
