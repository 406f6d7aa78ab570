"""The order's steps, each a few activity calls with explicit timeouts and retries.

Kept apart from the workflow class so that the messages (queries, updates, signals) and the path read
separately. Everything here runs inside the workflow sandbox: deterministic code only.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from orchestrator.orders.delay import delay_notice
    from orchestrator.orders.fulfilment import projected_delivery
    from orchestrator.orders.promising import PromisePolicy, materials_needed_by, work_time
    from orchestrator.orders.stages import Stage
    from workflows.contracts import BookingRequest, MaterialsExpected, SourcingInput, SourcingResult
    from workflows.order.activities import OrderActivities
    from workflows.order.types import (
        CancelRequest,
        ChangeRequest,
        CompensationOutcome,
        CustomerNotice,
        OrderEventRecord,
        OrderPlan,
        PlanRequest,
        ReserveRequest,
        StageUpdate,
        WithdrawRequest,
    )

if TYPE_CHECKING:
    from workflows.order.workflow import OrderWorkflow

LOCAL_TIMEOUT = timedelta(seconds=15)
LOCAL_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=5), non_retryable_error_types=["Invalid"])
REMOTE_TIMEOUT = timedelta(seconds=30)
REMOTE_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=10), non_retryable_error_types=["Invalid"])
NOTIFY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=2))
BOOKING_WAIT = timedelta(seconds=60)
# Each unanswered ask waits twice as long as the one before, up to this: a scheduler busy with a burst of
# bookings is not sent the same booking every minute (a timer's length is no part of the command sequence).
BOOKING_WAIT_MAX = timedelta(minutes=8)
# Wall time the completion safety net waits at least: a day of plant time is seconds on a fast plant clock,
# less than the line monitors' signals may lag under load, and each early look costs an activity.
SILENCE_FLOOR = timedelta(minutes=15)
# Plant time from goods arriving to their use on the line: the allowance the promise planned with.
RECEIVING_ALLOWANCE = PromisePolicy().receiving
ENDED = {Stage.CANCELLED, Stage.REJECTED, Stage.FAILED, Stage.DELIVERED}


class OrderSteps:
    """The path of one order, bound to its workflow's state."""

    def __init__(self, wf: OrderWorkflow) -> None:
        self.wf = wf
        self.inp = wf.inp
        self.clock = wf.inp.clock
        self.options = dict(wf.inp.options)
        self.quantity = wf.inp.quantity
        self.notices: list[asyncio.Task[None]] = []
        # While sourcing children run: their need ids, the work time to add after the goods, and the
        # latest delivery each has announced (see ``on_materials_expected``).
        self.open_needs: set[str] = set()
        self.work_time = timedelta(0)
        self.expected: dict[str, datetime] = {}

    # --- the path ------------------------------------------------------------------------------

    async def fulfil(self, revision: int) -> None:
        """Approval, plan, materials, booking, production, then quality check to delivery."""
        if self.inp.approval_reasons and self.wf.decision is None:
            await self.approval_gate()  # a change made while waiting keeps the order at the gate
        await self.wait_not_held()
        plan = await workflow.execute_local_activity_method(
            OrderActivities.plan_order,
            PlanRequest(order_id=self.inp.order_id, sku=self.inp.sku, options=self.options,
                        quantity=self.quantity, revision=revision),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )
        self.wf.stage = Stage.PLANNED
        await self.materials(plan, revision)
        await self.wait_not_held()
        await self.book(plan, revision)
        await self.production()
        await self.after_production()

    async def approval_gate(self) -> None:
        wf = self.wf
        wf.awaiting_decision = True
        await self.set_stage(Stage.AWAITING_APPROVAL, {"reasons": self.inp.approval_reasons}, "approval")
        escalate_after = self.clock.wall_timedelta(timedelta(hours=self.inp.policy.approval_escalation_hours))
        try:
            await workflow.wait_condition(lambda: wf.decision is not None, timeout=escalate_after)
        except TimeoutError:
            await self.record("approval_escalated", {
                "message": "nobody has decided on this order yet; escalated to the planning lead",
                "waiting_hours": self.inp.policy.approval_escalation_hours}, "escalated")
            await workflow.wait_condition(lambda: wf.decision is not None)
        decision = wf.decision
        assert decision is not None
        await self.record("approval_decided", {"approved": decision.approve, "comment": decision.comment,
                                               "by": decision.by}, "decided")
        wf.awaiting_decision = False
        if not decision.approve:
            raise Rejected(decision.comment or "rejected by a planner")

    async def materials(self, plan: OrderPlan, revision: int) -> None:
        """Reserve stock; buy each shortage through its own sourcing child workflow."""
        oid = self.inp.order_id
        self.wf.saga.push("release_reservations", self.release_reservations)
        reserved = await workflow.execute_local_activity_method(
            OrderActivities.reserve_materials,
            ReserveRequest(order_id=oid, materials=plan.materials, revision=revision),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )
        if reserved.shortages:
            await self.set_stage(Stage.SOURCING, {"shortages": [s.model_dump() for s in reserved.shortages]},
                                 f"sourcing-r{revision}")
            need_by = self.materials_needed_by(plan)
            needs = {s.item: f"{oid}-r{revision}-{s.item}" for s in reserved.shortages}
            children = [
                workflow.execute_child_workflow(
                    "Sourcing",
                    SourcingInput(order_id=oid, need_id=needs[s.item], item=s.item,
                                  quantity=s.quantity, unit=s.unit, need_by=need_by, clock=self.clock),
                    id=f"{oid}-r{revision}-src-{s.item}",
                    result_type=SourcingResult,
                )
                for s in reserved.shortages
            ]
            self.open_needs, self.work_time, self.expected = set(needs.values()), work_time(plan.operations), {}
            try:
                results = await asyncio.gather(*children)
            finally:
                self.open_needs = set()  # the goods are in (or the step ended): booking gives the real finish
            missing = [r for r in results if r.outcome != "received"]
            if missing:
                raise ApplicationError(
                    "materials could not be sourced: "
                    + "; ".join(f"{r.item}: {r.reason or r.outcome}" for r in missing),
                    type="MaterialsUnavailable", non_retryable=True,
                )
        await self.set_stage(Stage.MATERIALS_RESERVED,
                             {"reserved": [m.model_dump() for m in reserved.reserved],
                              "bought": [s.model_dump() for s in reserved.shortages]}, f"materials-r{revision}")

    async def book(self, plan: OrderPlan, revision: int) -> None:
        """Ask the plant scheduler for slots; it answers with a ``booked`` signal."""
        wf = self.wf
        wf.booking = None
        request = BookingRequest(order_id=self.inp.order_id, operations=plan.operations,
                                 release_at=self.plant_now(), due=self.production_due(), priority=self.inp.priority)
        self.wf.saga.push("withdraw_work_orders", self.withdraw_work_orders)
        wait = BOOKING_WAIT
        while wf.booking is None:
            await workflow.execute_activity_method(
                OrderActivities.request_booking, request,
                start_to_close_timeout=REMOTE_TIMEOUT, retry_policy=REMOTE_RETRY,
            )
            try:
                await workflow.wait_condition(lambda: wf.booking is not None, timeout=wait)
            except TimeoutError:
                wait = min(wait * 2, BOOKING_WAIT_MAX)
                workflow.logger.warning("no booking answer yet for %s; asking again", self.inp.order_id)
        booking = wf.booking
        await self.set_stage(Stage.SCHEDULED, {"work_orders": [w.model_dump(mode="json") for w in booking.work_orders],
                                               "method": booking.method}, f"scheduled-r{revision}")

    async def production(self) -> None:
        """Wait for every operation to complete; the first start moves the order into production.

        Entering production issues the reserved materials to it (in the milestone's own call); from then
        on the saga's ``release_reservations`` finds nothing to give back.
        """
        wf = self.wf
        op_ids = {w.op_id for w in wf.booking.work_orders} if wf.booking else set()
        await workflow.wait_condition(lambda: wf.production_started or op_ids <= wf.completed_ops)
        issue = workflow.patched("issue-reserved-materials")  # histories from before the goods issue replay
        await self.set_stage(Stage.IN_PRODUCTION, {}, "in_production", issue_materials=issue)
        while not op_ids <= wf.completed_ops:
            try:
                await workflow.wait_condition(lambda: op_ids <= wf.completed_ops, timeout=self.silence_limit())
            except TimeoutError:
                # Safety net for a lost completion signal: ask the MES once, then keep waiting.
                done = await workflow.execute_activity_method(
                    OrderActivities.completed_operations, self.inp.order_id,
                    start_to_close_timeout=REMOTE_TIMEOUT, retry_policy=REMOTE_RETRY,
                )
                wf.completed_ops.update(done)

    async def after_production(self) -> None:
        times = self.inp.policy.fulfilment()
        await self.set_stage(Stage.QUALITY_CHECK, {}, "qc")
        await workflow.sleep(self.clock.wall_timedelta(times.quality_check))
        await self.set_stage(Stage.PACKED, {}, "packed")
        await workflow.sleep(self.clock.wall_timedelta(times.packing))
        self.wf.saga.steps.clear()  # the goods leave the plant: nothing left to undo
        await self.set_stage(Stage.SHIPPED, {"carrier": "plant logistics"}, "shipped")
        await workflow.sleep(self.clock.wall_timedelta(times.transit))
        await self.set_stage(Stage.DELIVERED, {}, "delivered")

    # --- endings -------------------------------------------------------------------------------

    async def finish_cancelled(self, request: CancelRequest) -> None:
        await self.compensate("cancel")
        await self.set_stage(Stage.CANCELLED, {"reason": request.reason, "by": request.by}, "cancelled",
                             reason=request.reason)

    async def finish_failed(self, reason: str) -> None:
        await self.compensate("failure")
        await self.set_stage(Stage.FAILED, {"reason": reason}, "failed", reason=reason)

    async def finish_rejected(self, comment: str) -> None:
        await self.compensate("reject")
        await self.set_stage(Stage.REJECTED, {"comment": comment}, "rejected", reason=comment)

    async def apply_change(self) -> None:
        """Undo the current revision's plan, then start over from planning with the new configuration."""
        change = self.wf.change
        assert change is not None
        await self.compensate(f"change-r{self.wf.revision}")
        self.options = dict(change.options)
        self.quantity = change.quantity or self.quantity
        self.wf.revision += 1
        self.wf.change = None
        self.wf.booking = None
        self.wf.completed_ops.clear()
        await self.record("configuration_changed", {"options": self.options, "quantity": self.quantity,
                                                    "revision": self.wf.revision}, f"changed-r{self.wf.revision}")

    async def compensate(self, why: str) -> None:
        outcomes = await self.wf.saga.unwind()
        for i, outcome in enumerate(outcomes):
            await self.record("compensation", outcome.model_dump(), f"comp-{why}-{i}-{outcome.step}")

    async def release_reservations(self) -> CompensationOutcome:
        return await workflow.execute_local_activity_method(
            OrderActivities.release_reservations, self.inp.order_id,
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )

    async def withdraw_work_orders(self) -> CompensationOutcome:
        ids = [w.work_order_id for w in self.wf.booking.work_orders] if self.wf.booking else []
        return await workflow.execute_activity_method(
            OrderActivities.withdraw_work_orders, WithdrawRequest(order_id=self.inp.order_id, work_order_ids=ids),
            start_to_close_timeout=REMOTE_TIMEOUT, retry_policy=REMOTE_RETRY,
        )

    async def check_configuration(self, request: ChangeRequest) -> None:
        await workflow.execute_local_activity_method(
            OrderActivities.check_configuration,
            PlanRequest(order_id=self.inp.order_id, sku=self.inp.sku, options=request.options,
                        quantity=request.quantity or self.quantity),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )

    # --- recording, ETA and delay notices ------------------------------------------------------

    async def set_stage(self, stage: Stage, payload: dict, key: str, reason: str | None = None,
                        issue_materials: bool = False) -> None:
        self.wf.stage = stage
        await workflow.execute_local_activity_method(
            OrderActivities.record_stage,
            StageUpdate(order_id=self.inp.order_id, stage=stage.value, plant_time=self.plant_now(),
                        payload=payload, eta=self.wf.eta, reason=reason, dedupe_key=f"{self.inp.order_id}:{key}",
                        issue_materials=issue_materials),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )

    async def record(self, kind: str, payload: dict, key: str) -> None:
        await workflow.execute_local_activity_method(
            OrderActivities.record_event,
            OrderEventRecord(order_id=self.inp.order_id, kind=kind, plant_time=self.plant_now(), payload=payload,
                             dedupe_key=f"{self.inp.order_id}:{key}", eta=self.wf.eta),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )

    def on_schedule(self, production_finish: datetime, why: str) -> None:
        """A new projected finish: update the ETA and tell the customer at once if it slipped."""
        policy = self.inp.policy
        self.wf.eta = projected_delivery(production_finish, policy.fulfilment())
        notice = delay_notice(self.inp.promised_date, self.wf.eta, self.wf.last_delay_notice,
                              timedelta(hours=policy.delay_margin_hours))
        if notice is None:
            return
        self.wf.last_delay_notice = notice.new_date
        payload = {"message": notice.message, "new_date": notice.new_date.isoformat(),
                   "promised_date": notice.promised_date.isoformat(),
                   "late_by_hours": round(notice.late_by.total_seconds() / 3600, 1), "why": why}
        self.notices.append(asyncio.create_task(self.announce_delay(payload)))

    def on_materials_expected(self, news: MaterialsExpected) -> None:
        """A sourcing child says its goods come after the need date: project the finish from the latest
        expected goods plus the order's work, and let the delay rule decide at once whether the customer
        must hear of it, rather than after the goods arrive and the work is booked.

        Runs in a signal handler: no awaiting here; a notice goes out as its own task. News of a need
        that is no longer sourced (received, an older revision's, a cancelled order's) is stale.
        """
        if news.need_id not in self.open_needs or self.wf.production_started or self.wf.stage in ENDED:
            return
        self.expected[news.need_id] = max(news.expected_delivery,
                                          self.expected.get(news.need_id, news.expected_delivery))
        self.on_schedule(max(self.expected.values()) + RECEIVING_ALLOWANCE + self.work_time, news.why)

    async def announce_delay(self, payload: dict) -> None:
        key = f"delay-{payload['new_date']}"
        await self.record("delay", payload, key)
        if self.inp.notify_url:
            await workflow.execute_activity_method(
                OrderActivities.notify_customer,
                CustomerNotice(order_id=self.inp.order_id, notify_url=self.inp.notify_url, kind="delay",
                               payload=payload, idempotency_key=f"{self.inp.order_id}:{key}"),
            start_to_close_timeout=timedelta(seconds=15), schedule_to_close_timeout=timedelta(hours=1),
            retry_policy=NOTIFY_RETRY)

    async def wait_not_held(self) -> None:
        if self.wf.held:
            await self.record("held", {}, f"held-{workflow.now().timestamp()}")
            await workflow.wait_condition(lambda: not self.wf.held)
            await self.record("released", {}, f"released-{workflow.now().timestamp()}")

    def plant_now(self) -> datetime:
        return self.clock.plant_at(workflow.now())

    def materials_needed_by(self, plan: OrderPlan) -> datetime:
        """When bought materials must arrive for production to end by its due time (at least a day out):
        the rule the promise simulation plays too (``orders.promising``)."""
        return materials_needed_by(self.inp.promised_date, self.inp.policy.fulfilment().after_production(),
                                   work_time(plan.operations), self.plant_now())

    def production_due(self) -> datetime:
        return self.inp.promised_date - self.inp.policy.fulfilment().after_production()

    def silence_limit(self) -> timedelta:
        """How long to wait for completions before asking the MES directly (plant ETA + a day, in wall time
        at least ``SILENCE_FLOOR``). A timer's length is no part of the command sequence: histories replay."""
        finish = self.wf.booking.production_finish if self.wf.booking else self.plant_now()
        plant_wait = max(finish - self.plant_now(), timedelta(hours=1)) + timedelta(hours=24)
        return max(self.clock.wall_timedelta(plant_wait), SILENCE_FLOOR)


class Rejected(Exception):
    """The planner said no: the order ends ``rejected`` rather than ``failed``."""

    def __init__(self, comment: str) -> None:
        super().__init__(comment)
        self.comment = comment
