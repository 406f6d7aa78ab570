"""The scheduler's entry points: :func:`schedule` a request, :func:`reschedule` on a plant event.

Method choice: the dispatching rule always runs first (fast, always feasible, and CP-SAT's hint).
CP-SAT then improves on it within what is left of ``time_limit_seconds``: on the whole model up to
``WHOLE_MODEL_OPERATIONS`` operations to place, window by window above (see :mod:`.windows`), not
at all above ``cpsat_max_operations``. The better schedule under the objective is returned; if CP-SAT
finds nothing in time, the rule's is. Whatever is returned has passed :func:`check.violations`, and
its ``explanation`` says which method was used and why.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from orchestrator.scheduling import cpsat, windows
from orchestrator.scheduling.changes import Reschedule, RescheduleReason, compare, eta_changes
from orchestrator.scheduling.check import violations
from orchestrator.scheduling.compiler import compile_request
from orchestrator.scheduling.cpsat import Budget
from orchestrator.scheduling.dispatch import DEFAULT_RULES, DispatchResult, Rule, dispatch
from orchestrator.scheduling.figures import build_schedule, objective_key
from orchestrator.scheduling.model import (
    AssignmentState,
    Method,
    Placement,
    Schedule,
    ScheduleRequest,
    SchedulingError,
)
from orchestrator.scheduling.problem import WEIGHT_SCALE, Placements, Problem

# Beyond this many operations to place, one rule instead of several keeps the fallback under a second.
MANY_OPERATIONS = 1500
# Beyond this many, CP-SAT works on windows of the schedule rather than on the whole model at once.
WHOLE_MODEL_OPERATIONS = 300
# CP-SAT is not worth starting with less budget than this (wall seconds).
MIN_CPSAT_SECONDS = 0.05
_FEWER_RULES = (Rule("atc", 2.0),)


def schedule(request: ScheduleRequest, previous: Schedule | None = None) -> Schedule:
    """Place every operation of ``request`` on a capable line (raises ScheduleRequestError on bad input).

    ``previous`` (the schedule being revised) only breaks ties toward keeping operations on their
    line; to keep the frozen window, call :func:`reschedule`.
    """
    began = time.monotonic()
    problem = compile_request(request)
    notes = list(problem.notes)
    placeable = problem.placeable
    if not placeable:
        notes.append("nothing to place: every operation is running, done or frozen")
        return _guarded(request, [build_schedule(problem, {}, Method.DISPATCH, _since(began), notes)])
    rule = dispatch(problem, DEFAULT_RULES if len(placeable) <= MANY_OPERATIONS else _FEWER_RULES)
    notes.append(f"dispatching rule {rule.rule} placed {len(placeable)} operations: weighted tardiness "
                 f"{rule.tardiness / WEIGHT_SCALE:g}, makespan {rule.makespan} min")
    fallback = build_schedule(problem, rule.placements, Method.DISPATCH, _since(began), notes)
    solved = _solve(problem, rule, previous, request.time_limit_seconds - _since(began), notes)
    candidates = [fallback]
    if solved is not None:
        placements, method, bound = solved
        best = build_schedule(problem, placements, method, _since(began), notes, bound)
        if _key(request, best) <= _key(request, fallback):
            candidates.insert(0, best)
        else:
            notes.append("CP-SAT's schedule is worse than the dispatching rule's: the rule's is used")
    final = [replace(c, solve_seconds=_since(began), explanation=tuple(notes)) for c in candidates]
    return _guarded(request, final)


def _solve(
    problem: Problem, rule: DispatchResult, previous: Schedule | None, seconds: float, notes: list[str]
) -> tuple[Placements, Method, float | None] | None:
    """CP-SAT's improvement on the rule's placement, whole or by windows; None to keep the rule's."""
    request = problem.request
    count = len(problem.placeable)
    if count > request.cpsat_max_operations:
        notes.append(f"{count} operations exceed cpsat_max_operations={request.cpsat_max_operations}: "
                     "the dispatching rule's schedule is used")
        return None
    if seconds < MIN_CPSAT_SECONDS:
        notes.append(f"time limit {request.time_limit_seconds:g} s leaves no time for CP-SAT: "
                     "the dispatching rule's schedule is used")
        return None
    budget = Budget(seconds, request.work_limit)
    if count > WHOLE_MODEL_OPERATIONS:
        search = windows.improve(problem, rule.placements, budget)
        notes.append(f"CP-SAT by time windows ({count} operations > {WHOLE_MODEL_OPERATIONS}): {search.windows} "
                     f"windows in {search.passes} passes, {search.improved} improved the schedule")
        return (search.placements, Method.CPSAT_FEASIBLE, None) if search.improved else None
    solved = cpsat.solve(problem, budget, rule.placements, _previous_lines(problem, previous))
    if solved.placements is None:
        notes.append(f"CP-SAT found no schedule within {seconds:.2f} s ({solved.status}): "
                     "the dispatching rule's schedule is used")
        return None
    method = Method.CPSAT_OPTIMAL if solved.optimal else Method.CPSAT_FEASIBLE
    notes.append(f"CP-SAT ({method}) in {solved.wall_seconds:.2f} s")
    return solved.placements, method, solved.tardiness_bound


