"""The scheduler under load: a burst of bookings is solved in few batches from ids alone, the orders are told
by the activity (not through the scheduler's history), and continue-as-new carries every queued message."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client

from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.tables.orders import OrderRow
from tests.workflows.scheduler.conftest import (
    SchedulerFactory,
    SchedulerHarness,
    booking,
    eventually,
    new_order_id,
    op,
)
from workflows.contracts import PLANNER_COMMAND, BookingRequest, LineEventSignal, PlannerCommand, Signals
from workflows.scheduler import SchedulerActivities
from workflows.scheduler.types import BatchOutcome, SchedulerBatch

BURST = 50
ORDERS = OrderRow.__table__  # type: ignore[attr-defined]


def _store_orders(engine: Engine, bookings: list[BookingRequest]) -> None:
    """The orders' rows with their plans, as an order stores them when it plans (before it books)."""
    with engine.begin() as conn:
        for b in bookings:
            conn.execute(insert(ORDERS).values(
                id=b.order_id, sku="bench-part", options={}, quantity=1, customer_id="c", customer={},
                stage="materials_reserved", price_total=1.0, currency="EUR", promised_date=b.due,
                tracking_token=uuid.uuid4().hex, created_at=b.release_at, updated_at=b.release_at,
                plan={"operations": [o.model_dump() for o in b.operations], "materials": []}))


def _telling(client: Client) -> Callable[[SchedulerActivities], list[Callable]]:
    """The real activities, given a Temporal client so that they tell the orders themselves."""
    def build(acts: SchedulerActivities) -> list[Callable]:
        async def temporal() -> Client:
            return client
        telling = SchedulerActivities(acts.engine, acts.plant, acts.mes, acts.clock, acts.solver, temporal=temporal)
        return telling.all()
    return build


def _solves(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(EVENTS.c.kind == "schedule_solved")).scalar() or 0)


async def test_a_burst_of_bookings_is_solved_in_few_batches_from_order_ids_alone(
    scheduler_with: SchedulerFactory, temporal_client: Client,
) -> None:
    async with scheduler_with(_telling(temporal_client)) as scheduler:
        h: SchedulerHarness = scheduler
        full = [booking(h, new_order_id(), op("cut_panels", "sheet_metal", 1, 5), op("assemble", "assembly", 1, 5,
                                                                                  "cut_panels"))
                for _ in range(BURST)]
        _store_orders(h.engine, full)
        # What orders send: no operations, the scheduler reads them from the stored plans.
        orders = await asyncio.gather(*(h.book(b.model_copy(update={"operations": []})) for b in full))

        answers = await asyncio.gather(*(h.booked(o, timeout=120) for o in orders))
        for b, answer in zip(full, answers, strict=True):
            assert answer.booked is not None and answer.booked.order_id == b.order_id
            assert {w.op_id for w in answer.booked.work_orders} == {"cut_panels", "assemble"}

        status = await h.status()
        assert status.batches <= 6, f"{BURST} bookings arriving together take few batches: {status}"
        assert _solves(h.engine) <= 6, "one solve per batch, not per booking"

        history = await h.handle().fetch_history()
        kinds = [e.WhichOneof("attributes") or "" for e in history.events]
        assert not any(k.startswith("signal_external_workflow_execution") for k in kinds), (
            "the activity told the orders: nothing of it in the scheduler's history")
        books = [e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes")]
        assert len(books) >= BURST
        size = sum(e.ByteSize() for e in history.events)
        assert size < BURST * 2_000, f"a booking costs the scheduler's history little: {size} bytes in all"


async def test_continue_as_new_carries_every_queued_message(scheduler_with: SchedulerFactory) -> None:
    gate = asyncio.Event()
    batches: list[SchedulerBatch] = []

    def gated(acts: SchedulerActivities) -> list[Callable]:
        @activity.defn(name="scheduler.solve_and_release")
        async def solve_and_release(batch: SchedulerBatch) -> BatchOutcome:
            batches.append(batch)
            if len(batches) == 1:  # hold the first batch so that messages of every kind queue up behind it
                await asyncio.wait_for(gate.wait(), timeout=30)
            return await acts.solve_and_release(batch)

        return [solve_and_release, acts.record_work_order_events]

    async with scheduler_with(gated) as scheduler:
        h: SchedulerHarness = scheduler
        first_id = new_order_id()
        first = await h.book(booking(h, first_id, op("cut_panels", "sheet_metal", 1, 600)))
        await eventually(lambda: asyncio.sleep(0, result=bool(batches)), 15, "the first batch is being solved")
        first_run = (await h.handle().describe()).run_id

        await h.signal(PLANNER_COMMAND, PlannerCommand(kind="continue_as_new", requested_by="operator"))
        later = [await h.book(booking(h, new_order_id(), op("sew", "sewing", 1, 10))) for _ in range(2)]
        now = h.now()
        await h.signal(Signals.LINE_EVENT, LineEventSignal(line="PNT1", kind="fault", at=now, reason="Booth fire",
                                                           expected_recovery=now + timedelta(hours=48)))
        await h.signal(Signals.UNBOOK, first_id)

        async def queued() -> bool:
            status = await h.status()
            return status.pending_bookings == 2 and status.pending_other == 2 and status.continue_requested

        await eventually(queued, 15, "two bookings, a fault and an unbook queued behind the running batch")
        gate.set()

        for order in later:
            assert (await h.booked(order)).booked is not None
        assert (await h.booked(first)).booked is not None, "the first order was answered before its unbook"

        description = await h.handle().describe()
        assert description.run_id != first_run, "the scheduler continued as new"
        status = await h.status()
        assert status.carried_in == 2, f"the new run started with the two bookings: {status}"

        # The carried fault and unbook were applied by the new run, in one batch with the bookings.
        carried = batches[1]
        assert carried.unbooks == [first_id] and [e.line for e in carried.line_events] == ["PNT1"]
        assert len(carried.bookings) == 2 and not carried.batch_id.startswith(first_run)

        async def withdrawn() -> bool:
            return all(r.state == "withdrawn" for r in await h.rows(first_id))

        await eventually(withdrawn, 20, "the carried unbook withdrew the first order's work")
        old_run = await h.client.get_workflow_handle(h.scheduler_id, run_id=first_run).fetch_history()
        solves = [e for e in old_run.events if e.HasField("activity_task_scheduled_event_attributes")]
        assert len(solves) == 1, "the old run continued right after its batch, without draining the queue"
