"""The plant scheduler's activities: one batch = look at the MES, apply, solve, push, tell the orders.

``solve_and_release`` is the one activity per batch: it reads what the MES reports, applies the
batch's messages to the stored schedule (:mod:`.ledger`, bookings completed from the orders' stored
plans by :mod:`.plans`), solves when something changed the plan (CP-SAT under a time limit, with the
dispatching-rule fallback for large instances), writes the planned windows, brings the MES in line
(:mod:`.mes_push`), and tells each order what concerns it (:mod:`.telling`; given no Temporal client,
it returns the notices for the workflow to send). The schedule lives in the database; only ids, counts
and a summary travel through workflow history.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.events import NewEvent, append_events
from orchestrator.persistence.tables.plant import LineStatusRow, WorkOrderRow
from orchestrator.plant import Plant
from orchestrator.ports.mes import MesError, MesPort, WorkOrderStatus
from orchestrator.scheduling import Schedule, ScheduleRequestError, schedule
from orchestrator.services.plant_planning import (
    LineFault,
    SolverSettings,
    build_request,
    next_fault_review,
    planned_windows,
    schedulable,
)
from workflows.contracts import ClockSpec
from workflows.heartbeat import heartbeating
from workflows.scheduler.ledger import Applied, Ledger
from workflows.scheduler.mes_push import MesPush, PushReport
from workflows.scheduler.notices import NOTICE_THRESHOLD, booking_result, change_notice
from workflows.scheduler.plans import with_operations
from workflows.scheduler.stopwatch import Stopwatch
from workflows.scheduler.telling import tell_orders
from workflows.scheduler.types import BatchOutcome, OrderNotice, SchedulerBatch

log = logging.getLogger("c2m.scheduler")
T = TypeVar("T")

# PackML states in which a line is not working because of a stop (Held, Aborted, Stopped, ...).
_STOPPED_STATES = {2, 8, 9, 10, 11}
# Work order ids an outcome lists per kind, for the record (its summary counts them all).
LISTED = 50


@dataclass
class Solved:
    """A solve's schedule (None when there was nothing to place) and notes about left-out work."""

    schedule: Schedule | None
    notes: list[str] = field(default_factory=list)


