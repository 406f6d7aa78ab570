"""Objective figures of a placement, on the grid (to compare candidates) and in datetimes (to report)."""

from __future__ import annotations

from orchestrator.scheduling.model import (
    Assignment,
    AssignmentState,
    JobOutcome,
    Method,
    ObjectiveWeights,
    Schedule,
)
from orchestrator.scheduling.problem import MINUTE, WEIGHT_SCALE, Placements, Problem


def span_of(problem: Problem, placements: Placements, task: int) -> tuple[str, int, int]:
    """Line, start and end (grid minutes) of a task, whether fixed or placed."""
    fixed = problem.tasks[task].fixed
    return (fixed.line_id, fixed.start, fixed.end) if fixed is not None else placements[task]


def grid_objective(problem: Problem, placements: Placements) -> tuple[int, int]:
    """Weighted tardiness (weight hundredths x minutes) and makespan (minutes) on the grid."""
    tardiness = 0
    for job in problem.jobs:
        if job.due is None or not job.tasks:
            continue
        finish = max(span_of(problem, placements, t)[2] for t in job.tasks)
        tardiness += job.weight * max(0, finish - job.due)
    makespan = max((span_of(problem, placements, t.index)[2] for t in problem.tasks), default=0)
    return tardiness, max(0, makespan)


def objective_key(weights: ObjectiveWeights, tardiness: float, makespan: float) -> tuple[float, float]:
    """A sort key: smaller is better under ``weights``."""
    if weights.lexicographic:
        return (weights.tardiness * tardiness, weights.makespan * makespan)
    return (weights.tardiness * tardiness + weights.makespan * makespan, 0.0)


def build_schedule(
    problem: Problem,
    placements: Placements,
    method: Method,
    solve_seconds: float,
    explanation: list[str],
    tardiness_bound: float | None = None,
) -> Schedule:
    """The reported :class:`Schedule`: datetimes, per-job outcomes and objective figures."""
    assignments = [_assignment(problem, placements, task.index) for task in problem.tasks]
    by_op = {a.op_id: a for a in assignments}
    outcomes = []
    for job in problem.jobs:
        finish = max(by_op[problem.tasks[t].op.id].end for t in job.tasks)
        due = job.record.due
        late = 0.0 if due is None else max(0.0, (finish - due) / MINUTE)
        outcomes.append(JobOutcome(job.record.id, finish, due, job.record.weight, late))
    now = problem.request.now
    last = max((a.end for a in assignments), default=now)
    return Schedule(
        now=now,
        assignments=tuple(sorted(assignments, key=lambda a: (a.line_id, a.start, a.op_id))),
        jobs=tuple(outcomes),
        weighted_tardiness=sum(o.weight * o.tardiness_minutes for o in outcomes),
        makespan_minutes=max(0.0, (last - now) / MINUTE),
        method=method,
        solve_seconds=solve_seconds,
        explanation=tuple(explanation),
        unfrozen=tuple(problem.unfrozen),
        tardiness_bound=None if tardiness_bound is None else tardiness_bound / WEIGHT_SCALE,
    )


def _assignment(problem: Problem, placements: Placements, index: int) -> Assignment:
    task = problem.tasks[index]
    line_id, start, end = span_of(problem, placements, index)
    state = AssignmentState.PLANNED if task.fixed is None else task.fixed.state
    begin, finish = problem.at(start), problem.at(end)
    if task.op.started is not None:
        # Report what the line said, not its rounding onto the grid.
        begin = task.op.started.start
        finish = task.op.started.end or finish
    return Assignment(task.op.id, task.op.job_id, line_id, begin, finish, state)
