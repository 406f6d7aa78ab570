"""What a reschedule changed: operations that moved, work that appeared or left, and job ETAs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from orchestrator.scheduling.model import Schedule, ScheduleRequest

MINUTE = timedelta(minutes=1)


class RescheduleReason(StrEnum):
    """The event that asked for a new schedule."""

    NEW_ORDER = "new_order"
    LINE_FAULT = "line_fault"
    LINE_RECOVERED = "line_recovered"
    RUSH_PRIORITY = "rush_priority"
    MANUAL = "manual"


@dataclass(frozen=True)
class Move:
    """An operation whose line or start changed (by a minute or more)."""

    op_id: str
    job_id: str
    from_line: str
    to_line: str
    from_start: datetime
    to_start: datetime
    to_end: datetime

    @property
    def line_changed(self) -> bool:
        """Whether the operation goes to another line (the MES must move its work order)."""
        return self.from_line != self.to_line

    @property
    def shift_minutes(self) -> float:
        """Plant minutes later (positive) or earlier (negative) than before."""
        return (self.to_start - self.from_start) / MINUTE


@dataclass(frozen=True)
class EtaChange:
    """A job whose planned finish moved: what the order's promised-date logic must look at."""

    job_id: str
    before: datetime
    after: datetime
    due: datetime | None

    @property
    def now_late(self) -> bool:
        """Whether the job is planned to finish after its due date."""
        return self.due is not None and self.after > self.due


@dataclass(frozen=True)
class Reschedule:
    """The outcome of :func:`~orchestrator.scheduling.scheduler.reschedule`.

    ``request`` is the request actually solved (with the frozen window applied), for
    :func:`~orchestrator.scheduling.check.violations` and for the record.
    """

    reason: RescheduleReason
    request: ScheduleRequest
    schedule: Schedule
    moves: tuple[Move, ...]
    added: tuple[str, ...]
    dropped: tuple[str, ...]
    eta_changes: tuple[EtaChange, ...]


def compare(previous: Schedule, current: Schedule) -> tuple[tuple[Move, ...], tuple[str, ...], tuple[str, ...]]:
    """Moves, added operation ids and dropped operation ids from ``previous`` to ``current``."""
    before = {a.op_id: a for a in previous.assignments}
    after = {a.op_id: a for a in current.assignments}
    moves = []
    for op_id, a in after.items():
        b = before.get(op_id)
        if b is None:
            continue
        if a.line_id != b.line_id or abs(a.start - b.start) >= MINUTE:
            moves.append(Move(op_id, a.job_id, b.line_id, a.line_id, b.start, a.start, a.end))
    added = tuple(op_id for op_id in after if op_id not in before)
    dropped = tuple(op_id for op_id in before if op_id not in after)
    return tuple(moves), added, dropped


def eta_changes(previous: Schedule, current: Schedule) -> tuple[EtaChange, ...]:
    """Jobs present in both schedules whose planned finish moved by a minute or more."""
    before = {o.job_id: o for o in previous.jobs}
    changes = []
    for outcome in current.jobs:
        old = before.get(outcome.job_id)
        if old is not None and abs(outcome.finish - old.finish) >= MINUTE:
            changes.append(EtaChange(outcome.job_id, old.finish, outcome.finish, outcome.due))
    return tuple(changes)
