"""Method choice: CP-SAT on FT10 near its optimum, the rule as fallback, windows for large instances."""

from __future__ import annotations

import time
from dataclasses import replace

from orchestrator.scheduling import Method, Operation, ScheduleRequest, schedule, violations
from orchestrator.scheduling.jobshop import FT10, FT10_OPTIMUM, job_shop_request
from tests.unit.scheduling.helpers import NOW, at, chain, two_assembly_lines


def test_ft10_within_ten_percent_of_the_optimum_in_a_few_seconds() -> None:
    request = job_shop_request(FT10, NOW, time_limit_seconds=6.0)
    began = time.monotonic()
    result = schedule(request)
    assert time.monotonic() - began < 8.0
    assert violations(request, result) == []
    assert result.method in (Method.CPSAT_OPTIMAL, Method.CPSAT_FEASIBLE)
    assert FT10_OPTIMUM <= result.makespan_minutes <= 1.1 * FT10_OPTIMUM


def test_the_rule_is_used_when_the_time_limit_is_tiny() -> None:
    request = job_shop_request(FT10, NOW, time_limit_seconds=0.001)
    result = schedule(request)
    assert result.method == Method.DISPATCH
    assert violations(request, result) == []
    assert any("no time for CP-SAT" in note for note in result.explanation)
    assert result.makespan_minutes >= FT10_OPTIMUM


def test_the_rule_is_used_above_the_size_threshold() -> None:
    request = replace(job_shop_request(FT10, NOW, time_limit_seconds=5), cpsat_max_operations=50)
    began = time.monotonic()
    result = schedule(request)
    assert time.monotonic() - began < 1.0
    assert result.method == Method.DISPATCH
    assert any("exceed cpsat_max_operations=50" in note for note in result.explanation)


def test_small_instance_is_solved_to_proven_optimality() -> None:
    ops = (*chain("SO-1", ("cutting", 30), ("assembly", 60), due=90),
           *chain("SO-2", ("cutting", 20), ("assembly", 60), due=100, weight=2.0),
           *chain("SO-3", ("painting", 45), ("assembly", 30), due=80))
    request = ScheduleRequest(NOW, two_assembly_lines(), ops, time_limit_seconds=5)
    result = schedule(request)
    assert result.method == Method.CPSAT_OPTIMAL
    assert result.tardiness_bound == result.weighted_tardiness  # proven: the bound meets the value
    assert violations(request, result) == []


def test_large_instance_is_improved_window_by_window() -> None:
    # 90 jobs of 4 operations: more than the whole-model limit, so CP-SAT works on windows.
    ops: list[Operation] = []
    for j in range(90):
        ops += chain(f"SO-{j}", ("cutting", 10 + j % 7), ("painting", 15 + j % 5), ("assembly", 20 + j % 11),
                     ("testing", 5), due=120 + 12 * j, release=(j % 4) * 30, weight=1.0 + j % 3)
    request = ScheduleRequest(NOW, two_assembly_lines(), tuple(ops), time_limit_seconds=4)
    rule = schedule(replace(request, time_limit_seconds=0))
    result = schedule(request)
    assert violations(request, result) == []
    assert any("time windows" in note for note in result.explanation)
    assert (result.weighted_tardiness, result.makespan_minutes) <= (rule.weighted_tardiness, rule.makespan_minutes)
    assert result.weighted_tardiness < rule.weighted_tardiness


def test_reproducible_mode_gives_the_same_schedule_twice() -> None:
    ops = (*chain("SO-1", ("cutting", 30), ("assembly", 60), due=60),
           *chain("SO-2", ("cutting", 20), ("assembly", 60), due=70),
           *chain("SO-3", ("cutting", 25), ("assembly", 45), due=50),
           *chain("SO-4", ("painting", 45), ("assembly", 30), due=80))
    request = ScheduleRequest(NOW, two_assembly_lines(), ops, time_limit_seconds=20, work_limit=0.2)
    assert schedule(request).assignments == schedule(request).assignments


def test_schedule_starts_on_the_minute_grid_after_now() -> None:
    lines = two_assembly_lines()
    request = ScheduleRequest(at(0.5), lines, chain("SO-1", ("assembly", 10)), time_limit_seconds=1)
    result = schedule(request)
    assert result.assignment_of("SO-1/1").start == at(1)
    assert violations(request, result) == []