def reschedule(previous: Schedule, request: ScheduleRequest, reason: RescheduleReason) -> Reschedule:
    """A new schedule after an event, keeping the frozen window of ``previous``, and what moved.

    Operations that ``previous`` planned to start before ``request.now + frozen_window_minutes`` (and
    that have not started) are frozen on their line and start unless that became infeasible (e.g. a
    fault on their line); the event itself is already in ``request``: a new order's operations, a
    fault or recovery in the lines' downtime, a rush job's weight (see :mod:`.events`).
    """
    effective = freeze_window(previous, request)
    result = schedule(effective, previous)
    result = replace(result, explanation=(f"rescheduled for {reason}", *result.explanation))
    moves, added, dropped = compare(previous, result)
    return Reschedule(reason, effective, result, moves, added, dropped, eta_changes(previous, result))


def freeze_window(previous: Schedule, request: ScheduleRequest) -> ScheduleRequest:
    """``request`` with the operations ``previous`` starts within the frozen window marked frozen."""
    window_end = request.now + timedelta(minutes=request.frozen_window_minutes)
    planned = {
        a.op_id: a
        for a in previous.assignments
        if a.state in (AssignmentState.PLANNED, AssignmentState.FROZEN) and a.start < window_end
    }
    operations = tuple(
        replace(op, frozen=Placement(planned[op.id].line_id, planned[op.id].start))
        if op.id in planned and op.started is None and op.frozen is None
        else op
        for op in request.operations
    )
    return replace(request, operations=operations)


def _previous_lines(problem: Problem, previous: Schedule | None) -> dict[int, str]:
    if previous is None:
        return {}
    lines = {a.op_id: a.line_id for a in previous.assignments}
    return {t.index: lines[t.op.id] for t in problem.tasks if t.op.id in lines}


def _key(request: ScheduleRequest, result: Schedule) -> tuple[float, float]:
    key = objective_key(request.objective, result.weighted_tardiness, result.makespan_minutes)
    return (round(key[0], 6), round(key[1], 6))


def _guarded(request: ScheduleRequest, candidates: list[Schedule]) -> Schedule:
    """The first candidate that passes the checker; a failing one is a bug, so say so loudly."""
    problems: list[str] = []
    for candidate in candidates:
        found = violations(request, candidate)
        if not found:
            if problems:
                return replace(candidate, explanation=(*candidate.explanation, *problems))
            return candidate
        problems.append(f"{candidate.method} schedule rejected by the checker: {'; '.join(found[:5])}")
    raise SchedulingError("no valid schedule: " + " | ".join(problems))


def _since(began: float) -> float:
    return time.monotonic() - began
