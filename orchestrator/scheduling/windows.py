"""CP-SAT by time windows: a large-neighbourhood search for instances too big to solve whole.

On a few hundred operations CP-SAT improves a schedule quickly; on a thousand, with two cores, each
of its own neighbourhood moves costs seconds of propagation. So for large instances the scheduler
walks a window along the current schedule: the operations starting in the window are freed, all
others stay where they are (their lines blocked, their successors' starts as deadlines), CP-SAT
re-solves the window against the full objective, and an improvement is kept. Passes repeat until the
budget is spent or a whole pass finds nothing better.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from orchestrator.scheduling import cpsat
from orchestrator.scheduling.cpsat import Budget
from orchestrator.scheduling.figures import grid_objective, objective_key
from orchestrator.scheduling.model import AssignmentState
from orchestrator.scheduling.problem import Fixed, Placements, Problem, merge_intervals

WINDOW_OPERATIONS = 120
# Each window gets at least this much of the budget (wall seconds), and at most ``WINDOW_MAX_SECONDS``.
WINDOW_MIN_SECONDS = 0.3
WINDOW_MAX_SECONDS = 2.0
# With a work budget (reproducible mode), each window may spend at most this share of it.
WINDOW_WORK_SHARE = 0.1


@dataclass(frozen=True)
class WindowSearch:
    """The improved placement and how the search went."""

    placements: Placements
    windows: int
    improved: int
    passes: int


def improve(problem: Problem, placements: Placements, budget: Budget) -> WindowSearch:
    """Improve ``placements`` window by window within ``budget`` (never makes it worse)."""
    began = time.monotonic()
    best = dict(placements)
    key = _key(problem, best)
    windows = improved = passes = 0
    work = 0.0
    while True:
        passes += 1
        improved_in_pass = 0
        for free in _windows(problem, best):
            seconds = budget.seconds - (time.monotonic() - began)
            units = None if budget.work is None else budget.work - work
            if seconds < WINDOW_MIN_SECONDS or (units is not None and units <= 0):
                return WindowSearch(best, windows, improved, passes)
            windows += 1
            if units is None or budget.work is None:
                window_budget = Budget(min(seconds, WINDOW_MAX_SECONDS))
            else:
                # Reproducible mode: work alone ends a window; the wall clock stays only a safety net.
                window_budget = Budget(seconds, min(units, budget.work * WINDOW_WORK_SHARE))
            result = cpsat.solve(_window_problem(problem, best, free), window_budget, best)
            work += result.work
            if result.placements is None:
                continue
            candidate = {**best, **{i: result.placements[i] for i in free}}
            candidate_key = _key(problem, candidate)
            if candidate_key < key:
                best, key = candidate, candidate_key
                improved += 1
                improved_in_pass += 1
        if not improved_in_pass:
            return WindowSearch(best, windows, improved, passes)


def _key(problem: Problem, placements: Placements) -> tuple[float, float]:
    tardiness, makespan = grid_objective(problem, placements)
    return objective_key(problem.request.objective, tardiness, makespan)


def _windows(problem: Problem, placements: Placements) -> list[set[int]]:
    """Overlapping windows of operations in start order (each shares half its operations with the next)."""
    order = sorted(problem.placeable, key=lambda i: (placements[i][1], i))
    step = WINDOW_OPERATIONS // 2
    starts = range(0, max(1, len(order) - step), step)
    return [set(order[k : k + WINDOW_OPERATIONS]) for k in starts]


def _window_problem(problem: Problem, placements: Placements, free: set[int]) -> Problem:
    """``problem`` with every placeable task outside ``free`` fixed where ``placements`` has it."""
    tasks = []
    kept: dict[str, list[tuple[int, int]]] = {line_id: list(w) for line_id, w in problem.blocked.items()}
    for task in problem.tasks:
        if task.fixed is not None:
            tasks.append(task)
        elif task.index in free:
            ahead = [placements[s][1] for s in task.succs if s not in free and problem.tasks[s].fixed is None]
            tasks.append(replace(task, deadline=min(ahead, default=None)))
        else:
            line_id, start, end = placements[task.index]
            tasks.append(replace(task, fixed=Fixed(line_id, start, end, AssignmentState.PLANNED)))
            kept[line_id].append((start, end))
    return replace(problem, tasks=tasks, blocked={k: merge_intervals(w) for k, w in kept.items()})
