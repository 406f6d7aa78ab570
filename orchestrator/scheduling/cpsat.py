"""The CP-SAT model: one optional interval per capable line, no overlap per line, lexicographic objective.

Per placeable task: a start and end variable shared by one optional fixed-size interval per allowed
line, exactly one of them present. Per line, a no-overlap over those intervals and the line's blocked
time (downtime and fixed work) as constant intervals. Precedence and release bound the starts. Job
tardiness ``T_j >= end - due`` for each of its tasks; makespan ``Cmax >= end``.

Lexicographic objective as a two-phase solve: minimise weighted tardiness; then, with tardiness held
at the best value found, minimise makespan. With a ``previous`` placement, the second phase also
breaks ties toward fewer operations changing line (stability for planners and the MES).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from orchestrator.scheduling.figures import span_of
from orchestrator.scheduling.problem import JobTerm, Placements, Problem

# Share of the budget the first phase may take when a second phase follows.
FIRST_PHASE_SHARE = 0.6


@dataclass(frozen=True)
class Budget:
    """What a solve may spend: wall seconds, and optionally CP-SAT deterministic work units.

    With ``work`` set, the search is interleaved and stops on work done, so the same request gives
    the same schedule on any machine, as long as the wall-clock limit (a safety net) is not reached.
    """

    seconds: float
    work: float | None = None


@dataclass(frozen=True)
class CpsatResult:
    """What CP-SAT found: placements (None if none within the limit), optimality and bounds."""

    placements: Placements | None
    optimal: bool
    tardiness_bound: float | None
    wall_seconds: float
    work: float
    status: str


@dataclass
class _Vars:
    model: cp_model.CpModel
    starts: dict[int, cp_model.IntVar]
    ends: dict[int, cp_model.IntVar]
    present: dict[int, dict[str, cp_model.IntVar]]
    makespan: cp_model.IntVar
    lateness: list[tuple[cp_model.IntVar, JobTerm]]
    line_changes: cp_model.LinearExpr

    @property
    def tardiness(self) -> cp_model.LinearExpr:
        """Weighted tardiness (weight hundredths x minutes)."""
        return cp_model.LinearExpr.weighted_sum([late for late, _ in self.lateness],
                                                [job.weight for _, job in self.lateness])


def solve(
    problem: Problem,
    budget: Budget,
    hint: Placements | None = None,
    previous_lines: dict[int, str] | None = None,
) -> CpsatResult:
    """Solve ``problem`` within ``budget``; ``hint`` seeds the search (e.g. the dispatching rule's).

    ``previous_lines`` (task -> line of the schedule being revised) makes the last phase prefer, among
    equally good schedules, the one that moves fewer operations to another line.
    """
    began = time.monotonic()
    v = _build(problem, previous_lines or {})
    phases = _phases(problem, v)
    best: Placements | None = hint
    found, optimal, bound, status, work = False, True, None, "NOT_RUN", 0.0
    for k, (name, objective) in enumerate(phases):
        last = k == len(phases) - 1
        share = 1.0 if last else FIRST_PHASE_SHARE
        seconds = (budget.seconds - (time.monotonic() - began)) * share
        units = None if budget.work is None else (budget.work - work) * share
        if seconds <= 0.01 or (units is not None and units <= 0):
            optimal = False
            break
        # Stability breaks ties only: one unit of the objective outweighs every line change.
        scale = len(v.starts) + 1 if last and previous_lines else 1
        v.model.clear_hints()
        _hint(problem, v, best)
        v.model.minimize(cp_model.LinearExpr.weighted_sum([objective, v.line_changes], [scale, 1 if scale > 1 else 0]))
        solver = _solver(problem.request.num_workers, problem.request.random_seed, seconds, units)
        code = solver.solve(v.model)
        work += solver.deterministic_time
        status = solver.status_name(code)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            optimal = False
            break
        best, found = _placements(v, solver), True
        optimal = optimal and code == cp_model.OPTIMAL
        if name == "tardiness":
            bound = solver.best_objective_bound // scale
        if not last:
            v.model.add(objective <= round(solver.objective_value))
    return CpsatResult(best if found else None, found and optimal, bound, time.monotonic() - began, work, status)


def _phases(problem: Problem, v: _Vars) -> list[tuple[str, cp_model.LinearExpr]]:
    weights = problem.request.objective
    if not weights.lexicographic:
        weighted = cp_model.LinearExpr.weighted_sum([v.tardiness, v.makespan], [weights.tardiness, weights.makespan])
        return [("weighted", weighted)]
    phases: list[tuple[str, cp_model.LinearExpr]] = []
    if weights.tardiness > 0 and v.lateness:
        phases.append(("tardiness", v.tardiness))
    if weights.makespan > 0 or not phases:
        phases.append(("makespan", cp_model.LinearExpr.sum([v.makespan])))
    return phases


def _solver(workers: int, seed: int, seconds: float, work_limit: float | None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = workers
    params.random_seed = seed
    params.max_time_in_seconds = seconds
    if work_limit is not None:
        # Interleaved search is deterministic whatever the thread timing; the work limit ends it.
        params.interleave_search = True
        params.max_deterministic_time = work_limit
    return solver


def _build(problem: Problem, previous_lines: dict[int, str]) -> _Vars:
    model = cp_model.CpModel()
    starts, ends, present = _task_vars(model, problem)
    for i in problem.placeable:
        for p in problem.tasks[i].preds:
            fixed = problem.tasks[p].fixed
            model.add(starts[i] >= (fixed.end if fixed is not None else ends[p]))
    fixed_ends = [t.fixed.end for t in problem.tasks if t.fixed is not None]
    makespan = model.new_int_var(max([0, *fixed_ends]), 2 * problem.horizon, "cmax")
    for end in ends.values():
        model.add(makespan >= end)
    changes = [present[i][line] for i, line in previous_lines.items() if i in present and line in present[i]]
    # Line changes = operations not on their previous line = count minus those that stayed.
    stayed = cp_model.LinearExpr.sum(changes)
    line_changes = cp_model.LinearExpr.affine(stayed, -1, len(changes))
    return _Vars(model, starts, ends, present, makespan, _lateness(model, problem, ends), line_changes)


def _task_vars(
    model: cp_model.CpModel, problem: Problem
) -> tuple[dict[int, cp_model.IntVar], dict[int, cp_model.IntVar], dict[int, dict[str, cp_model.IntVar]]]:
    """Start, end and per-line presence of each placeable task, and the no-overlap per line."""
    horizon = problem.horizon
    starts: dict[int, cp_model.IntVar] = {}
    ends: dict[int, cp_model.IntVar] = {}
    present: dict[int, dict[str, cp_model.IntVar]] = {}
    on_line: dict[str, list[cp_model.IntervalVar]] = {line_id: [] for line_id in problem.lines}
    for i in problem.placeable:
        durations = problem.tasks[i].durations
        release = problem.tasks[i].release
        latest = horizon + max(durations.values())
        deadline = problem.tasks[i].deadline
        latest = latest if deadline is None else min(latest, deadline)
        starts[i] = model.new_int_var(release, latest - min(durations.values()), f"s{i}")
        ends[i] = model.new_int_var(release + min(durations.values()), latest, f"e{i}")
        present[i] = {}
        if len(durations) == 1:
            [(line_id, duration)] = durations.items()
            on_line[line_id].append(model.new_interval_var(starts[i], duration, ends[i], f"x{i}"))
            present[i][line_id] = model.new_constant(1)
            continue
        for line_id, duration in durations.items():
            chosen = model.new_bool_var(f"p{i}_{line_id}")
            on_line[line_id].append(
                model.new_optional_fixed_size_interval_var(starts[i], duration, chosen, f"x{i}_{line_id}")
            )
            model.add(ends[i] == starts[i] + duration).only_enforce_if(chosen)
            present[i][line_id] = chosen
        model.add_exactly_one(present[i].values())
    for line_id, windows in problem.blocked.items():
        on_line[line_id] += [model.new_fixed_size_interval_var(lo, hi - lo, f"b_{line_id}_{lo}") for lo, hi in windows]
    for intervals in on_line.values():
        if len(intervals) > 1:
            model.add_no_overlap(intervals)
    return starts, ends, present


def _lateness(
    model: cp_model.CpModel, problem: Problem, ends: dict[int, cp_model.IntVar]
) -> list[tuple[cp_model.IntVar, JobTerm]]:
    """Per job with a due date and a weight: ``T_j >= end - due`` for each of its tasks, ``T_j >= 0``."""
    lateness = []
    for k, job in enumerate(problem.jobs):
        if job.due is None or job.weight == 0:
            continue
        fixed = [problem.tasks[t].fixed for t in job.tasks]
        floor = max([0, *(f.end - job.due for f in fixed if f is not None)])
        late = model.new_int_var(floor, max(floor, 2 * problem.horizon - min(job.due, 0)), f"t{k}")
        for t in job.tasks:
            if t in ends:
                model.add(late >= ends[t] - job.due)
        lateness.append((late, job))
    return lateness


def _hint(problem: Problem, v: _Vars, placements: Placements | None) -> None:
    """A complete hint (placements and the objective variables they imply) so CP-SAT can adopt it."""
    if placements is None or any(i not in placements for i in v.starts):
        return
    for i, start in v.starts.items():
        line_id, s, e = placements[i]
        v.model.add_hint(start, s)
        v.model.add_hint(v.ends[i], e)
        if len(v.present[i]) > 1:
            for candidate, chosen in v.present[i].items():
                v.model.add_hint(chosen, candidate == line_id)
    ends = [span_of(problem, placements, t.index)[2] for t in problem.tasks]
    v.model.add_hint(v.makespan, max(v.makespan.proto.domain[0], *ends))
    for late, job in v.lateness:
        floor = late.proto.domain[0]
        v.model.add_hint(late, max(floor, *(ends[t] - job.due for t in job.tasks)))  # type: ignore[operator]


def _placements(v: _Vars, solver: cp_model.CpSolver) -> Placements:
    placements: Placements = {}
    for i, start in v.starts.items():
        line_id = next(line for line, chosen in v.present[i].items() if solver.value(chosen))
        placements[i] = (line_id, solver.value(start), solver.value(v.ends[i]))
    return placements
