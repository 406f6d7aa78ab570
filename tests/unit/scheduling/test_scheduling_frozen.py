"""Running, done and frozen operations stay put; the frozen window survives rescheduling."""

from __future__ import annotations

from dataclasses import replace

from orchestrator.scheduling import (
    AssignmentState,
    Downtime,
    DowntimeKind,
    Line,
    Operation,
    Placement,
    RescheduleReason,
    ScheduleRequest,
    Started,
    reschedule,
    schedule,
    violations,
)
from tests.unit.scheduling.helpers import NOW, at, chain, two_assembly_lines


def test_running_and_done_operations_keep_line_and_start() -> None:
    done = replace(chain("SO-1", ("cutting", 30))[0], started=Started("FAB1", at(-50), at(-20)))
    running = replace(chain("SO-2", ("assembly", 60))[0], started=Started("ASM2", at(-10)))
    waiting = chain("SO-3", ("assembly", 30), ("assembly", 30), due=60)
    request = ScheduleRequest(NOW, two_assembly_lines(), (done, running, *waiting), time_limit_seconds=2)
    result = schedule(request)
    assert violations(request, result) == []
    assert result.assignment_of("SO-1/1").state == AssignmentState.DONE
    assert (result.assignment_of("SO-1/1").start, result.assignment_of("SO-1/1").end) == (at(-50), at(-20))
    kept = result.assignment_of("SO-2/1")
    assert (kept.line_id, kept.start, kept.state) == ("ASM2", at(-10), AssignmentState.RUNNING)
    # 60 min of work at speed 0.8 is 75 min: ASM2 is busy until +65, so SO-3 goes to ASM1.
    assert kept.end == at(65)
    assert {result.assignment_of(f"SO-3/{n}").line_id for n in (1, 2)} == {"ASM1"}


def test_running_operation_pauses_over_a_fault_on_its_line() -> None:
    fault = Downtime(NOW, at(30), DowntimeKind.FAULT)
    lines = (Line("ASM1", frozenset({"assembly"}), downtime=(fault,)),)
    running = replace(chain("SO-1", ("assembly", 60))[0], started=Started("ASM1", at(-20)))
    result = schedule(ScheduleRequest(NOW, lines, (running,)))
    # 20 minutes done before the fault, 40 left after it.
    assert result.assignment_of("SO-1/1").end == at(70)


def test_frozen_operation_keeps_its_slot_even_when_another_line_is_better() -> None:
    op = replace(chain("SO-1", ("assembly", 40), due=40)[0], frozen=Placement("ASM2", at(20)))
    request = ScheduleRequest(NOW, two_assembly_lines(), (op,), time_limit_seconds=2)
    result = schedule(request)
    assert violations(request, result) == []
    a = result.assignment_of("SO-1/1")
    assert (a.line_id, a.start, a.end, a.state) == ("ASM2", at(20), at(70), AssignmentState.FROZEN)
    assert result.outcome_of("SO-1").tardiness_minutes == 30


def test_frozen_slot_on_a_line_that_went_down_is_released_with_a_reason() -> None:
    fault = Downtime(NOW, at(120), DowntimeKind.FAULT)
    lines = tuple(replace(line, downtime=(fault,)) if line.id == "ASM2" else line for line in two_assembly_lines())
    op = replace(chain("SO-1", ("assembly", 40))[0], frozen=Placement("ASM2", at(10)))
    request = ScheduleRequest(NOW, lines, (op,), time_limit_seconds=2)
    result = schedule(request)
    assert violations(request, result) == []
    assert result.unfrozen == ("SO-1/1",)
    assert result.assignment_of("SO-1/1").line_id == "ASM1"
    assert any("SO-1/1" in note and "unavailable" in note for note in result.explanation)


def test_frozen_start_already_passed_keeps_the_line_and_starts_now() -> None:
    frozen = replace(chain("SO-1", ("assembly", 40))[0], frozen=Placement("ASM2", at(-15)))
    urgent = chain("SO-2", ("assembly", 40), due=10, weight=9.0)
    request = ScheduleRequest(NOW, two_assembly_lines(), (frozen, *urgent), time_limit_seconds=2)
    result = schedule(request)
    assert violations(request, result) == []
    a = result.assignment_of("SO-1/1")
    assert (a.line_id, a.start, a.state) == ("ASM2", NOW, AssignmentState.FROZEN)


def test_reschedule_keeps_the_frozen_window_and_moves_only_later_work() -> None:
    lines = (Line("ASM1", frozenset({"assembly"})),)
    book = (*chain("SO-1", ("assembly", 30), due=500), *chain("SO-2", ("assembly", 30), due=500),
            *chain("SO-3", ("assembly", 30), due=500))
    request = ScheduleRequest(NOW, lines, book, frozen_window_minutes=45, time_limit_seconds=2)
    before = schedule(request)
    first = min(before.assignments, key=lambda a: a.start)
    second = sorted(before.assignments, key=lambda a: a.start)[1]
    # SO-4 is urgent: it would go first, but the two operations starting inside the window stay.
    urgent = chain("SO-4", ("assembly", 30), due=30, weight=5.0)
    later = replace(request, now=at(5), operations=(*book, *urgent))
    result = reschedule(before, later, RescheduleReason.NEW_ORDER)
    assert violations(result.request, result.schedule) == []
    # The first was due to start at 06:00 and is not reported started at 06:05: it starts now, and the
    # second follows it directly instead of at 06:30.
    assert (first.start, second.start) == (NOW, at(30))
    for kept, start in ((first, at(5)), (second, at(35))):
        again = result.schedule.assignment_of(kept.op_id)
        assert (again.line_id, again.start, again.state) == (kept.line_id, start, AssignmentState.FROZEN)
    assert result.schedule.assignment_of("SO-4/1").start == at(65)
    assert {m.op_id for m in result.moves} >= {first.op_id, second.op_id}
    assert result.added == ("SO-4/1",)
    assert result.schedule.explanation[0] == "rescheduled for new_order"


def test_reschedule_reports_dropped_operations() -> None:
    lines = (Line("ASM1", frozenset({"assembly"})),)
    book = (*chain("SO-1", ("assembly", 30)), *chain("SO-2", ("assembly", 30)))
    before = schedule(ScheduleRequest(NOW, lines, book, time_limit_seconds=1))
    withdrawn = ScheduleRequest(NOW, lines, tuple(op for op in book if op.job_id != "SO-2"), time_limit_seconds=1)
    result = reschedule(before, withdrawn, RescheduleReason.MANUAL)
    assert result.dropped == ("SO-2/1",)


def test_operation_ids_in_frozen_placement_must_name_a_capable_line() -> None:
    op = Operation("SO-1/1", "SO-1", "assembly", standard_minutes=10, frozen=Placement("PNT1", at(10)))
    request = ScheduleRequest(NOW, two_assembly_lines(), (op,), time_limit_seconds=1)
    result = schedule(request)
    assert result.unfrozen == ("SO-1/1",)
    assert violations(request, result) == []
