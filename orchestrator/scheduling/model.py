"""The scheduler's vocabulary: lines, operations, jobs, the request, and the schedule it answers with.

Plain dataclasses of datetimes, floats and strings, so that a request and its schedule pass through a
Temporal activity with the default data converter. All times are plant time and timezone-aware;
durations are plant minutes. The solver budget (``time_limit_seconds``) is wall time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ScheduleRequestError(ValueError):
    """The request cannot be scheduled as given; ``problems`` says what, where and how to fix it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid schedule request:\n  - " + "\n  - ".join(problems))


class SchedulingError(RuntimeError):
    """Neither method produced a valid schedule (a bug: the request itself was valid)."""


class DowntimeKind(StrEnum):
    """Why a line is unavailable."""

    SHIFT = "shift"
    MAINTENANCE = "maintenance"
    FAULT = "fault"


@dataclass(frozen=True)
class Downtime:
    """A window ``[start, end)`` in which a line runs no planned operation."""

    start: datetime
    end: datetime
    kind: DowntimeKind = DowntimeKind.SHIFT
    note: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"downtime must end after it starts, got {self.start} .. {self.end}")


@dataclass(frozen=True)
class Line:
    """A production line (work centre): what it can do, how fast, and when it is unavailable.

    ``downtime`` accepts :class:`Downtime` values or plain ``(start, end)`` pairs (taken as shifts).
    """

    id: str
    capabilities: frozenset[str]
    speed_factor: float = 1.0
    downtime: tuple[Downtime, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a line needs a non-empty id")
        if self.speed_factor <= 0:
            raise ValueError(f"line {self.id}: speed_factor must be positive, got {self.speed_factor}")
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        windows = tuple(_as_downtime(w) for w in self.downtime)
        object.__setattr__(self, "downtime", tuple(sorted(windows, key=lambda w: (w.start, w.end))))

    def can_do(self, op_type: str) -> bool:
        """Whether this line can perform operations of ``op_type``."""
        return op_type in self.capabilities


def _as_downtime(window: Downtime | Iterable[datetime]) -> Downtime:
    if isinstance(window, Downtime):
        return window
    start, end = window
    return Downtime(start, end)


@dataclass(frozen=True)
class Started:
    """What the line reported: the operation started on ``line_id`` at ``start`` (and ended at ``end``)."""

    line_id: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Placement:
    """A planned line and start that must not change (inside the frozen window, or locked by a planner)."""

    line_id: str
    start: datetime


@dataclass(frozen=True)
class Operation:
    """One routing step of a job, to be placed on one capable line.

    Work is ``setup_minutes + quantity * run_minutes_per_unit`` at speed 1.0, or ``standard_minutes``
    when given. ``release`` is when its materials are available. ``due``/``weight`` describe its job
    when no :class:`Job` record is given. ``started`` records reality; ``frozen`` a plan to keep.
    """

    id: str
    job_id: str
    op_type: str
    quantity: int = 1
    setup_minutes: float = 0.0
    run_minutes_per_unit: float = 0.0
    standard_minutes: float | None = None
    predecessors: tuple[str, ...] = ()
    release: datetime | None = None
    due: datetime | None = None
    weight: float | None = None
    pinned_line: str | None = None
    started: Started | None = None
    frozen: Placement | None = None

    @property
    def work_minutes(self) -> float:
        """Processing time at speed factor 1.0, in plant minutes."""
        if self.standard_minutes is not None:
            return self.standard_minutes
        return self.setup_minutes + self.quantity * self.run_minutes_per_unit


@dataclass(frozen=True)
class Job:
    """What the operations serve (an order or a work-order group): its due date and weight."""

    id: str
    due: datetime | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class ObjectiveWeights:
    """How schedules are compared.

    Lexicographic (default): least weighted tardiness first, then the shortest makespan; a zero weight
    switches a level off. Otherwise one weighted sum ``tardiness * WT + makespan * Cmax``.
    """

    tardiness: int = 1
    makespan: int = 1
    lexicographic: bool = True


@dataclass(frozen=True)
class ScheduleRequest:
    """Everything the scheduler needs; ``now`` is plant time, so the call is reproducible.

    ``frozen_window_minutes``: on rescheduling, operations planned to start within this many plant
    minutes keep their line and start. ``time_limit_seconds`` bounds the whole call in wall seconds
    (the dispatching rule's fraction of a second included; 0 means the rule alone). Beyond
    ``cpsat_max_operations`` operations to place, only the dispatching rule runs. ``work_limit``
    (CP-SAT deterministic time units; one unit is several wall seconds on two cores) stops the solver on
    work done instead of time, so the same request gives the same schedule run to run, provided
    ``time_limit_seconds`` (kept as a safety net) is generous.
    """

    now: datetime
    lines: tuple[Line, ...]
    operations: tuple[Operation, ...]
    jobs: tuple[Job, ...] = ()
    frozen_window_minutes: float = 60.0
    time_limit_seconds: float = 10.0
    objective: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    cpsat_max_operations: int = 2500
    num_workers: int = 2
    random_seed: int = 17
    work_limit: float | None = None

    def resolved_jobs(self) -> dict[str, Job]:
        """Each job's due date and weight: a :class:`Job` record wins; otherwise the earliest due date
        and the highest weight stated on its operations (weight 1.0 when none is)."""
        stated: dict[str, Job] = {job.id: job for job in self.jobs}
        jobs: dict[str, Job] = {}
        for op in self.operations:
            if op.job_id in stated:
                jobs[op.job_id] = stated[op.job_id]
                continue
            seen = jobs.get(op.job_id)
            due = op.due if seen is None else _earliest(seen.due, op.due)
            weights = [w for w in (op.weight, None if seen is None else seen.weight) if w is not None]
            jobs[op.job_id] = Job(op.job_id, due, max(weights) if weights else 1.0)
        return jobs


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


class Method(StrEnum):
    """What produced a schedule."""

    CPSAT_OPTIMAL = "cpsat-optimal"
    CPSAT_FEASIBLE = "cpsat-feasible"
    DISPATCH = "dispatch"


class AssignmentState(StrEnum):
    """Whether the scheduler placed an operation or kept it where it was."""

    PLANNED = "planned"
    FROZEN = "frozen"
    RUNNING = "running"
    DONE = "done"


@dataclass(frozen=True)
class Assignment:
    """One operation on one line over ``[start, end)``."""

    op_id: str
    job_id: str
    line_id: str
    start: datetime
    end: datetime
    state: AssignmentState = AssignmentState.PLANNED


@dataclass(frozen=True)
class JobOutcome:
    """When a job finishes in this schedule and how late that is (plant minutes)."""

    job_id: str
    finish: datetime
    due: datetime | None
    weight: float
    tardiness_minutes: float


@dataclass(frozen=True)
class Schedule:
    """The scheduler's answer: placements, objective figures, and how it was obtained.

    ``weighted_tardiness`` is in weight x plant minutes; ``makespan_minutes`` runs from ``now`` to the
    last end. ``tardiness_bound`` is CP-SAT's proven lower bound on it, when known. ``unfrozen`` lists
    operations whose frozen placement could not be kept (see ``explanation`` for why).
    """

    now: datetime
    assignments: tuple[Assignment, ...]
    jobs: tuple[JobOutcome, ...]
    weighted_tardiness: float
    makespan_minutes: float
    method: Method
    solve_seconds: float
    explanation: tuple[str, ...] = ()
    unfrozen: tuple[str, ...] = ()
    tardiness_bound: float | None = None

    def assignment_of(self, op_id: str) -> Assignment:
        """The placement of one operation (KeyError if it is not in this schedule)."""
        for assignment in self.assignments:
            if assignment.op_id == op_id:
                return assignment
        raise KeyError(f"operation {op_id!r} is not in this schedule")

    def by_line(self) -> dict[str, list[Assignment]]:
        """Assignments per line id, in start order."""
        lines: dict[str, list[Assignment]] = {}
        for assignment in sorted(self.assignments, key=lambda a: (a.start, a.op_id)):
            lines.setdefault(assignment.line_id, []).append(assignment)
        return lines

    def outcome_of(self, job_id: str) -> JobOutcome:
        """One job's finish and tardiness (KeyError if it is not in this schedule)."""
        for outcome in self.jobs:
            if outcome.job_id == job_id:
                return outcome
        raise KeyError(f"job {job_id!r} is not in this schedule")
