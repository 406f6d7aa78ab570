"""Plant events as changes to a schedule request, for :func:`~orchestrator.scheduling.scheduler.reschedule`.

Each returns a new request (requests are immutable) so the caller keeps the event's effect explicit:
a fault makes the line unavailable from ``now`` until the estimated recovery; a recovery drops the
fault windows still open; a rush raises a job's weight (and may pull its due date in); a new order
adds operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from orchestrator.scheduling.model import Downtime, DowntimeKind, Job, Line, Operation, ScheduleRequest


def line_fault(request: ScheduleRequest, line_id: str, until: datetime, note: str = "") -> ScheduleRequest:
    """The line is down from ``request.now`` until ``until`` (the estimated recovery)."""
    if until <= request.now:
        raise ValueError(f"line {line_id}: estimated recovery {until} must be after now ({request.now})")
    fault = Downtime(request.now, until, DowntimeKind.FAULT, note)
    return _with_line(request, line_id, lambda line: replace(line, downtime=(*line.downtime, fault)))


def line_recovered(request: ScheduleRequest, line_id: str) -> ScheduleRequest:
    """The line runs again now: its fault windows that have not ended are dropped."""

    def recover(line: Line) -> Line:
        kept = tuple(w for w in line.downtime if w.kind != DowntimeKind.FAULT or w.end <= request.now)
        return replace(line, downtime=kept)

    return _with_line(request, line_id, recover)


def rush(request: ScheduleRequest, job_id: str, weight: float, due: datetime | None = None) -> ScheduleRequest:
    """Give ``job_id`` a higher weight (and optionally an earlier due date)."""
    current = request.resolved_jobs().get(job_id)
    if current is None:
        raise ValueError(f"job {job_id!r} has no operations in this request")
    rushed = Job(job_id, due if due is not None else current.due, weight)
    return replace(request, jobs=(*(j for j in request.jobs if j.id != job_id), rushed))


def new_order(request: ScheduleRequest, operations: tuple[Operation, ...], job: Job | None = None) -> ScheduleRequest:
    """Add an order's operations (and its job record, if given)."""
    jobs = request.jobs if job is None else (*(j for j in request.jobs if j.id != job.id), job)
    return replace(request, operations=(*request.operations, *operations), jobs=jobs)


def _with_line(request: ScheduleRequest, line_id: str, change: Callable[[Line], Line]) -> ScheduleRequest:
    if all(line.id != line_id for line in request.lines):
        raise ValueError(f"unknown line {line_id!r}; lines: {sorted(line.id for line in request.lines)}")
    return replace(request, lines=tuple(change(line) if line.id == line_id else line for line in request.lines))
