"""Orders book through the plant scheduler: solved together, released to the MES, run on the lines."""

from __future__ import annotations

import asyncio

from orchestrator.ports.mes import WorkOrderState
from tests.workflows.scheduler.conftest import SchedulerHarness, booking, eventually, new_order_id, op
from workflows.contracts import PLANNER_COMMAND, PlannerCommand, parse_work_order_id


async def test_three_orders_are_booked_together_released_and_run(scheduler: SchedulerHarness) -> None:
    orders = [new_order_id() for _ in range(3)]
    handles = await asyncio.gather(*(
        scheduler.book(booking(scheduler, order_id,
                               op("cut_panels", "sheet_metal", 2, 20),
                               op("assemble", "assembly", 2, 15, "cut_panels")))
        for order_id in orders))

    answers = [await scheduler.booked(h) for h in handles]
    status = await scheduler.status()
    assert status.batches <= 3, f"bookings that arrive together are solved together, got {status.batches} batches"

    work_order_ids = []
    for order_id, answer in zip(orders, answers, strict=True):
        booked = answer.booked
        assert booked is not None and booked.order_id == order_id
        assert booked.method.startswith(("cpsat", "dispatch"))
        by_op = {w.op_id: w for w in booked.work_orders}
        assert set(by_op) == {"cut_panels", "assemble"}
        assert by_op["cut_panels"].line == "FAB1"
        assert by_op["assemble"].line in ("ASM1", "ASM2")
        assert by_op["assemble"].start >= by_op["cut_panels"].end, "precedence within the order"
        assert booked.production_finish == max(w.end for w in booked.work_orders)
        for w in booked.work_orders:
            assert parse_work_order_id(w.work_order_id) == (order_id, w.op_id, 1)
        work_order_ids += [w.work_order_id for w in booked.work_orders]

    # Every work order is at the MES on its planned line, and the lines run them to completion.
    statuses = await scheduler.mes.statuses(work_order_ids)
    assert {s.id for s in statuses} == set(work_order_ids)
    planned_line = {w.work_order_id: w.line for a in answers if a.booked for w in a.booked.work_orders}
    assert all(s.line == planned_line[s.id] for s in statuses)

    async def all_completed() -> bool:
        done = await scheduler.mes.statuses(work_order_ids)
        return all(s.state is WorkOrderState.COMPLETED for s in done)

    await eventually(all_completed, 30, "all six work orders completed at the MES")

    # A planner's reschedule makes the scheduler look at the MES again: the schedule shows actuals.
    await scheduler.signal(PLANNER_COMMAND, PlannerCommand(kind="reschedule", reason="test"))

    async def recorded() -> bool:
        rows = [r for o in orders for r in await scheduler.rows(o)]
        return len(rows) == 6 and all(r.state == "completed" and r.actual_start and r.actual_end for r in rows)

    await eventually(recorded, 20, "completions recorded in the schedule")
