"""The scheduling problem on a one-minute grid: tasks, fixed work, jobs' terms and blocked line time.

The grid starts at ``now`` rounded up to the whole minute (the *origin*), so consecutive solves whose
``now`` differ by seconds still agree on the minutes of earlier plans. What is already fixed (running,
done or frozen operations, downtime) is *blocked* time on its line; the other operations are
*placeable*. :func:`~orchestrator.scheduling.compiler.compile_request` builds a :class:`Problem`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orchestrator.scheduling.model import AssignmentState, Job, Line, Operation, ScheduleRequest

MINUTE = timedelta(minutes=1)
WEIGHT_SCALE = 100  # job weights are resolved to hundredths for the integer objective

Interval = tuple[int, int]
Placements = dict[int, tuple[str, int, int]]  # task index -> (line id, start, end)


@dataclass(frozen=True)
class Fixed:
    """A task the scheduler does not place: where it is and since when, in grid minutes."""

    line_id: str
    start: int
    end: int
    state: AssignmentState


@dataclass
class Task:
    """An operation on the grid: its allowed lines with their durations, release and precedence."""

    index: int
    op: Operation
    job: int
    durations: dict[str, int]
    release: int = 0
    preds: list[int] = field(default_factory=list)
    succs: list[int] = field(default_factory=list)
    fixed: Fixed | None = None
    deadline: int | None = None  # latest end; set when solving a window with its successors kept


@dataclass(frozen=True)
class JobTerm:
    """A job's objective terms on the grid: due minute (None: no due date) and integer weight."""

    record: Job
    due: int | None
    weight: int
    tasks: tuple[int, ...]


@dataclass
class Problem:
    """A validated request in grid minutes, shared by the dispatching rule, CP-SAT and the figures."""

    request: ScheduleRequest
    origin: datetime
    lines: dict[str, Line]
    tasks: list[Task]
    topo: list[int]
    jobs: list[JobTerm]
    blocked: dict[str, list[Interval]]
    horizon: int
    unfrozen: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def placeable(self) -> list[int]:
        """Task indices the scheduler places, in topological order."""
        return [i for i in self.topo if self.tasks[i].fixed is None]

    def at(self, minute: int) -> datetime:
        """The datetime of a grid minute."""
        return self.origin + minute * MINUTE


def grid_origin(now: datetime) -> datetime:
    """``now`` rounded up to the whole minute."""
    floored = now.replace(second=0, microsecond=0)
    return floored if floored == now else floored + MINUTE


def minutes_floor(t: datetime, origin: datetime) -> int:
    """Whole minutes from ``origin`` to ``t``, rounded down."""
    return math.floor((t - origin) / MINUTE)


def minutes_ceil(t: datetime, origin: datetime) -> int:
    """Whole minutes from ``origin`` to ``t``, rounded up."""
    return math.ceil((t - origin) / MINUTE)


def merge_intervals(windows: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for lo, hi in sorted(windows):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged
