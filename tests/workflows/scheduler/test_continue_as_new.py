"""Continue-as-new: bookings that arrive while a batch is being solved are carried into the new run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio import activity

from tests.workflows.scheduler.conftest import SchedulerFactory, booking, eventually, new_order_id, op
from workflows.contracts import PLANNER_COMMAND, PlannerCommand
from workflows.scheduler import SchedulerActivities
from workflows.scheduler.types import BatchOutcome, SchedulerBatch


async def test_continue_as_new_carries_the_pending_bookings(scheduler_with: SchedulerFactory) -> None:
    gate = asyncio.Event()
    batches: list[str] = []

    def gated(acts: SchedulerActivities) -> list[Callable]:
        @activity.defn(name="scheduler.solve_and_release")
        async def solve_and_release(batch: SchedulerBatch) -> BatchOutcome:
            batches.append(batch.batch_id)
            if len(batches) == 1:  # hold the first batch so that more bookings queue up behind it
                await asyncio.wait_for(gate.wait(), timeout=30)
            return await acts.solve_and_release(batch)

        return [solve_and_release, acts.record_work_order_events]

    async with scheduler_with(gated) as scheduler:
        first = await scheduler.book(booking(scheduler, new_order_id(), op("cut_panels", "sheet_metal", 1, 10)))
        await eventually(lambda: asyncio.sleep(0, result=bool(batches)), 15, "the first batch is being solved")
        first_run = (await scheduler.handle().describe()).run_id

        await scheduler.signal(PLANNER_COMMAND, PlannerCommand(kind="continue_as_new", requested_by="operator"))
        later = [await scheduler.book(booking(scheduler, new_order_id(), op("sew", "sewing", 1, 10)))
                 for _ in range(2)]

        async def queued() -> bool:
            status = await scheduler.status()
            return status.pending_bookings == 2 and status.continue_requested

        await eventually(queued, 15, "two bookings queued behind the running batch")
        gate.set()

        for order in [first, *later]:
            assert (await scheduler.booked(order)).booked is not None

        description = await scheduler.handle().describe()
        assert description.run_id != first_run, "the scheduler continued as new"
        status = await scheduler.status()
        assert status.carried_in == 2, f"the new run started with the two pending bookings: {status}"
        assert not status.continue_requested
