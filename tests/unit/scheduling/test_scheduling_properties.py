"""Every schedule, from either method, on random small instances, passes the checker."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hypothesis import HealthCheck, given, settings

from orchestrator.scheduling import Method, ScheduleRequest, schedule, violations
from orchestrator.scheduling.compiler import compile_request
from orchestrator.scheduling.cpsat import Budget, solve
from orchestrator.scheduling.dispatch import dispatch
from orchestrator.scheduling.figures import build_schedule, grid_objective
from tests.unit.scheduling.helpers import instances

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_dispatching_rule_schedules_are_valid(request: ScheduleRequest) -> None:
    result = schedule(replace(request, time_limit_seconds=0))
    assert result.method == Method.DISPATCH
    assert violations(request, result) == []
    assert not any("rejected by the checker" in note for note in result.explanation)


@FAST
@given(instances())
def test_cpsat_schedules_are_valid_and_respect_routing_and_capability(request: ScheduleRequest) -> None:
    result = schedule(request)
    assert violations(request, result) == []
    assert not any("rejected by the checker" in note for note in result.explanation)
    lines = {line.id: line for line in request.lines}
    placed = {a.op_id: a for a in result.assignments}
    for op in request.operations:
        a = placed[op.id]
        if op.started is None:
            assert lines[a.line_id].can_do(op.op_type)
            assert all(placed[p].end <= a.start for p in op.predecessors)
            assert a.start >= request.now


@FAST
@given(instances(max_jobs=4, max_steps=3))
def test_cpsat_optimum_is_never_worse_than_the_rule(request: ScheduleRequest) -> None:
    # Without the rule's hint, so that a wrong model (too loose or too tight) shows up here.
    problem = compile_request(request)
    rule = dispatch(problem)
    solved = solve(problem, Budget(2.0))
    assert solved.placements is not None
    # The raw model output, before the scheduler's guard could swap in the rule's schedule.
    raw = build_schedule(problem, solved.placements, Method.CPSAT_FEASIBLE, 0.0, [])
    assert violations(request, raw) == []
    tardiness, makespan = grid_objective(problem, solved.placements)
    if solved.optimal:
        assert tardiness <= rule.tardiness
        if tardiness == rule.tardiness:
            assert makespan <= rule.makespan


@FAST
@given(instances())
def test_reported_figures_match_the_assignments(request: ScheduleRequest) -> None:
    result = schedule(replace(request, time_limit_seconds=0.2))
    finish: dict[str, datetime] = {}
    for a in result.assignments:
        finish[a.job_id] = max(a.end, finish.get(a.job_id, a.end))
    assert {o.job_id: o.finish for o in result.jobs} == finish
    assert result.weighted_tardiness == sum(o.weight * o.tardiness_minutes for o in result.jobs)
