"""The plant schedule request from open work orders: lines with their downtime, operations with what
fixes them, and the figures the MES needs. Shared by the plant scheduler and the live promise."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.work_orders_repo import PlannedWindow, PlanState
from orchestrator.plant import Plant
from orchestrator.scheduling import (
    AssignmentState,
    Downtime,
    DowntimeKind,
    Line,
    Operation,
    Placement,
    Schedule,
    ScheduleRequest,
    Started,
)

# How far ahead shift calendars are turned into downtime: beyond it a line counts as always working.
CALENDAR_HORIZON = timedelta(days=14)
# A fault whose expected recovery has passed without a recovery keeps the line out this much longer.
DEFAULT_REPAIR = timedelta(minutes=30)


@dataclass(frozen=True)
class LineFault:
    """A line the scheduler plans no work on before ``until``."""

    line: str
    since: datetime
    until: datetime
    reason: str = ""


@dataclass(frozen=True)
class SolverSettings:
    """How hard and how far ahead to plan."""

    time_limit_seconds: float = 3.0
    frozen_window_minutes: float = 60.0
    num_workers: int = 2


def op_key(order_id: str, op_id: str) -> str:
    """The request's operation id for an order's operation."""
    return f"{order_id}.{op_id}"


def weight_of(priority: int) -> float:
    """Job weight from an order priority: 0 (normal) weighs 1, each step of priority one more."""
    return 1.0 + max(0, priority)


def nominal_seconds(minutes: float) -> float:
    """Plant seconds at the line's nominal speed (the line itself divides by its speed factor)."""
    return round(minutes * 60.0, 3)


def plant_lines(plant: Plant, faults: Mapping[str, LineFault], now: datetime) -> tuple[Line, ...]:
    """The scheduler's lines: capabilities, speed, shift gaps ahead, and open fault windows."""
    lines = []
    for line in plant.lines.values():
        downtime = list(_shift_gaps(plant, line.id, now))
        fault = faults.get(line.id)
        if fault is not None:
            downtime.append(Downtime(min(fault.since, now), fault_window_end(plant, fault, now), DowntimeKind.FAULT,
                                     fault.reason))
        lines.append(Line(line.id, frozenset(str(c) for c in line.capabilities), line.speed_factor, tuple(downtime)))
    return tuple(lines)


def fault_window_end(plant: Plant, fault: LineFault, now: datetime) -> datetime:
    """When a faulted line is expected back. Once the first estimate has passed with the line still down,
    the line is expected to stay down at least as long again as it has been (at least one mean repair time):
    the longer a stop lasts, the longer it is likely to last, so projections and delay notices move early."""
    if fault.until > now:
        return fault.until
    repair = timedelta(minutes=plant.line(fault.line).reliability.mttr_minutes) or DEFAULT_REPAIR
    return now + max(repair, now - fault.since)


def next_fault_review(plant: Plant, faults: Mapping[str, LineFault], now: datetime) -> datetime | None:
    """The earliest expected recovery among faulted lines: when the plan must be looked at again."""
    ends = [fault_window_end(plant, fault, now) for fault in faults.values()]
    return min(ends) if ends else None


def _shift_gaps(plant: Plant, line_id: str, now: datetime) -> Iterable[Downtime]:
    end = now + CALENDAR_HORIZON
    t = now
    for window in plant.calendar_for(line_id).working_windows(now, end):
        if window.start > t:
            yield Downtime(t, window.start, DowntimeKind.SHIFT, "outside shifts")
        t = max(t, window.end)
    if t < end:
        yield Downtime(t, end, DowntimeKind.SHIFT, "outside shifts")