class SchedulerActivities:
    """Activities of ``PlantSchedulerWorkflow``; one instance per worker, given its ports.

    With ``temporal`` (a client factory) the activity tells the orders itself; without it the notices go
    back to the workflow, which signals them.
    """

    def __init__(
        self,
        engine: Engine,
        plant: Plant,
        mes: MesPort,
        clock: ClockSpec,
        solver: SolverSettings | None = None,
        notice_threshold: timedelta = NOTICE_THRESHOLD,
        temporal: Callable[[], Awaitable[Client]] | None = None,
    ) -> None:
        self.engine, self.plant, self.mes, self.clock = engine, plant, mes, clock
        self.solver = solver or SolverSettings()
        self.notice_threshold = notice_threshold
        self.temporal = temporal
        self.sent_queues: dict[str, tuple[str, ...]] = {}  # each line's queue as last resequenced at the MES

    @activity.defn(name="scheduler.solve_and_release")
    async def solve_and_release(self, batch: SchedulerBatch) -> BatchOutcome:
        """Apply a batch, re-plan if it changes the plan, push the plan to the MES, and say whom to tell.

        Heartbeats while it runs: a worker killed mid-batch gives the batch to another within the
        workflow's heartbeat timeout, not after the batch's whole timeout."""
        async with heartbeating():
            return await self._solve_and_release(batch)

    async def _solve_and_release(self, batch: SchedulerBatch) -> BatchOutcome:
        now = self.clock.plant_at_now()
        steps = Stopwatch()
        live = await asyncio.to_thread(self._live_ids)
        statuses = await self._mes(lambda: self.mes.statuses(live)) if live else []
        steps.lap("statuses")
        applied = await asyncio.to_thread(self._apply, batch, statuses, now)
        steps.lap("apply")
        solved = None
        if applied.replan or await asyncio.to_thread(self._unplanned):
            solved = await asyncio.to_thread(self._solve, now, not applied.reopen)
        steps.lap("solve")
        push = MesPush(self.engine, self.mes, self.sent_queues)
        report = await self._mes(lambda: push.run(resequence=False))
        steps.lap("push")
        outcome = await asyncio.to_thread(self._conclude, batch, applied, solved, report, now)
        outcome.review_at = await asyncio.to_thread(self._next_review, now)
        steps.lap("conclude")
        if self.temporal is not None and outcome.notices:
            told = await tell_orders(await self.temporal(), outcome.notices)
            outcome.summary += f"; {told} of {len(outcome.notices)} signalled"
            outcome.notices = []
            steps.lap("tell")
        if solved is not None:
            # Last: the orders' answers need their work orders at the MES, not the queues in planned order.
            await self._mes(push.resequence_queues)
            steps.lap("resequence")
        outcome.summary += f" ({steps}; MES: {report.steps})"
        log.info("scheduler batch %s: %d bookings, %d statuses asked: %s", batch.batch_id, len(batch.bookings),
                 len(live), outcome.summary)
        return outcome

    @activity.defn(name="scheduler.record_work_order_events")
    async def record_work_order_events(self, batch: SchedulerBatch) -> BatchOutcome:
        """Record line reports (started, held, resumed, completed) that need no new plan."""
        now = self.clock.plant_at_now()
        applied = await asyncio.to_thread(self._apply, batch, [], now)
        await asyncio.to_thread(self._append, applied.events)
        return BatchOutcome(refused=applied.refused,
                            summary=f"recorded {len(batch.work_order_events)} work order event(s)")

    def all(self) -> list[Callable]:
        """Every activity of this class, for the worker."""
        return [self.solve_and_release, self.record_work_order_events]

    # --- steps ----------------------------------------------------------------------------------

    async def _mes(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except MesError as exc:  # unavailable or unreadable: try again later (the push is repeatable)
            raise ApplicationError(f"MES: {exc}", type="MesUnavailable") from exc

    def _live_ids(self) -> list[str]:
        """Work orders to ask the MES about: those it holds unfinished, except those whose line reported them
        completed (the MES has nothing to add about those)."""
        with self.engine.connect() as conn:
            return [r.id for r in repo.live_at_mes(conn) if r.state != repo.PlanState.COMPLETED]

    def _unplanned(self) -> bool:
        with self.engine.connect() as conn:
            return any(r.planned_start is None for r in repo.open_work_orders(conn))

    def _apply(self, batch: SchedulerBatch, statuses: Sequence[WorkOrderStatus], now: datetime) -> Applied:
        with self.engine.begin() as conn:
            if batch.bookings:
                batch = batch.model_copy(update={"bookings": with_operations(conn, batch.bookings)})
            return Ledger(conn, self.plant, now, batch.batch_id).apply(batch, statuses)

    def _solve(self, now: datetime, keep_planned: bool) -> Solved:
        """Plan the open work orders: around the planned windows kept (``keep_planned``: only new work, work
        on a faulted line and what follows it move), or afresh. Keeping the plan keeps a solve small however
        many orders are in flight, and tells no order of a change it did not cause."""
        with self.engine.connect() as conn:
            rows = repo.open_work_orders(conn)
            faults = self._faults(repo.line_statuses(conn), now)
        rows, notes = schedulable(rows, self.plant)
        if not rows:
            return Solved(None, notes)
        request = build_request(rows, self.plant, faults, now, self.solver, keep_planned)
        try:
            result = schedule(request)
        except ScheduleRequestError as exc:  # a bug in what we stored: retrying cannot help
            raise ApplicationError(str(exc), exc.problems, type="InvalidScheduleRequest", non_retryable=True) from exc
        current = {r.id: (r.line, r.planned_start, r.planned_end) for r in rows}
        changed = [w for w in planned_windows(result, rows) if current.get(w.work_order_id) != (w.line, w.start, w.end)]
        with self.engine.begin() as conn:
            repo.write_plan(conn, changed)
        log.info("solved %d operations (%s) with %s in %.2f s, %d windows changed (weighted tardiness %.0f, "
                 "makespan %.0f min)", len(rows), "around the plan" if keep_planned else "afresh", result.method,
                 result.solve_seconds, len(changed), result.weighted_tardiness, result.makespan_minutes)
        return Solved(result, notes)

    def _next_review(self, now: datetime) -> datetime | None:
        with self.engine.connect() as conn:
            return next_fault_review(self.plant, self._faults(repo.line_statuses(conn), now), now)

    def _faults(self, statuses: dict[str, LineStatusRow], now: datetime) -> dict[str, LineFault]:
        """Open fault windows; one whose expected recovery passed while the line monitor already shows the
        line working again counts as over (a lost ``recovered`` signal must not block a line for ever)."""
        faults = {}
        for line, s in statuses.items():
            if s.fault_until is None:
                continue
            since = s.fault_since or now
            healthy = (s.state is not None and s.state not in _STOPPED_STATES and not s.stop_reason
                       and s.last_message_at is not None and s.last_message_at > since)
            if s.fault_until <= now and healthy:
                continue
            faults[line] = LineFault(line, since, s.fault_until, s.fault_reason or "")
        return faults

    def _conclude(
        self, batch: SchedulerBatch, applied: Applied, solved: Solved | None, report: PushReport, now: datetime
    ) -> BatchOutcome:
        """Work out whom to tell what, remember that they were told, and record the plant's events."""
        method = str(solved.schedule.method) if solved and solved.schedule else ""
        events = list(applied.events)
        notices: list[OrderNotice] = []
        with self.engine.begin() as conn:
            orders = {r.order_id for r in repo.open_work_orders(conn)} | set(applied.booked)
            by_order: dict[str, dict[str, WorkOrderRow]] = defaultdict(dict)
            told_before: set[str] = set()
            for r in repo.order_work_orders(conn, sorted(orders), current_only=False):
                by_order[r.order_id][r.op_id] = r  # by attempt: the latest one stays
                if r.notified_end is not None:
                    told_before.add(r.order_id)
            told: list[WorkOrderRow] = []
            for order_id in sorted(orders):
                rows = list(by_order.get(order_id, {}).values())
                notice = self._notice(order_id, rows, applied, method, order_id in told_before)
                if notice is None:
                    continue
                notices.append(notice)
                told.extend(r for r in rows if r.state != repo.PlanState.WITHDRAWN)
                if notice.changed is not None:
                    events.append(_rescheduled_event(batch.batch_id, notice, rows, now))
            repo.mark_notified(conn, told)
            if solved is not None:
                events.append(_solved_event(batch.batch_id, applied, solved, report, len(notices), now))
            append_events(conn, events)
        refused = [*applied.refused, *report.problems, *(solved.notes if solved else [])]
        for problem in refused:
            log.warning("scheduler: %s", problem)
        summary = (f"{len(applied.new_bookings)} booked, {len(report.released)} released, {len(report.moved)} moved, "
                   f"{len(report.withdrawn)} withdrawn, {len(applied.reissued)} re-issued, {len(notices)} orders told"
                   + (f"; solved with {method}" if method else ""))
        return BatchOutcome(solved=solved is not None and solved.schedule is not None, method=method, notices=notices,
                            released=report.released[:LISTED], moved=report.moved[:LISTED],
                            withdrawn=report.withdrawn[:LISTED], reissued=applied.reissued[:LISTED],
                            refused=refused[:LISTED], summary=summary)

    def _notice(self, order_id: str, rows: list[WorkOrderRow], applied: Applied, method: str,
                told_before: bool) -> OrderNotice | None:
        if order_id in applied.booked:
            result = booking_result(order_id, rows, method)
            return None if result is None else OrderNotice(order_id=order_id, booked=result)
        changed = change_notice(order_id, rows, applied.reason_for(order_id), self.notice_threshold, told_before)
        return None if changed is None else OrderNotice(order_id=order_id, changed=changed)

    def _append(self, events: list[NewEvent]) -> None:
        with self.engine.begin() as conn:
            append_events(conn, events)


def _rescheduled_event(key: str, notice: OrderNotice, rows: list[WorkOrderRow], now: datetime) -> NewEvent:
    changed = notice.changed
    assert changed is not None
    moved = [r for r in rows if r.notified_line is not None and r.line != r.notified_line]
    return NewEvent(
        kind="rescheduled", plant_time=now, order_id=notice.order_id, line=moved[0].line if moved else None,
        payload={"reason": changed.reason, "production_finish": changed.production_finish.isoformat(),
                 "work_orders": [w.model_dump(mode="json") for w in changed.work_orders],
                 "moved": [{"work_order_id": r.id, "from_line": r.notified_line, "to_line": r.line} for r in moved]},
        dedupe_key=f"{key}:rescheduled:{notice.order_id}"[:200],
    )


def _solved_event(key: str, applied: Applied, solved: Solved, report: PushReport, told: int,
                  now: datetime) -> NewEvent:
    result = solved.schedule
    payload: dict = {"reasons": applied.reasons, "booked": applied.new_bookings, "released": len(report.released),
                     "moved": report.moved, "withdrawn": len(report.withdrawn), "reissued": applied.reissued,
                     "orders_told": told, "notes": solved.notes}
    if result is not None:
        payload |= {"method": str(result.method), "solve_seconds": round(result.solve_seconds, 3),
                    "operations": len(result.assignments), "weighted_tardiness": result.weighted_tardiness,
                    "makespan_minutes": result.makespan_minutes, "explanation": list(result.explanation[:6])}
    return NewEvent(kind="schedule_solved", plant_time=now, payload=payload, dedupe_key=f"{key}:schedule_solved")
