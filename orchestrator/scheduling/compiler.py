"""Validate a :class:`ScheduleRequest` and lay it on the grid as a :class:`~.problem.Problem`.

Unavailable windows are rounded outwards, releases and planned starts upwards, so a placement
feasible on the grid is feasible in datetimes.
"""

from __future__ import annotations

import math
from datetime import datetime

from orchestrator.scheduling.durations import processing_minutes
from orchestrator.scheduling.fixing import fix_frozen, fix_started
from orchestrator.scheduling.model import Line, Operation, ScheduleRequest, ScheduleRequestError
from orchestrator.scheduling.problem import (
    WEIGHT_SCALE,
    Interval,
    JobTerm,
    Problem,
    Task,
    grid_origin,
    merge_intervals,
    minutes_ceil,
    minutes_floor,
)
from orchestrator.scheduling.validation import request_problems, topological_order


def compile_request(request: ScheduleRequest) -> Problem:
    """Validate ``request`` and lay it on the grid (raises :class:`ScheduleRequestError`)."""
    problems = request_problems(request)
    if problems:
        raise ScheduleRequestError(problems)
    origin = grid_origin(request.now)
    lines = {line.id: line for line in request.lines}
    index = {op.id: i for i, op in enumerate(request.operations)}
    job_ids = list(dict.fromkeys(op.job_id for op in request.operations))
    job_index = {job_id: k for k, job_id in enumerate(job_ids)}
    tasks = [_task(i, op, job_index[op.job_id], request.lines, origin) for i, op in enumerate(request.operations)]
    for task in tasks:
        task.preds = [index[p] for p in dict.fromkeys(task.op.predecessors)]
        for p in task.preds:
            tasks[p].succs.append(task.index)
    topo = topological_order(request.operations)
    downtime = {
        line.id: merge_intervals([_window(w.start, w.end, origin) for w in line.downtime]) for line in request.lines
    }
    problem = Problem(request, origin, lines, tasks, [index[op_id] for op_id in topo], [], {}, 0)
    fix_started(problem, downtime)
    fix_frozen(problem, downtime)
    occupied: dict[str, list[Interval]] = {line_id: list(windows) for line_id, windows in downtime.items()}
    for task in tasks:
        if task.fixed is not None:
            occupied[task.fixed.line_id].append((task.fixed.start, task.fixed.end))
    problem.blocked = {line_id: _clip(merge_intervals(windows)) for line_id, windows in occupied.items()}
    problem.jobs = _job_terms(request, job_ids, tasks, origin)
    problem.horizon = _horizon(problem)
    problem.notes.extend(_long_operation_notes(problem))
    return problem


def _task(i: int, op: Operation, job: int, lines: tuple[Line, ...], origin: datetime) -> Task:
    allowed = [line for line in lines if line.can_do(op.op_type) and op.pinned_line in (None, line.id)]
    release = 0 if op.release is None else max(0, minutes_ceil(op.release, origin))
    return Task(i, op, job, {line.id: processing_minutes(op, line) for line in allowed}, release)


def _window(start: datetime, end: datetime, origin: datetime) -> Interval:
    return (minutes_floor(start, origin), minutes_ceil(end, origin))


def _clip(windows: list[Interval]) -> list[Interval]:
    return [(max(lo, 0), hi) for lo, hi in windows if hi > 0]


def _job_terms(request: ScheduleRequest, job_ids: list[str], tasks: list[Task], origin: datetime) -> list[JobTerm]:
    resolved = request.resolved_jobs()
    members: dict[str, list[int]] = {job_id: [] for job_id in job_ids}
    for task in tasks:
        members[task.op.job_id].append(task.index)
    terms = []
    for job_id in job_ids:
        job = resolved[job_id]
        due = None if job.due is None else minutes_floor(job.due, origin)
        terms.append(JobTerm(job, due, round(job.weight * WEIGHT_SCALE), tuple(members[job_id])))
    return terms


def _horizon(problem: Problem) -> int:
    """A bound no sensible schedule exceeds: after every fixed time, all placeable work back to back."""
    fixed_times = [0]
    fixed_times += [t.release for t in problem.tasks]
    fixed_times += [hi for windows in problem.blocked.values() for _, hi in windows]
    work = sum(max(problem.tasks[i].durations.values()) for i in problem.placeable)
    return max(fixed_times) + work + 1


def _long_operation_notes(problem: Problem) -> list[str]:
    notes = []
    for i in problem.placeable:
        task = problem.tasks[i]
        if all(d > _longest_gap(problem.blocked[line_id]) for line_id, d in task.durations.items()):
            notes.append(f"operation {task.op.id} is longer than every working window of its lines; "
                             "it can only run after the last listed downtime")
    return notes


def _longest_gap(windows: list[Interval]) -> float:
    """The longest working window before the last downtime (unbounded for a line without downtime)."""
    if not windows:
        return math.inf
    gaps, t = [], 0
    for lo, hi in windows:
        gaps.append(lo - t)
        t = max(t, hi)
    return max(gaps, default=0)
