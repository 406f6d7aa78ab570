"""Work that stays where it is: operations the line reported running or done, and frozen placements.

Running and done operations are facts. A running one that a downtime window interrupts (a fault
holds the job, a shift ends) pauses and resumes afterwards, so its expected end moves.

A frozen placement keeps its line, its order on the line and its start, with two exceptions that
reality forces: a start that has passed without the line reporting it becomes *now* (the MES is
loading it), and a frozen operation behind reported work that runs late follows that work directly.
It is released (and rescheduled freely, with a note saying why) when keeping it makes no sense: its
line cannot do it or is down at that time, its materials are late, or a predecessor is not fixed.
"""

from __future__ import annotations

from orchestrator.scheduling.durations import processing_minutes, stretched_end
from orchestrator.scheduling.model import AssignmentState
from orchestrator.scheduling.problem import Fixed, Interval, Problem, Task, minutes_ceil, minutes_floor
from orchestrator.scheduling.timeline import Timeline


def fix_started(problem: Problem, downtime: dict[str, list[Interval]]) -> None:
    """Fix running and done operations where the line reported them."""
    for task in problem.tasks:
        started = task.op.started
        if started is None:
            continue
        start = minutes_floor(started.start, problem.origin)
        if started.end is not None:
            end = max(minutes_ceil(started.end, problem.origin), start + 1)
            task.fixed = Fixed(started.line_id, start, end, AssignmentState.DONE)
            continue
        work = processing_minutes(task.op, problem.lines[started.line_id])
        # A job overrunning its estimate is assumed to finish now: the line has not reported it done.
        end = max(stretched_end(start, work, downtime[started.line_id]), 0, start + 1)
        task.fixed = Fixed(started.line_id, start, end, AssignmentState.RUNNING)


def fix_frozen(problem: Problem, downtime: dict[str, list[Interval]]) -> None:
    """Fix the frozen placements that can be kept (after :func:`fix_started`); release the others."""
    work = {line_id: Timeline([]) for line_id in problem.lines}
    for task in problem.tasks:
        if task.fixed is not None:
            work[task.fixed.line_id].book(task.fixed.start, task.fixed.end)
    position = {i: k for k, i in enumerate(problem.topo)}
    frozen = [t for t in problem.tasks if t.op.frozen is not None and t.fixed is None]
    # The start of the last frozen task kept on each line: the next one may not begin before it, even where
    # a gap opened in front of it (a late predecessor pushed the earlier one back), or it would overtake it.
    sequence: dict[str, int] = {}
    # In planned order, so that each line keeps its sequence; routing order breaks ties.
    for task in sorted(frozen, key=lambda t: (t.op.frozen.start, position[t.index])):  # type: ignore[union-attr]
        placement = task.op.frozen
        assert placement is not None
        start, reason = _kept_start(problem, task, placement.line_id, work, downtime,
                                    sequence.get(placement.line_id, 0))
        if reason is not None:
            problem.unfrozen.append(task.op.id)
            problem.notes.append(f"operation {task.op.id} could not keep its frozen slot on {placement.line_id} "
                                 f"at {placement.start:%Y-%m-%d %H:%M}: {reason}; it was rescheduled")
            continue
        end = start + task.durations[placement.line_id]
        task.fixed = Fixed(placement.line_id, start, end, AssignmentState.FROZEN)
        work[placement.line_id].book(start, end)
        sequence[placement.line_id] = start


def _kept_start(
    problem: Problem, task: Task, line_id: str, work: dict[str, Timeline], downtime: dict[str, list[Interval]],
    not_before: int,
) -> tuple[int, str | None]:
    """Where a frozen task can start on its line (at ``not_before`` or later, to keep the line's frozen
    sequence), or why it cannot be kept."""
    assert task.op.frozen is not None
    duration = task.durations.get(line_id)
    if duration is None:
        return 0, "that line is unknown, cannot do it or is not the pinned line"
    start = max(0, minutes_ceil(task.op.frozen.start, problem.origin))
    if start < task.release:
        return 0, "its materials are not available by then"
    for p in task.preds:
        pred = problem.tasks[p].fixed
        if pred is None:
            return 0, f"its predecessor {problem.tasks[p].op.id} is not fixed before it"
        start = max(start, pred.end)
    start = work[line_id].earliest_fit(max(start, not_before), duration)
    if any(lo < start + duration and start < hi for lo, hi in downtime[line_id]):
        return 0, "the line is unavailable then"
    return start, None
