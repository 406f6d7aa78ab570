"""Apply a batch's messages to the stored schedule, inside one database transaction.

Unbooks, the MES's statuses, line reports, line faults, planner commands and new bookings each change
work order rows here; the solver runs afterwards on the result: around the kept plan (new bookings,
faults, recoveries, re-issued work), or afresh (``reopen``: an unbook freed capacity, a planner asked).
Everything is idempotent, so a retried activity applies the same batch again harmlessly: a booking
whose work orders exist is a repeat, a fault recorded twice is one fault, and an abort re-releases its
operation only on the transition into ``aborted`` (committed together with the new attempt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.work_orders_repo import PlanState
from orchestrator.plant import Plant
from orchestrator.ports.mes import WorkOrderState, WorkOrderStatus
from workflows.contracts import BookingRequest, LineEventSignal, PlannerCommand, WorkOrderEvent, work_order_id
from workflows.scheduler.planning import booking_problems
from workflows.scheduler.types import SchedulerBatch

MES_STATES = {
    WorkOrderState.WAITING: PlanState.RELEASED,
    WorkOrderState.READY: PlanState.RELEASED,
    WorkOrderState.RUNNING: PlanState.RUNNING,
    WorkOrderState.HELD: PlanState.HELD,
    WorkOrderState.COMPLETED: PlanState.COMPLETED,
    WorkOrderState.ABORTED: PlanState.ABORTED,
    WorkOrderState.WITHDRAWN: PlanState.WITHDRAWN,
}
EVENT_STATES = {
    "started": PlanState.RUNNING,
    "resumed": PlanState.RUNNING,
    "held": PlanState.HELD,
    "completed": PlanState.COMPLETED,
    "aborted": PlanState.ABORTED,
}


@dataclass
class Applied:
    """What applying a batch did; ``reasons`` explain a reschedule to the orders it moves."""

    booked: list[str] = field(default_factory=list)
    new_bookings: list[str] = field(default_factory=list)
    unbooked: list[str] = field(default_factory=list)
    reissued: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    order_reasons: dict[str, list[str]] = field(default_factory=dict)
    events: list[NewEvent] = field(default_factory=list)
    replan: bool = False
    # Plan everything afresh (capacity was freed, or a planner asked), not just around the kept plan.
    reopen: bool = False

    def reason_for(self, order_id: str) -> str:
        """Why an order's plan changed, most specific first."""
        return "; ".join([*self.order_reasons.get(order_id, []), *self.reasons]) or "the schedule was revised"


