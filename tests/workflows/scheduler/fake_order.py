"""A tiny stand-in for the order workflow: it books through the scheduler and remembers what it hears.

``FakeOrder`` signal-with-starts the plant scheduler (through an activity, as the real order does),
waits for ``booked``, then keeps listening for ``schedule_changed`` until told to ``finish``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        BookingRequest,
        BookingResult,
        ClockSpec,
        ScheduleChanged,
        SchedulerInput,
        Signals,
    )


class FakeOrderInput(BaseModel):
    """The booking to make."""

    booking: BookingRequest


class FakeOrderState(BaseModel):
    """What the fake order heard from the scheduler."""

    booked: BookingResult | None = None
    changes: list[ScheduleChanged] = Field(default_factory=list)


@dataclass
class BookingDesk:
    """Sends bookings to the test's scheduler entity (its own workflow id, so tests never share one)."""

    client: Client
    scheduler_id: str
    task_queue: str
    clock: ClockSpec

    @activity.defn(name="fake_order.request_booking")
    async def request_booking(self, request: BookingRequest) -> None:
        """Signal-with-start the scheduler with a booking, exactly like the order's activity."""
        await self.client.start_workflow(
            "PlantScheduler", SchedulerInput(clock=self.clock), id=self.scheduler_id, task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal=Signals.BOOK, start_signal_args=[request],
        )


@workflow.defn(name="FakeOrder")
class FakeOrderWorkflow:
    """Books once, then records booked and schedule_changed signals."""

    @workflow.init
    def __init__(self, inp: FakeOrderInput) -> None:
        self.heard = FakeOrderState()
        self.done = False

    @workflow.run
    async def run(self, inp: FakeOrderInput) -> FakeOrderState:
        await workflow.execute_activity(
            "fake_order.request_booking", inp.booking, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
        await workflow.wait_condition(lambda: self.done)
        return self.heard

    @workflow.signal(name=Signals.BOOKED)
    def booked(self, result: BookingResult) -> None:
        self.heard.booked = result

    @workflow.signal(name=Signals.SCHEDULE_CHANGED)
    def changed(self, change: ScheduleChanged) -> None:
        self.heard.changes.append(change)

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def state(self) -> FakeOrderState:
        return self.heard
