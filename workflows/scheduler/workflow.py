"""PlantSchedulerWorkflow: the one entity that owns the plant schedule and serialises its decisions.

Orders book (signal-with-start ``book``, the order id and dates only) and unbook; line monitors report
aborted work orders and line faults; planners send commands. Handlers only queue the message; the run
loop takes everything queued as one batch (at most ``MAX_BATCH_BOOKINGS`` bookings of it) and hands it
to a single ``solve_and_release`` activity, so bookings that arrive together are solved together (a
short gathering window helps them arrive together). The schedule itself lives in the database; the
workflow keeps only queues, and the activity tells each order its booking or plan change (the workflow
does, when the activity returns notices).

It continues as new when Temporal suggests it, after ``MAX_BATCHES`` batches or ``MAX_MESSAGES``
messages, carrying every message not yet handled (all small: ids, dates, events). Runs begun before
that (without the ``scheduler-carry-all`` marker) keep the older way until they continue: they carry
only bookings, draining every other message first.
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
# Messages one run takes before it continues as new: a history of a few thousand small events, far from
# Temporal's limits on signals per run and on history size.
MAX_MESSAGES = 2_000
# Marks runs that continue as new carrying every queued message and take at most MAX_BATCH_BOOKINGS
# bookings per batch (see the module docstring).
CARRY_ALL = "scheduler-carry-all"
# Bookings one batch takes (the rest wait for the next batch): a burst of a thousand orders is planned,
# released and answered in slices, so the first orders reach the lines while the later ones are planned.
MAX_BATCH_BOOKINGS = 200
# A batch's time limit in those runs: a slice of bookings, its MES release and its answers fit well inside.
BATCH_TIMEOUT = timedelta(minutes=10)
# The batch heartbeats every 2 s: a worker killed mid-batch frees it for another after this, not after the
# batch's whole timeout (a timeout is no part of the command sequence: histories replay).
BATCH_HEARTBEAT_TIMEOUT = timedelta(seconds=30)
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
        # By order id, in arrival order: a repeated booking replaces the queued one in constant time.
        self.bookings: dict[str, BookingRequest] = {b.order_id: b for b in inp.pending}
        self.unbooks: list[str] = list(inp.unbooks)
        self.work_order_events: list[WorkOrderEvent] = list(inp.work_order_events)
        self.line_events: list[LineEventSignal] = list(inp.line_events)
        self.commands: list[PlannerCommand] = list(inp.commands)
        self.continue_requested = False
        self.batches = 0
        self.received = 0
        self.carried_in = len(inp.pending)
        self.last_summary = ""
        self.review_at: datetime | None = None
        self.carry_all = False
        self.taken: set[str] = set()  # orders whose booking a batch of this run took (a repeat is cheap)

    @workflow.run
    async def run(self, inp: SchedulerInput) -> None:
        self.carry_all = workflow.patched(CARRY_ALL)
        while True:
            try:
                await workflow.wait_condition(lambda: self._has_messages() or self._time_to_continue(),
                                              timeout=self._until_review())
            except TimeoutError:
                self.review_at = None
                self.commands.append(PlannerCommand(
                    kind="reschedule", requested_by="scheduler",
                    reason="a faulted line's expected recovery has passed; the plan is reviewed"))
            if self._time_to_continue() and self.carry_all:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carried())
            if self._time_to_continue() and not self._must_drain():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._must_drain():
                    workflow.continue_as_new(SchedulerInput(plant_id=inp.plant_id, clock=inp.clock,
                                                            pending=list(self.bookings.values())))
            if self.bookings and not self._time_to_continue():
                await workflow.sleep(GATHER_WINDOW)
            await self._run_batch(self._take_batch())

    # --- messages ------------------------------------------------------------------------------

    @workflow.signal(name=Signals.BOOK)
    def book(self, request: BookingRequest) -> None:
        """An order asks for its operations to be booked (a repeat replaces the queued one)."""
        self.received += 1
        if not self.carry_all:
            self.bookings.pop(request.order_id, None)  # older runs sent a repeat to the back of the queue
        self.bookings[request.order_id] = request  # a repeat keeps its place: asking again never loses a turn

    @workflow.signal(name=Signals.UNBOOK)
    def unbook(self, order_id: str) -> None:
        """An order was cancelled or changed: free its capacity (a queued booking of it is dropped)."""
        self.received += 1
        self.bookings.pop(order_id, None)
        self.unbooks.append(order_id)

    @workflow.signal(name=Signals.WORK_ORDER_EVENT)
    def work_order_event(self, event: WorkOrderEvent) -> None:
        """A line monitor saw a work order abort (older monitors also sent starts, holds and completions)."""
        self.received += 1
        self.work_order_events.append(event)

    @workflow.signal(name=Signals.LINE_EVENT)
    def line_event(self, event: LineEventSignal) -> None:
        """A line monitor saw a line fault or recover."""
        self.received += 1
        self.line_events.append(event)

    @workflow.signal(name=PLANNER_COMMAND)
    def planner_command(self, command: PlannerCommand) -> None:
        """A planner's reschedule, move, priority change, or an operator's continue-as-new."""
        self.received += 1
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
                or (self.carry_all and self.received >= MAX_MESSAGES)
                or workflow.info().is_continue_as_new_suggested())

    def _carried(self) -> SchedulerInput:
        """The next run's input: everything queued and not yet handled."""
        return SchedulerInput(plant_id=self.inp.plant_id, clock=self.inp.clock, pending=list(self.bookings.values()),
                              unbooks=self.unbooks, work_order_events=self.work_order_events,
                              line_events=self.line_events, commands=self.commands)

    def _take_batch(self) -> SchedulerBatch:
        taken, left = self._bookings_for_batch()
        batch = SchedulerBatch(
            batch_id=f"{workflow.info().run_id}-{self.batches}", bookings=taken,
            unbooks=self.unbooks, work_order_events=self.work_order_events, line_events=self.line_events,
            commands=self.commands,
        )
        self.bookings = {b.order_id: b for b in left}
        self.unbooks, self.work_order_events, self.line_events, self.commands = [], [], [], []
        self.batches += 1
        return batch

    def _bookings_for_batch(self) -> tuple[list[BookingRequest], list[BookingRequest]]:
        """The bookings the next batch takes, and those left queued: every repeat of a booking taken before
        (an order that asked again while its answer was on the way: answered again, nothing to plan) and
        new ones up to ``MAX_BATCH_BOOKINGS``."""
        bookings = list(self.bookings.values())
        if not self.carry_all:
            return bookings, []
        taken: list[BookingRequest] = []
        left: list[BookingRequest] = []
        new = 0
        for booking in bookings:
            repeat = booking.order_id in self.taken
            if repeat or new < MAX_BATCH_BOOKINGS:
                taken.append(booking)
                new += not repeat
            else:
                left.append(booking)
        self.taken.update(b.order_id for b in taken)
        return taken, left

    async def _run_batch(self, batch: SchedulerBatch) -> None:
        try:
            if batch.needs_activity:
                # Retried while the MES is down (the push repeats safely); bounded so a stuck batch surfaces.
                outcome = await workflow.execute_activity_method(
                    SchedulerActivities.solve_and_release, batch,
                    start_to_close_timeout=BATCH_TIMEOUT if self.carry_all else timedelta(minutes=2),
                    heartbeat_timeout=BATCH_HEARTBEAT_TIMEOUT,
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
