"""Rescheduling on plant events: line fault, recovery, rush priority, new order."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orchestrator.scheduling import (
    DowntimeKind,
    Job,
    Line,
    RescheduleReason,
    ScheduleRequest,
    reschedule,
    schedule,
    violations,
)
from orchestrator.scheduling.events import line_fault, line_recovered, new_order, rush
from tests.unit.scheduling.helpers import NOW, at, chain, two_assembly_lines


def assembly_book() -> ScheduleRequest:
    ops = (*chain("SO-1", ("cutting", 20), ("assembly", 60), due=300),
           *chain("SO-2", ("cutting", 20), ("assembly", 60), due=300),
           *chain("SO-3", ("painting", 30), ("assembly", 40), due=400))
    return ScheduleRequest(NOW, two_assembly_lines(), ops, frozen_window_minutes=0, time_limit_seconds=2)


def test_a_line_fault_moves_waiting_work_to_another_capable_line_and_says_so() -> None:
    request = assembly_book()
    before = schedule(request)
    on_asm1 = [a for a in before.assignments if a.line_id == "ASM1"]
    assert on_asm1, "the fast assembly line should get work"
    faulted = line_fault(request, "ASM1", until=at(24 * 60), note="spindle overheated")
    result = reschedule(before, faulted, RescheduleReason.LINE_FAULT)
    assert violations(result.request, result.schedule) == []
    assert all(a.line_id != "ASM1" for a in result.schedule.assignments)
    moved = {m.op_id for m in result.moves if m.line_changed}
    assert moved == {a.op_id for a in on_asm1}
    assert all(m.to_line == "ASM2" for m in result.moves if m.line_changed)
    assert result.eta_changes, "slower line: some job finishes later"
    assert all(change.after >= change.before for change in result.eta_changes)


def test_a_fault_on_the_only_capable_line_pushes_work_past_the_recovery() -> None:
    request = assembly_book()
    before = schedule(request)
    result = reschedule(before, line_fault(request, "PNT1", until=at(180)), RescheduleReason.LINE_FAULT)
    assert violations(result.request, result.schedule) == []
    paint = result.schedule.assignment_of("SO-3/1")
    assert (paint.line_id, paint.start) == ("PNT1", at(180))
    eta = {change.job_id: change for change in result.eta_changes}
    assert eta["SO-3"].after > eta["SO-3"].before


def test_recovery_lets_work_come_back() -> None:
    faulted = line_fault(assembly_book(), "ASM1", until=at(24 * 60))
    during = schedule(faulted)
    recovered = line_recovered(faulted, "ASM1")
    assert all(w.kind != DowntimeKind.FAULT for line in recovered.lines for w in line.downtime)
    result = reschedule(during, recovered, RescheduleReason.LINE_RECOVERED)
    assert violations(result.request, result.schedule) == []
    assert any(a.line_id == "ASM1" for a in result.schedule.assignments)
    assert result.schedule.weighted_tardiness <= during.weighted_tardiness


def test_rush_priority_makes_a_late_job_go_first() -> None:
    lines = (Line("ASM1", frozenset({"assembly"})),)
    ops = (*chain("SO-1", ("assembly", 60), due=60), *chain("SO-2", ("assembly", 60), due=70))
    request = ScheduleRequest(NOW, lines, ops, frozen_window_minutes=0, time_limit_seconds=2)
    before = schedule(request)
    assert before.outcome_of("SO-1").tardiness_minutes == 0
    rushed = rush(request, "SO-2", weight=10.0, due=at(60))
    assert rushed.resolved_jobs()["SO-2"] == Job("SO-2", at(60), 10.0)
    result = reschedule(before, rushed, RescheduleReason.RUSH_PRIORITY)
    assert result.schedule.outcome_of("SO-2").tardiness_minutes == 0
    assert result.schedule.assignment_of("SO-2/1").start == NOW


def test_a_new_order_is_added_without_disturbing_the_frozen_window() -> None:
    request = assembly_book()
    before = schedule(request)
    order = chain("SO-9", ("assembly", 30), due=60, weight=3.0)
    grown = new_order(request, order, Job("SO-9", at(60), 3.0))
    result = reschedule(before, replace(grown, frozen_window_minutes=60), RescheduleReason.NEW_ORDER)
    assert violations(result.request, result.schedule) == []
    assert result.added == ("SO-9/1",)
    for a in before.assignments:
        if a.start < at(60):
            assert result.schedule.assignment_of(a.op_id).start == a.start


def test_event_helpers_refuse_unknown_lines_and_jobs() -> None:
    with pytest.raises(ValueError, match="unknown line 'NOPE'"):
        line_fault(assembly_book(), "NOPE", until=at(10))
    with pytest.raises(ValueError, match="must be after now"):
        line_fault(assembly_book(), "ASM1", until=NOW)
    with pytest.raises(ValueError, match="job 'SO-42' has no operations"):
        rush(assembly_book(), "SO-42", weight=5)
