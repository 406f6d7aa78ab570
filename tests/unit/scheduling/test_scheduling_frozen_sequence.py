"""Frozen work keeps its order on the line, also when a late predecessor opens a gap in front of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.scheduling import (
    AssignmentState,
    Line,
    Placement,
    RescheduleReason,
    ScheduleRequest,
    Started,
    reschedule,
    schedule,
    violations,
)
from tests.unit.scheduling.helpers import NOW, at, chain, instances


def _cut_then_assemble() -> tuple[tuple[Line, ...], ScheduleRequest]:
    lines = (Line("FAB1", frozenset({"cutting"})), Line("ASM1", frozenset({"assembly"})))
    cut, assemble = chain("SO-1", ("cutting", 60), ("assembly", 30))
    # The cut was planned to end at +10 but started late: it runs until +50, and its assembly, frozen on
    # ASM1 at +10, can only follow it. SO-2's short job, frozen behind it at +40, would fit in front.
    cut = replace(cut, started=Started("FAB1", at(-10)))
    assemble = replace(assemble, frozen=Placement("ASM1", at(10)))
    behind = replace(chain("SO-2", ("assembly", 10))[0], frozen=Placement("ASM1", at(40)))
    return lines, ScheduleRequest(NOW, lines, (cut, assemble, behind), time_limit_seconds=1)


def test_frozen_work_waits_behind_a_frozen_predecessor_pushed_back_by_a_late_predecessor() -> None:
    _, request = _cut_then_assemble()
    result = schedule(request)  # used to raise SchedulingError: "SO-2/1 overtook SO-1/2 in the frozen sequence"
    assert violations(request, result) == []
    first, second = result.assignment_of("SO-1/2"), result.assignment_of("SO-2/1")
    assert (first.line_id, first.start, first.state) == ("ASM1", at(50), AssignmentState.FROZEN)
    assert (second.line_id, second.start, second.state) == ("ASM1", at(80), AssignmentState.FROZEN)


def test_the_order_holds_when_the_push_comes_through_a_frozen_predecessor_on_another_line() -> None:
    # Cutting on FAB1 runs late (until +50); SO-1's painting, frozen on PNT1 at +10,
    # follows it (+50..+70), so SO-1's assembly, frozen on ASM1 at +30, waits until +70. SO-2's assembly,
    # frozen on ASM1 at +60, would fit in the gap in front of it.
    lines = (Line("FAB1", frozenset({"cutting"})), Line("PNT1", frozenset({"painting"})),
             Line("ASM1", frozenset({"assembly"})))
    cut, paint, assemble = chain("SO-1", ("cutting", 60), ("painting", 20), ("assembly", 30))
    cut = replace(cut, started=Started("FAB1", at(-10)))
    paint = replace(paint, frozen=Placement("PNT1", at(10)))
    assemble = replace(assemble, frozen=Placement("ASM1", at(30)))
    behind = replace(chain("SO-2", ("assembly", 5))[0], frozen=Placement("ASM1", at(60)))
    request = ScheduleRequest(NOW, lines, (cut, paint, assemble, behind), time_limit_seconds=1)
    result = schedule(request)
    assert violations(request, result) == []
    assert result.assignment_of("SO-1/3").start == at(70)
    assert result.assignment_of("SO-2/1").start == at(100)


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances(max_jobs=8, max_steps=3), st.data())
def test_rescheduling_after_late_starts_always_gives_a_valid_schedule(request: ScheduleRequest,
                                                                      data: st.DataObject) -> None:
    """Plan, let time pass with operations starting late (or not at all), plan again keeping the window."""
    previous = schedule(replace(request, time_limit_seconds=0))
    later = NOW + timedelta(minutes=data.draw(st.integers(1, 90), label="minutes passed"))
    planned = {a.op_id: a for a in previous.assignments}
    started: dict[str, Started] = {}
    for op in request.operations:  # routing order: an operation starts only after its predecessors did
        a = planned[op.id]
        if op.started is not None:
            started[op.id] = op.started
            continue
        ready = all(p in started for p in op.predecessors)
        if not ready or a.start >= later or not data.draw(st.booleans(), label=f"{op.id} started"):
            continue
        begin = min(a.start + timedelta(minutes=data.draw(st.integers(0, 60), label=f"{op.id} late by")), later)
        started[op.id] = Started(a.line_id, begin)
    operations = tuple(replace(op, started=started.get(op.id, op.started)) for op in request.operations)
    revised = replace(request, now=later, operations=operations, time_limit_seconds=0)
    result = reschedule(previous, revised, RescheduleReason.MANUAL)
    assert violations(result.request, result.schedule) == []