class Ledger:
    """Applies one batch at plant time ``now``; ``key`` (the batch id) keys the events it records."""

    def __init__(self, conn: Connection, plant: Plant, now: datetime, key: str) -> None:
        self.conn, self.plant, self.now, self.key = conn, plant, now, key
        self.applied = Applied()
        self._aborted: list[WorkOrderRow] = []

    def apply(self, batch: SchedulerBatch, statuses: Sequence[WorkOrderStatus]) -> Applied:
        """Apply everything in the order that keeps it consistent; returns what was done."""
        for order_id in dict.fromkeys(batch.unbooks):
            self.unbook(order_id)
        for status in statuses:
            self.mes_status(status)
        for event in batch.work_order_events:
            self.line_report(event)
        for row in self._aborted:
            if row.order_id not in batch.unbooks:
                self.reissue(row)
        for line_event in batch.line_events:
            self.line_event(line_event)
        for command in batch.commands:
            self.command(command)
        for booking in batch.bookings:
            self.book(booking)
        return self.applied

    def _event(self, kind: str, suffix: str, payload: dict, order_id: str | None = None,
               line: str | None = None) -> None:
        self.applied.events.append(NewEvent(kind=kind, plant_time=self.now, order_id=order_id, line=line,
                                            payload=payload, dedupe_key=f"{self.key}:{kind}:{suffix}"[:200]))

    def _progress(self, row: WorkOrderRow, state: PlanState, **kw: object) -> None:
        result = repo.record_progress(self.conn, row.id, state, **kw)  # type: ignore[arg-type]
        if result is None:
            return
        after, before = result
        if state is PlanState.ABORTED and before is not PlanState.ABORTED:
            reason = (after.stop_reason or "").lower()
            # An order withdrawing its running work order aborts it too: that is no fault to redo.
            if "withdrawn" not in reason:
                self._aborted.append(after)

    # --- messages -------------------------------------------------------------------------------

    def unbook(self, order_id: str) -> None:
        """The order was cancelled or changed: its open work orders are withdrawn (capacity freed)."""
        withdrawn = []
        for row in repo.order_work_orders(self.conn, [order_id]):
            if PlanState(row.state) in repo.OPEN_STATES:
                repo.record_progress(self.conn, row.id, PlanState.WITHDRAWN, self.now, reason="order unbooked")
                withdrawn.append(row.id)
        self.applied.unbooked.append(order_id)
        self._event("unbooked", order_id, {"work_orders": withdrawn}, order_id=order_id)
        if withdrawn:  # its capacity is free: the others may move up
            self.applied.reasons.append(f"order {order_id} was withdrawn and freed its capacity")
            self.applied.replan = self.applied.reopen = True

    def mes_status(self, status: WorkOrderStatus) -> None:
        """Take over what the MES says a work order did (the MES is the truth about the floor)."""
        row = repo.get_work_order(self.conn, status.id)
        if row is None:
            return
        if (row.mes_state, row.mes_line) != (status.state.value, status.line):  # unchanged: no write
            repo.record_mes_view(self.conn, status.id, status.state.value, status.line)
        state = MES_STATES[status.state]
        if status.state.started and row.line != status.line:
            repo.update_work_order(self.conn, row.id, line=status.line)
        changed = state.value != row.state or (status.produced, status.defective) != (row.produced, row.defective)
        if changed and not (state is PlanState.RELEASED and row.state == PlanState.RELEASED):
            self._progress(row, state, at=self.now, produced=status.produced, defective=status.defective,
                           reason=status.stop_reason, actual_start=status.actual_start, actual_end=status.actual_end)

    def line_report(self, event: WorkOrderEvent) -> None:
        """A line monitor's report of a work order starting, holding, resuming, completing or aborting."""
        row = repo.get_work_order(self.conn, event.work_order_id)
        if row is None:
            self.applied.refused.append(f"work order event for unknown work order {event.work_order_id}")
            return
        if event.kind in ("started", "completed", "aborted", "held") and row.line != event.line:
            repo.update_work_order(self.conn, row.id, line=event.line)
        counts = event.kind in ("completed", "aborted") or event.produced > 0
        self._progress(row, EVENT_STATES[event.kind], at=event.at, reason=event.reason or None,
                       produced=event.produced if counts else None, defective=event.defective if counts else None)

    def reissue(self, aborted: WorkOrderRow) -> None:
        """Book an aborted operation again as the next attempt; released successors get new ids too,
        since the MES would keep them waiting for the aborted one for ever."""
        current = {r.op_id: r for r in repo.order_work_orders(self.conn, [aborted.order_id])}
        if current.get(aborted.op_id) is None or current[aborted.op_id].id != aborted.id:
            return  # already replaced
        remaining = max(1, aborted.quantity - aborted.produced)
        new = [self._next_attempt(aborted, remaining)]
        for op_id in _dependents(aborted.op_id, list(current.values())):
            successor = current[op_id]
            if successor.state == PlanState.RELEASED:
                repo.record_progress(self.conn, successor.id, PlanState.WITHDRAWN, self.now,
                                     reason=f"superseded: its predecessor {aborted.op_id} is made again")
                new.append(self._next_attempt(successor, successor.quantity))
        repo.insert_work_orders(self.conn, new)
        cause = aborted.stop_reason or "no reason given"
        why = f"work order {aborted.id} was aborted ({cause}); made again as {new[0].id}"
        self.applied.reissued.extend(r.id for r in new)
        self.applied.order_reasons.setdefault(aborted.order_id, []).append(why)
        self.applied.replan = True
        self._event("work_order_reissued", aborted.id, {"aborted": aborted.id, "new": [r.id for r in new],
                                                         "quantity": remaining, "message": why},
                    order_id=aborted.order_id, line=aborted.line)

    def _next_attempt(self, row: WorkOrderRow, quantity: int) -> WorkOrderRow:
        attempt = repo.next_attempt(self.conn, row.order_id, row.op_id)
        return WorkOrderRow(
            id=work_order_id(row.order_id, row.op_id, attempt), order_id=row.order_id, op_id=row.op_id,
            name=row.name, op_type=row.op_type, work_master=row.work_master, line=row.line,
            pinned_line=row.pinned_line, state=PlanState.PLANNED.value, quantity=quantity, priority=row.priority,
            setup_minutes=row.setup_minutes, run_minutes_per_unit=row.run_minutes_per_unit,
            predecessors=list(row.predecessors), attempt=attempt, release_at=row.release_at, due=row.due,
            created_at=repo.stamp(), updated_at=repo.stamp(),
        )

    def line_event(self, event: LineEventSignal) -> None:
        """A fault keeps new work off the line until its expected recovery; a recovery frees it."""
        if event.line not in self.plant.lines:
            self.applied.refused.append(f"line event for unknown line {event.line!r}")
            return
        current = repo.line_statuses(self.conn).get(event.line)
        if event.kind == "fault":
            line = self.plant.line(event.line)
            repair = timedelta(minutes=line.reliability.mttr_minutes or 30)
            until = event.expected_recovery or max(event.at, self.now) + repair
            repo.set_line_fault(self.conn, event.line, event.at, until, event.reason)
            why = f"line {event.line} is down ({event.reason or 'fault'}) until about {until:%Y-%m-%d %H:%M}"
            self._event("line_unavailable", f"{event.line}:{event.at.isoformat()}",
                        {"reason": event.reason, "until": until.isoformat(), "message": why}, line=event.line)
        else:
            if current is not None and current.fault_since is not None and current.fault_since > event.at:
                return  # a recovery from before the current fault began
            repo.clear_line_fault(self.conn, event.line)
            why = f"line {event.line} runs again"
            self._event("line_available", f"{event.line}:{event.at.isoformat()}", {"message": why}, line=event.line)
        self.applied.reasons.append(why)
        self.applied.replan = True

    def command(self, command: PlannerCommand) -> None:
        """A planner's reschedule, move or priority change."""
        if command.kind == "reschedule":
            self.applied.reasons.append(f"{command.requested_by} asked for a reschedule"
                                        + (f": {command.reason}" if command.reason else ""))
            self.applied.replan = True
            # The scheduler's own review of an overlong fault repairs the plan; a person wants it redone.
            self.applied.reopen = self.applied.reopen or command.requested_by != "scheduler"
            return
        row = repo.get_work_order(self.conn, command.work_order_id or "")
        problem = _command_problem(command, row, self.plant)
        suffix = f"{command.kind}:{command.work_order_id}:{command.line or command.priority}"
        if problem is not None or row is None:
            self.applied.refused.append(problem or "unknown work order")
            self._event("planner_command_refused", suffix, {**command.model_dump(), "problem": problem},
                        order_id=row.order_id if row else None)
            return
        if command.kind == "move":
            repo.update_work_order(self.conn, row.id, pinned_line=command.line)
            why = f"{command.requested_by} moved work order {row.id} to line {command.line}"
        else:
            for other in repo.order_work_orders(self.conn, [row.order_id]):
                if PlanState(other.state) in repo.OPEN_STATES:
                    repo.update_work_order(self.conn, other.id, priority=command.priority)
            why = f"{command.requested_by} set the priority of order {row.order_id} to {command.priority}"
        self.applied.order_reasons.setdefault(row.order_id, []).append(why)
        self.applied.reasons.append(why)
        self.applied.replan = self.applied.reopen = True
        self._event("planner_command", suffix, {**command.model_dump(), "message": why}, order_id=row.order_id,
                    line=command.line)

    def book(self, booking: BookingRequest) -> None:
        """Store an order's operations as planned work orders (a repeat is answered, not booked twice)."""
        problems = booking_problems(booking, self.plant)
        if problems:
            self.applied.refused.extend(problems)
            self._event("booking_refused", booking.order_id, {"problems": problems}, order_id=booking.order_id)
            return
        existing = [r for r in repo.order_work_orders(self.conn, [booking.order_id])
                    if r.state != PlanState.WITHDRAWN]
        if existing:
            self.applied.booked.append(booking.order_id)
            return
        rows = []
        for op in booking.operations:
            attempt = repo.next_attempt(self.conn, booking.order_id, op.op_id)
            rows.append(WorkOrderRow(
                id=work_order_id(booking.order_id, op.op_id, attempt), order_id=booking.order_id, op_id=op.op_id,
                name=op.name, op_type=op.op_type, work_master=op.work_master or f"{op.op_type}/{op.op_id}",
                line=self.plant.lines_for(op.op_type)[0].id, state=PlanState.PLANNED.value, quantity=op.quantity,
                priority=booking.priority, setup_minutes=op.setup_minutes,
                run_minutes_per_unit=op.run_minutes_per_unit, predecessors=list(op.predecessors), attempt=attempt,
                release_at=booking.release_at, due=booking.due, created_at=repo.stamp(), updated_at=repo.stamp(),
            ))
        repo.insert_work_orders(self.conn, rows)
        self.applied.booked.append(booking.order_id)
        self.applied.new_bookings.append(booking.order_id)
        self.applied.replan = True