def operations_of(
    rows: Sequence[WorkOrderRow], now: datetime, frozen_window_minutes: float,
    unavailable: Collection[str] = frozenset(), keep_planned: bool = False,
) -> tuple[Operation, ...]:
    """One operation per open work order.

    Running and held work orders are fixed where the line took them; released ones planned to start
    within the frozen window keep their line and start, unless a planner pinned them elsewhere or
    their line is ``unavailable`` (faulted: waiting work must be free to go to another line, even
    work whose planned start has passed). With ``keep_planned`` every work order that has a planned
    window keeps it on the same terms, wherever it lies: only new work (and work on an unavailable
    line, and what must follow it) is placed, around the plan. Predecessors already finished are left
    out: their constraint is met.
    """
    open_keys = {op_key(r.order_id, r.op_id) for r in rows}
    window_end = now + timedelta(minutes=frozen_window_minutes)
    kept_states = (PlanState.RELEASED, PlanState.PLANNED) if keep_planned else (PlanState.RELEASED,)
    operations = []
    for r in rows:
        state = PlanState(r.state)
        started = Started(r.line, r.actual_start or now) if state in (PlanState.RUNNING, PlanState.HELD) else None
        frozen = None
        if (state in kept_states and r.planned_start is not None and (keep_planned or r.planned_start < window_end)
                and r.pinned_line in (None, r.line) and r.line not in unavailable):
            frozen = Placement(r.line, r.planned_start)
        operations.append(Operation(
            id=op_key(r.order_id, r.op_id),
            job_id=r.order_id,
            op_type=r.op_type,
            quantity=r.quantity,
            setup_minutes=r.setup_minutes,
            run_minutes_per_unit=r.run_minutes_per_unit,
            predecessors=tuple(k for p in r.predecessors if (k := op_key(r.order_id, p)) in open_keys),
            release=r.release_at,
            due=r.due,
            weight=weight_of(r.priority),
            pinned_line=None if started else r.pinned_line,
            started=started,
            frozen=frozen,
        ))
    return tuple(operations)


def schedulable(rows: Sequence[WorkOrderRow], plant: Plant) -> tuple[list[WorkOrderRow], list[str]]:
    """The rows the plant can place, and a note for each it cannot (no capable line any more)."""
    keep, notes = [], []
    for r in rows:
        state = PlanState(r.state)
        if state in (PlanState.RUNNING, PlanState.HELD):
            if r.line in plant.lines:
                keep.append(r)
            else:
                notes.append(f"work order {r.id} runs on {r.line}, which the plant file no longer has")
            continue
        if not plant.lines_for(r.op_type):
            notes.append(f"work order {r.id}: no line can do {r.op_type!r} any more; it is not scheduled")
            continue
        if r.pinned_line is not None and not (r.pinned_line in plant.lines and plant.line(r.pinned_line).can_do(
                r.op_type)):
            r = r.model_copy(update={"pinned_line": None})
            notes.append(f"work order {r.id}: its pinned line cannot do {r.op_type!r}; the pin is ignored")
        keep.append(r)
    return keep, notes


def build_request(
    rows: Sequence[WorkOrderRow], plant: Plant, faults: Mapping[str, LineFault], now: datetime,
    settings: SolverSettings, keep_planned: bool = False,
) -> ScheduleRequest:
    """The schedule request for these open work orders (see :func:`schedulable` to filter first);
    ``keep_planned`` as in :func:`operations_of`."""
    return ScheduleRequest(
        now=now,
        lines=plant_lines(plant, faults, now),
        operations=operations_of(rows, now, settings.frozen_window_minutes, set(faults), keep_planned),
        frozen_window_minutes=settings.frozen_window_minutes,
        time_limit_seconds=settings.time_limit_seconds,
        num_workers=settings.num_workers,
    )


def planned_windows(schedule: Schedule, rows: Sequence[WorkOrderRow]) -> list[PlannedWindow]:
    """Where the schedule puts each work order (running ones keep line and start, get a new end)."""
    by_key = {op_key(r.order_id, r.op_id): r for r in rows}
    windows = []
    for a in schedule.assignments:
        row = by_key.get(a.op_id)
        if row is None or a.state is AssignmentState.DONE:
            continue
        if a.state is AssignmentState.RUNNING:
            windows.append(PlannedWindow(row.id, row.line, row.planned_start or a.start, a.end))
        else:
            windows.append(PlannedWindow(row.id, a.line_id, a.start, a.end))
    return windows
