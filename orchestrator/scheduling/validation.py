"""Input checks for a schedule request: every problem found, each saying what, where and how to fix it."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from orchestrator.scheduling.model import Line, Operation, ScheduleRequest


def request_problems(request: ScheduleRequest) -> list[str]:
    """All problems that make ``request`` unschedulable (empty when it is fine)."""
    problems: list[str] = []
    problems += _aware("now", [request.now])
    problems += _settings_problems(request)
    problems += _duplicates("line", [line.id for line in request.lines])
    problems += _duplicates("operation", [op.id for op in request.operations])
    problems += _duplicates("job", [job.id for job in request.jobs])
    for line in request.lines:
        problems += _aware(f"line {line.id} downtime", [t for w in line.downtime for t in (w.start, w.end)])
    for job in request.jobs:
        if job.weight < 0:
            problems.append(f"job {job.id}: weight must be >= 0, got {job.weight}")
        problems += _aware(f"job {job.id} due", [job.due])
    lines = {line.id: line for line in request.lines}
    known = {o.id for o in request.operations}
    for op in request.operations:
        problems += _operation_problems(request, op, lines, known)
    if not problems:
        try:
            topological_order(request.operations)
        except ValueError as cycle:
            problems.append(str(cycle))
    return problems


def _settings_problems(request: ScheduleRequest) -> list[str]:
    problems = []
    if request.time_limit_seconds < 0:
        problems.append(f"time_limit_seconds must be >= 0, got {request.time_limit_seconds}")
    if request.frozen_window_minutes < 0:
        problems.append(f"frozen_window_minutes must be >= 0, got {request.frozen_window_minutes}")
    if request.num_workers < 1:
        problems.append(f"num_workers must be >= 1, got {request.num_workers}")
    if request.work_limit is not None and request.work_limit <= 0:
        problems.append(f"work_limit must be positive when set, got {request.work_limit}")
    if request.objective.tardiness < 0 or request.objective.makespan < 0:
        problems.append(f"objective weights must be >= 0, got {request.objective}")
    return problems


def _operation_problems(request: ScheduleRequest, op: Operation, lines: Mapping[str, Line],
                        known: Collection[str]) -> list[str]:
    """``lines`` by id and the ``known`` operation ids are the request's, computed once for all operations."""
    where = f"operation {op.id} (job {op.job_id})"
    problems = []
    if op.quantity < 1:
        problems.append(f"{where}: quantity must be at least 1, got {op.quantity}")
    for name in ("setup_minutes", "run_minutes_per_unit", "standard_minutes"):
        value = getattr(op, name)
        if value is not None and value < 0:
            problems.append(f"{where}: {name} must be >= 0, got {value}")
    if op.weight is not None and op.weight < 0:
        problems.append(f"{where}: weight must be >= 0, got {op.weight}")
    for pred in op.predecessors:
        if pred == op.id:
            problems.append(f"{where}: lists itself as a predecessor; remove it")
        elif pred not in known:
            problems.append(f"{where}: predecessor {pred!r} is not among the request's operations; "
                            "add it (with `started.end` if it is done) or drop the reference")
    capable = sorted(line.id for line in request.lines if line.can_do(op.op_type))
    if op.pinned_line is not None and op.pinned_line not in capable:
        problems.append(f"{where}: pinned line {op.pinned_line!r} is unknown or cannot do {op.op_type!r}; "
                        f"capable lines: {capable or 'none'}")
    if not capable and op.started is None:
        problems.append(f"{where}: no line can do {op.op_type!r}; add the capability to a line "
                        f"(lines: {sorted(lines)})")
    if op.started is not None:
        if op.started.line_id not in lines:
            problems.append(f"{where}: started on unknown line {op.started.line_id!r}; lines: {sorted(lines)}")
        if op.started.end is not None and op.started.end < op.started.start:
            problems.append(f"{where}: started.end {op.started.end} is before started.start {op.started.start}")
    times = [op.release, op.due]
    times += [] if op.started is None else [op.started.start, op.started.end]
    times += [] if op.frozen is None else [op.frozen.start]
    problems += _aware(where, times)
    return problems


def _aware(where: str, times: Iterable[datetime | None]) -> list[str]:
    for t in times:
        if t is not None and (t.tzinfo is None or t.utcoffset() is None):
            return [f"{where}: datetime {t.isoformat()} has no timezone; pass timezone-aware plant times "
                    "(e.g. datetime(..., tzinfo=UTC))"]
    return []


def _duplicates(what: str, ids: list[str]) -> list[str]:
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    return [f"{what} id {i!r} appears more than once; ids must be unique" for i in twice]


def topological_order(operations: Iterable[Operation]) -> list[str]:
    """Operation ids with every predecessor before its successors (stable: request order breaks ties).

    Raises ValueError naming the operations on a precedence cycle.
    """
    ops = list(operations)
    position = {op.id: k for k, op in enumerate(ops)}
    indegree = {op.id: len(set(op.predecessors)) for op in ops}
    successors: dict[str, list[str]] = {op.id: [] for op in ops}
    for op in ops:
        for pred in set(op.predecessors):
            successors[pred].append(op.id)
    ready = deque(sorted((i for i, d in indegree.items() if d == 0), key=position.__getitem__))
    order: list[str] = []
    while ready:
        op_id = ready.popleft()
        order.append(op_id)
        for succ in sorted(successors[op_id], key=position.__getitem__):
            indegree[succ] -= 1
            if indegree[succ] == 0:
                ready.append(succ)
    if len(order) < len(ops):
        stuck = sorted(i for i, d in indegree.items() if d > 0)
        raise ValueError(f"the predecessors of operations {stuck[:10]} form a cycle; a routing must be acyclic")
    return order
