"""OrderWorkflow: one customer order from acceptance to delivery, as a saga.

The main path runs as a task so that a cancel or a change can interrupt it at whichever step it waits
on; the compensations recorded so far then run in reverse. Line progress never passes through this
history: only the facts that change the order's course arrive (booked, rescheduled, production started,
production finished).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from orchestrator.orders.stages import Stage, cancel_refusal
    from workflows.contracts import (
        BookingResult,
        MaterialsExpected,
        ProductionFinished,
        ScheduleChanged,
        Signals,
        WorkOrderEvent,
    )
    from workflows.order import steps
    from workflows.order.saga import Saga
    from workflows.order.types import (
        CancelRequest,
        ChangeRequest,
        ChangeResult,
        Decision,
        OrderInput,
        OrderState,
    )

PRODUCTION_STAGES = {Stage.IN_PRODUCTION, Stage.QUALITY_CHECK, Stage.PACKED, Stage.SHIPPED, Stage.DELIVERED}


@workflow.defn(name="Order")
class OrderWorkflow:
    """Carries one order through approval, planning, materials, scheduling, production and delivery."""

    @workflow.init
    def __init__(self, inp: OrderInput) -> None:
        self.inp = inp
        self.stage = Stage.RECEIVED
        self.revision = 0
        self.held = False
        self.decision: Decision | None = None
        self.awaiting_decision = False
        self.cancel: CancelRequest | None = None
        self.change: ChangeRequest | None = None
        self.booking: BookingResult | None = None
        self.production_started = False
        self.completed_ops: set[str] = set()
        self.eta: datetime | None = inp.promised_date
        self.last_delay_notice: datetime | None = None
        self.saga = Saga()
        self.steps = steps.OrderSteps(self)

    @workflow.run
    async def run(self, inp: OrderInput) -> OrderState:
        try:
            while True:
                main = asyncio.create_task(self.steps.fulfil(self.revision))
                await workflow.wait_condition(
                    lambda: main.done() or self.cancel is not None or self.change is not None  # noqa: B023
                )
                if main.done():
                    main.result()  # raises a failure of the main path
                    return self.state()
                await self._interrupt(main)
                if self.cancel is not None:
                    await self.steps.finish_cancelled(self.cancel)
                    return self.state()
                await self.steps.apply_change()
        except asyncio.CancelledError:
            # Cancelled through Temporal itself (e.g. the UI): undo like a customer cancel.
            await self.steps.finish_cancelled(CancelRequest(reason="cancelled through the workflow engine",
                                                            by="operator"))
            return self.state()
        except steps.Rejected as exc:
            await self.steps.finish_rejected(exc.comment)
            return self.state()
        except Exception as exc:  # any failure that retries could not fix: undo and say why
            await self.steps.finish_failed(_reason(exc))
            return self.state()

    async def _interrupt(self, main: asyncio.Task[None]) -> None:
        main.cancel()
        try:
            await main
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # the step failed while being interrupted; the saga still unwinds
            workflow.logger.info("main path ended with %s while interrupted", exc)

    # --- messages ------------------------------------------------------------------------------

    @workflow.query
    def state(self) -> OrderState:
        """The order's live state (the database projection shows the same stage)."""
        return OrderState(
            order_id=self.inp.order_id,
            stage=self.stage.value,
            revision=self.revision,
            held=self.held,
            awaiting_decision=self.awaiting_decision,
            production_started=self.production_started,
            work_orders=self.booking.work_orders if self.booking else [],
            completed_operations=sorted(self.completed_ops),
            eta=self.eta,
            promised_date=self.inp.promised_date,
            last_delay_notice=self.last_delay_notice,
        )

    @workflow.update
    async def decide(self, decision: Decision) -> OrderState:
        """A planner approves or rejects an order waiting at the approval gate."""
        self.decision = decision
        await workflow.wait_condition(lambda: not self.awaiting_decision)
        return self.state()

    @decide.validator
    def _validate_decide(self, decision: Decision) -> None:
        if not self.awaiting_decision:
            raise ApplicationError(f"the order is not waiting for approval (stage {self.stage.value})",
                                   type="NotAwaitingApproval")

    @workflow.update
    async def request_cancel(self, request: CancelRequest) -> OrderState:
        """Cancel the order; compensations run in reverse and the order ends ``cancelled``."""
        self.cancel = request
        return self.state()

    @request_cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        refusal = cancel_refusal(self.stage)
        if refusal:
            raise ApplicationError(refusal, type="CancelRefused")
        if self.cancel is not None:
            raise ApplicationError("the order is already being cancelled", type="CancelRefused")

    @workflow.update
    async def change_configuration(self, request: ChangeRequest) -> ChangeResult:
        """Change the configuration before production starts: re-plans, re-sources and re-books."""
        await self.steps.check_configuration(request)
        target = self.revision + 1
        self.change = request
        await workflow.wait_condition(lambda: self.revision >= target or self.cancel is not None)
        if self.cancel is not None:
            raise ApplicationError("the order was cancelled while the change was applied", type="ChangeRefused")
        return ChangeResult(revision=self.revision)

    @change_configuration.validator
    def _validate_change(self, request: ChangeRequest) -> None:
        if self.production_started or self.stage in PRODUCTION_STAGES:
            raise ApplicationError(
                "production has already started on this order; its configuration can no longer change",
                type="ChangeRefused",
            )
        if self.stage in (Stage.CANCELLED, Stage.REJECTED, Stage.FAILED):
            raise ApplicationError(f"the order is {self.stage.value}", type="ChangeRefused")
        if self.change is not None or self.cancel is not None:
            raise ApplicationError("another change or a cancel is in progress; try again shortly",
                                   type="ChangeRefused")

    @workflow.update
    async def hold(self, by: str) -> OrderState:
        """A planner holds the order: it stops at the next step until released."""
        self.held = True
        return self.state()

    @workflow.update
    async def release(self, by: str) -> OrderState:
        """A planner releases a held order."""
        self.held = False
        return self.state()

    @workflow.signal(name=Signals.BOOKED)
    def booked(self, result: BookingResult) -> None:
        """The plant scheduler booked this order's operations."""
        self.booking = result
        self.steps.on_schedule(result.production_finish, "booked")

    @workflow.signal(name=Signals.SCHEDULE_CHANGED)
    def schedule_changed(self, change: ScheduleChanged) -> None:
        """A reschedule moved this order's work orders."""
        if self.booking is not None:
            self.booking = BookingResult(order_id=change.order_id, work_orders=change.work_orders,
                                         production_finish=change.production_finish,
                                         method=self.booking.method)
        self.steps.on_schedule(change.production_finish, change.reason)

    @workflow.signal(name=Signals.MATERIALS_EXPECTED)
    def materials_expected(self, news: MaterialsExpected) -> None:
        """A sourcing child learned that its goods come after the need date: re-project the ETA now."""
        self.steps.on_materials_expected(news)

    @workflow.signal(name=Signals.WORK_ORDER_EVENT)
    def work_order_event(self, event: WorkOrderEvent) -> None:
        """A line reported a work order of this order starting, completing or stopping."""
        if event.kind == "started":
            self.production_started = True
        elif event.kind == "completed":
            self.production_started = True
            self.completed_ops.add(event.op_id)

    @workflow.signal(name=Signals.PRODUCTION_FINISHED)
    def production_finished(self, finished: ProductionFinished) -> None:
        """Every operation of this order completed (one signal for all, instead of one per work order)."""
        self.production_started = True
        self.completed_ops.update(finished.op_ids)


def _reason(exc: BaseException) -> str:
    cause: BaseException | None = exc
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    message = str(cause or exc) or exc.__class__.__name__
    return message[:500]

