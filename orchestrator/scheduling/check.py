"""Validate any schedule against its request, in datetimes, independently of how it was made.

Used by the tests and, at run time, by the scheduler as a guard before a schedule leaves it. Running
and done operations are facts: they are held to what the line reported and exempt from the planning
rules (capability, release, downtime, precedence into them); two such facts never count as an overlap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from orchestrator.scheduling.durations import processing_minutes
from orchestrator.scheduling.model import Assignment, Operation, Schedule, ScheduleRequest

MINUTE = timedelta(minutes=1)
# Figures are floats summed in different orders; differences below this are rounding, not errors.
_FIGURE_TOLERANCE = 1e-6


def violations(request: ScheduleRequest, schedule: Schedule) -> list[str]:
    """Every rule ``schedule`` breaks for ``request``; an empty list means it is valid."""
    ops = {op.id: op for op in request.operations}
    found: list[str] = []
    placed: dict[str, Assignment] = {}
    for a in schedule.assignments:
        if a.op_id not in ops:
            found.append(f"{a.op_id}: assigned but not in the request")
        elif a.op_id in placed:
            found.append(f"{a.op_id}: assigned more than once")
        else:
            placed[a.op_id] = a
    found += [f"{op_id}: not scheduled" for op_id in ops if op_id not in placed]
    for op_id, a in placed.items():
        found += _operation_violations(request, schedule, ops[op_id], a, placed)
    found += _overlaps(ops, placed)
    found += _frozen_order_violations(request, schedule, placed)
    found += _figure_violations(request, schedule, placed)
    return found


def _operation_violations(
    request: ScheduleRequest, schedule: Schedule, op: Operation, a: Assignment, placed: dict[str, Assignment]
) -> list[str]:
    found: list[str] = []
    lines = {line.id: line for line in request.lines}
    if a.job_id != op.job_id:
        found.append(f"{op.id}: job {a.job_id} in the schedule, {op.job_id} in the request")
    if a.end <= a.start:
        found.append(f"{op.id}: ends at {a.end} not after its start {a.start}")
    if op.started is not None:
        if (a.line_id, a.start) != (op.started.line_id, op.started.start):
            found.append(f"{op.id}: started on {op.started.line_id} at {op.started.start} but shown on "
                         f"{a.line_id} at {a.start}")
        if op.started.end is not None and a.end != op.started.end:
            found.append(f"{op.id}: ended at {op.started.end} but shown ending at {a.end}")
        return found
    line = lines.get(a.line_id)
    if line is None:
        return [*found, f"{op.id}: on unknown line {a.line_id}"]
    if not line.can_do(op.op_type):
        found.append(f"{op.id}: line {line.id} cannot do {op.op_type}")
    if op.pinned_line is not None and a.line_id != op.pinned_line:
        found.append(f"{op.id}: pinned to {op.pinned_line} but on {a.line_id}")
    if a.start < request.now:
        found.append(f"{op.id}: planned to start at {a.start}, before now ({request.now})")
    duration = processing_minutes(op, line) * MINUTE
    if a.end - a.start != duration:
        found.append(f"{op.id}: lasts {a.end - a.start} on {line.id}, should be {duration}")
    if op.release is not None and a.start < op.release:
        found.append(f"{op.id}: starts at {a.start} before its materials are available ({op.release})")
    for window in line.downtime:
        if a.start < window.end and window.start < a.end:
            found.append(f"{op.id}: runs {a.start}..{a.end} into {line.id} {window.kind} "
                         f"{window.start}..{window.end}")
    for pred in op.predecessors:
        before = placed.get(pred)
        if before is not None and a.start < before.end:
            found.append(f"{op.id}: starts at {a.start} before its predecessor {pred} ends ({before.end})")
    if op.frozen is not None and op.id not in schedule.unfrozen:
        found += _frozen_violations(request.now, op, a)
    return found


def _frozen_violations(now: datetime, op: Operation, a: Assignment) -> list[str]:
    assert op.frozen is not None
    if a.line_id != op.frozen.line_id:
        return [f"{op.id}: frozen on {op.frozen.line_id} but moved to {a.line_id}"]
    # Never earlier than planned (or than now, for a start already passed); later only behind late work,
    # which _frozen_order_violations and the overlap check hold to account.
    expected = max(op.frozen.start, now)
    if expected - a.start >= MINUTE:
        return [f"{op.id}: frozen to start at {expected} but moved earlier, to {a.start}"]
    return []


def _frozen_order_violations(request: ScheduleRequest, schedule: Schedule, placed: dict[str, Assignment]) -> list[str]:
    """Frozen operations kept on a line stay in their planned order."""
    found = []
    kept = [op for op in request.operations
            if op.frozen is not None and op.started is None and op.id not in schedule.unfrozen and op.id in placed]
    by_line: dict[str, list[Operation]] = {}
    for op in kept:
        by_line.setdefault(placed[op.id].line_id, []).append(op)
    for line_id, ops in by_line.items():
        ops.sort(key=lambda op: (op.frozen.start, placed[op.id].start))  # type: ignore[union-attr]
        for before, after in pairwise(ops):
            if placed[after.id].start < placed[before.id].start:
                found.append(f"{after.id} overtook {before.id} in the frozen sequence on {line_id}")
    return found


def _overlaps(ops: dict[str, Operation], placed: dict[str, Assignment]) -> list[str]:
    found: list[str] = []
    by_line: dict[str, list[Assignment]] = {}
    for a in placed.values():
        by_line.setdefault(a.line_id, []).append(a)
    for line_id, assignments in by_line.items():
        assignments.sort(key=lambda a: (a.start, a.end))
        # Compare each with the latest-ending one before it, separately for planned and for all work,
        # so that two reported facts overlapping each other are not blamed on the plan.
        latest_any: Assignment | None = None
        latest_planned: Assignment | None = None
        for a in assignments:
            is_fact = ops[a.op_id].started is not None
            other = latest_any if not is_fact else latest_planned
            if other is not None and a.start < other.end:
                found.append(f"{a.op_id} and {other.op_id} overlap on {line_id}")
            if latest_any is None or a.end > latest_any.end:
                latest_any = a
            if not is_fact and (latest_planned is None or a.end > latest_planned.end):
                latest_planned = a
    return found


def _figure_violations(request: ScheduleRequest, schedule: Schedule, placed: dict[str, Assignment]) -> list[str]:
    if not placed:
        return []
    finish: dict[str, datetime] = {}
    for a in placed.values():
        finish[a.job_id] = max(a.end, finish.get(a.job_id, a.end))
    tardiness = 0.0
    for job_id, job in request.resolved_jobs().items():
        if job.due is not None and job_id in finish:
            tardiness += job.weight * max(0.0, (finish[job_id] - job.due) / MINUTE)
    found = []
    if abs(tardiness - schedule.weighted_tardiness) > _FIGURE_TOLERANCE * max(1.0, tardiness):
        found.append(f"weighted tardiness reported {schedule.weighted_tardiness}, recomputed {tardiness}")
    makespan = max(0.0, (max(finish.values()) - request.now) / MINUTE)
    if abs(makespan - schedule.makespan_minutes) > _FIGURE_TOLERANCE * max(1.0, makespan):
        found.append(f"makespan reported {schedule.makespan_minutes} min, recomputed {makespan}")
    return found
