"""PlantSchedulerWorkflow: the one entity that owns the plant schedule and serialises its decisions.

Orders book (signal-with-start ``book``) and unbook; line monitors report work orders and line faults;
planners send commands. Handlers only queue the message; the run loop takes everything queued as one
batch and hands it to a single ``solve_and_release`` activity, so bookings that arrive together are
solved together (a short gathering window helps them arrive together). The schedule itself lives in
the database; the workflow keeps only queues, and signals each order its booking or plan change
directly (no activity). It continues as new when Temporal suggests it or after ``MAX_BATCHES``,
carrying the bookings not yet solved and draining every other message first.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        PLANNER_COMMAND,
        BookingRequest,
        LineEventSignal,
        PlannerCommand,
        SchedulerInput,
        Signals,
        WorkOrderEvent,
    )
    from workflows.scheduler.activities import SchedulerActivities
    from workflows.scheduler.types import BatchOutcome, SchedulerBatch, SchedulerStatus

MAX_BATCHES = 500
# Wall time to let bookings that arrive together join one solve.
GATHER_WINDOW = timedelta(milliseconds=200)
# After a batch failed for good, wait this long before trying its messages again.
FAILED_BATCH_PAUSE = timedelta(seconds=30)

SOLVE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                          non_retryable_error_types=["InvalidScheduleRequest"])
RECORD_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10), maximum_attempts=20)


@workflow.defn(name="PlantScheduler")
class PlantSchedulerWorkflow:
    """The plant's schedule owner: books orders, reacts to the floor, keeps the MES in line."""

    @workflow.init
    def __init__(self, inp: SchedulerInput) -> None:
        self.inp = inp
        self.bookings: list[BookingRequest] = list(inp.pending)
        self.unbooks: list[str] = []
        self.work_order_events: list[WorkOrderEvent] = []
        self.line_events: list[LineEventSignal] = []
        self.commands: list[PlannerCommand] = []
        self.continue_requested = False
        self.batches = 0
        self.carried_in = len(inp.pending)
        self.last_summary = ""
        self.review_at: datetime | None = None

    @workflow.run
    async def run(self, inp: SchedulerInput) -> None:
        while True:
            try:
                await workflow.wait_condition(lambda: self._has_messages() or self._time_to_continue(),
                                              timeout=self._until_review())
            except TimeoutError:
                self.review_at = None
                self.commands.append(PlannerCommand(
                    kind="reschedule", requested_by="scheduler",
                    reason="a faulted line's expected recovery has passed; the plan is reviewed"))
            if self._time_to_continue() and not self._must_drain():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._must_drain():
                    workflow.continue_as_new(SchedulerInput(plant_id=inp.plant_id, clock=inp.clock,
                                                            pending=self.bookings))
            if self.bookings and not self._time_to_continue():
                await workflow.sleep(GATHER_WINDOW)
            await self._run_batch(self._take_batch())

    # --- messages ------------------------------------------------------------------------------

    @workflow.signal(name=Signals.BOOK)
    def book(self, request: BookingRequest) -> None:
        """An order asks for its operations to be booked (a repeat replaces the queued one)."""
        self.bookings = [b for b in self.bookings if b.order_id != request.order_id]
        self.bookings.append(request)

    @workflow.signal(name=Signals.UNBOOK)
    def unbook(self, order_id: str) -> None:
        """An order was cancelled or changed: free its capacity (a queued booking of it is dropped)."""
        self.bookings = [b for b in self.bookings if b.order_id != order_id]
        self.unbooks.append(order_id)

    @workflow.signal(name=Signals.WORK_ORDER_EVENT)
    def work_order_event(self, event: WorkOrderEvent) -> None:
        """A line monitor saw a work order start, hold, resume, complete or abort."""
        self.work_order_events.append(event)

    @workflow.signal(name=Signals.LINE_EVENT)
    def line_event(self, event: LineEventSignal) -> None:
        """A line monitor saw a line fault or recover."""
        self.line_events.append(event)

    @workflow.signal(name=PLANNER_COMMAND)
    def planner_command(self, command: PlannerCommand) -> None:
        """A planner's reschedule, move, priority change, or an operator's continue-as-new."""
        if command.kind == "continue_as_new":
            self.continue_requested = True
        else:
            self.commands.append(command)

    @workflow.query
    def status(self) -> SchedulerStatus:
        """Counters of this run, and what is queued."""
        return SchedulerStatus(
            plant_id=self.inp.plant_id, batches=self.batches, carried_in=self.carried_in,
            pending_bookings=len(self.bookings),
            pending_other=len(self.unbooks) + len(self.work_order_events) + len(self.line_events) + len(self.commands),
            continue_requested=self.continue_requested, last_summary=self.last_summary,
        )

    # --- the loop ------------------------------------------------------------------------------

    def _until_review(self) -> timedelta | None:
        """Wall time until the plan must be reviewed for a line fault outlasting its estimate."""
        if self.review_at is None:
            return None
        plant_left = self.review_at - self.inp.clock.plant_at(workflow.now())
        return max(self.inp.clock.wall_timedelta(plant_left), timedelta(seconds=1))

    def _has_messages(self) -> bool:
        return bool(self.bookings) or self._must_drain()

    def _must_drain(self) -> bool:
        """Messages that cannot be carried over by continue-as-new (only bookings can)."""
        return bool(self.unbooks or self.work_order_events or self.line_events or self.commands)

    def _time_to_continue(self) -> bool:
        return (self.continue_requested or self.batches >= MAX_BATCHES
                or workflow.info().is_continue_as_new_suggested())

    def _take_batch(self) -> SchedulerBatch:
        batch = SchedulerBatch(
            batch_id=f"{workflow.info().run_id}-{self.batches}", bookings=self.bookings, unbooks=self.unbooks,
            work_order_events=self.work_order_events, line_events=self.line_events, commands=self.commands,
        )
        self.bookings, self.unbooks, self.work_order_events, self.line_events, self.commands = [], [], [], [], []
        self.batches += 1
        return batch

    async def _run_batch(self, batch: SchedulerBatch) -> None:
        try:
            if batch.needs_activity:
                # Retried while the MES is down (the push repeats safely); bounded so a stuck batch surfaces.
                outcome = await workflow.execute_activity_method(
                    SchedulerActivities.solve_and_release, batch, start_to_close_timeout=timedelta(minutes=2),
                    schedule_to_close_timeout=timedelta(minutes=30), retry_policy=SOLVE_RETRY)
            else:
                outcome = await workflow.execute_local_activity_method(
                    SchedulerActivities.record_work_order_events, batch, start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=RECORD_RETRY)
        except ActivityError as exc:
            await self._failed(batch, exc)
            return
        self.last_summary = outcome.summary
        if batch.needs_activity:
            self.review_at = outcome.review_at
        await self._tell_orders(outcome)

    async def _failed(self, batch: SchedulerBatch, exc: ActivityError) -> None:
        """Keep the batch's messages for a later try; bookings are dropped (their orders ask again)."""
        workflow.logger.error("scheduler batch %s failed: %s; its messages wait for the next batch",
                              batch.batch_id, exc.cause or exc)
        self.last_summary = f"batch {batch.batch_id} failed: {exc.cause or exc}"
        self.unbooks = [*batch.unbooks, *self.unbooks]
        self.work_order_events = [*batch.work_order_events, *self.work_order_events]
        self.line_events = [*batch.line_events, *self.line_events]
        self.commands = [*batch.commands, *self.commands]
        await workflow.sleep(FAILED_BATCH_PAUSE)

    async def _tell_orders(self, outcome: BatchOutcome) -> None:
        sends = []
        for notice in outcome.notices:
            handle = workflow.get_external_workflow_handle(notice.order_id)
            if notice.booked is not None:
                sends.append(handle.signal(Signals.BOOKED, notice.booked))
            elif notice.changed is not None:
                sends.append(handle.signal(Signals.SCHEDULE_CHANGED, notice.changed))
        results = await asyncio.gather(*sends, return_exceptions=True)
        for notice, result in zip(outcome.notices, results, strict=True):
            if isinstance(result, BaseException):
                # The order finished or never was a workflow (e.g. booked by hand): nothing to tell.
                workflow.logger.warning("could not signal order %s: %s", notice.order_id, result)