def _command_problem(command: PlannerCommand, row: WorkOrderRow | None, plant: Plant) -> str | None:
    if row is None:
        return f"work order {command.work_order_id!r} is unknown"
    state = PlanState(row.state)
    if command.kind == "move":
        if state.started or state.finished:
            return f"work order {row.id} is {state.value}; only work orders that have not started can move"
        if command.line not in plant.lines:
            return f"line {command.line!r} is unknown; lines: {', '.join(plant.line_ids)}"
        if not plant.line(command.line).can_do(row.op_type):
            capable = [line.id for line in plant.lines_for(row.op_type)]
            return f"line {command.line} cannot do {row.op_type}; capable lines: {', '.join(capable)}"
    elif command.kind == "priority":
        if command.priority is None or command.priority < 0:
            return f"priority must be a number >= 0, got {command.priority}"
        if state.finished:
            return f"work order {row.id} is {state.value}"
    return None


def _dependents(op_id: str, rows: Sequence[WorkOrderRow]) -> list[str]:
    """Operations of the order that wait, directly or not, for ``op_id``."""
    found: list[str] = []
    frontier = [op_id]
    while frontier:
        current = frontier.pop()
        for r in rows:
            if current in r.predecessors and r.op_id not in found:
                found.append(r.op_id)
                frontier.append(r.op_id)
    return found
