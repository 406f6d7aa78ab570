"""Request validation, durations, line calendars, and passing through Temporal's data converter."""

from __future__ import annotations

from datetime import datetime

import pytest
from temporalio.converter import DataConverter

from orchestrator.scheduling import (
    Downtime,
    Line,
    Operation,
    Schedule,
    ScheduleRequest,
    ScheduleRequestError,
    Started,
    processing_minutes,
    schedule,
)
from orchestrator.scheduling.durations import stretched_end
from orchestrator.scheduling.timeline import Timeline
from tests.unit.scheduling.helpers import NOW, at, chain, two_assembly_lines


def problems_of(request: ScheduleRequest) -> list[str]:
    with pytest.raises(ScheduleRequestError) as raised:
        schedule(request)
    return raised.value.problems


def test_processing_time_is_setup_plus_quantity_times_run_over_speed_rounded_up() -> None:
    op = Operation("o", "j", "assembly", quantity=7, setup_minutes=20, run_minutes_per_unit=0.1)
    assert processing_minutes(op, Line("ASM1", frozenset({"assembly"}))) == 21  # 20.7 -> 21
    assert processing_minutes(op, Line("ASM2", frozenset({"assembly"}), 0.8)) == 26  # 25.875 -> 26
    exact = Operation("o", "j", "assembly", quantity=100, run_minutes_per_unit=1.1)
    assert processing_minutes(exact, Line("L", frozenset({"assembly"}))) == 110  # not 111 from 110.00000000000001
    assert processing_minutes(Operation("o", "j", "x", standard_minutes=0), Line("L", frozenset({"x"}))) == 1


def test_running_work_pauses_over_blocked_windows() -> None:
    assert stretched_end(0, 60, [(10, 20), (100, 110)]) == 70
    assert stretched_end(0, 60, [(-5, 5)]) == 65
    assert stretched_end(0, 60, []) == 60


def test_timeline_finds_the_earliest_gap_that_fits() -> None:
    line = Timeline([(10, 20), (30, 40)])
    assert line.earliest_fit(0, 10) == 0
    assert line.earliest_fit(0, 11) == 40
    assert line.earliest_fit(15, 10) == 20
    line.book(20, 30)
    assert line.earliest_fit(0, 11) == 40
    assert line.earliest_fit(12, 1) == 40


def test_line_takes_plain_windows_and_refuses_nonsense() -> None:
    line = Line("L", {"assembly"}, 1.0, ((at(60), at(90)), (at(0), at(10))))  # type: ignore[arg-type]
    assert line.downtime == (Downtime(at(0), at(10)), Downtime(at(60), at(90)))
    assert isinstance(line.capabilities, frozenset)
    with pytest.raises(ValueError, match="speed_factor must be positive"):
        Line("L", frozenset(), 0)
    with pytest.raises(ValueError, match="must end after it starts"):
        Downtime(at(10), at(10))


def test_bad_requests_list_every_problem_with_where_and_how() -> None:
    ops = (
        Operation("a", "J1", "assembly", standard_minutes=10, predecessors=("ghost",)),
        Operation("b", "J1", "welding_robot", standard_minutes=10),
        Operation("c", "J2", "assembly", quantity=0, setup_minutes=-1),
        Operation("d", "J2", "assembly", pinned_line="PNT1"),
        Operation("d", "J3", "assembly"),
        Operation("e", "J3", "assembly", started=Started("XX9", at(-5))),
    )
    found = problems_of(ScheduleRequest(NOW, two_assembly_lines(), ops))
    text = "\n".join(found)
    assert "operation a (job J1): predecessor 'ghost' is not among the request's operations" in text
    assert "operation b (job J1): no line can do 'welding_robot'; add the capability" in text
    assert "operation c (job J2): quantity must be at least 1, got 0" in text
    assert "operation c (job J2): setup_minutes must be >= 0, got -1" in text
    assert "pinned line 'PNT1' is unknown or cannot do 'assembly'; capable lines: ['ASM1', 'ASM2']" in text
    assert "operation id 'd' appears more than once" in text
    assert "started on unknown line 'XX9'" in text


def test_cycles_and_naive_datetimes_are_refused() -> None:
    cycle = (Operation("a", "J", "assembly", predecessors=("b",)), Operation("b", "J", "assembly", predecessors=("a",)))
    assert any("form a cycle" in p for p in problems_of(ScheduleRequest(NOW, two_assembly_lines(), cycle)))
    naive = ScheduleRequest(datetime(2025, 1, 1), two_assembly_lines(), chain("J", ("assembly", 5)))
    assert any("has no timezone" in p for p in problems_of(naive))


def test_request_and_schedule_pass_through_temporal_payloads() -> None:
    lines = (*two_assembly_lines(), Line("X", frozenset({"assembly"}), 1.0, (Downtime(at(0), at(30)),)))
    running = Operation("r", "J9", "assembly", standard_minutes=30, started=Started("ASM1", at(-10)))
    request = ScheduleRequest(NOW, lines, (*chain("J1", ("cutting", 10), ("assembly", 20), due=40), running))
    converter = DataConverter.default.payload_converter
    assert converter.from_payloads(converter.to_payloads([request]), [ScheduleRequest])[0] == request
    result = schedule(request)
    assert converter.from_payloads(converter.to_payloads([result]), [Schedule])[0] == result
