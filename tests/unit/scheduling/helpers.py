"""Small plants and random instances for the scheduler's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from orchestrator.scheduling import Downtime, Job, Line, Operation, ScheduleRequest, Started

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
OP_TYPES = ("cutting", "painting", "assembly")


def at(minutes: float) -> datetime:
    """Plant time ``minutes`` after NOW."""
    return NOW + timedelta(minutes=minutes)


def two_assembly_lines() -> tuple[Line, ...]:
    """A fabrication line, a paint shop and two assembly lines (ASM2 slower), like the default plant."""
    return (
        Line("FAB1", frozenset({"cutting", "welding"})),
        Line("PNT1", frozenset({"painting"})),
        Line("ASM1", frozenset({"assembly", "testing"})),
        Line("ASM2", frozenset({"assembly", "testing"}), speed_factor=0.8),
    )


def chain(job_id: str, *steps: tuple[str, float], due: float | None = None, release: float | None = None,
          weight: float = 1.0) -> tuple[Operation, ...]:
    """A job's routing as a chain of ``(op_type, minutes)`` steps; ids are ``<job>/<n>``."""
    ops = []
    for n, (op_type, minutes) in enumerate(steps, start=1):
        ops.append(Operation(
            id=f"{job_id}/{n}", job_id=job_id, op_type=op_type, standard_minutes=minutes,
            predecessors=(f"{job_id}/{n - 1}",) if n > 1 else (),
            release=at(release) if release is not None and n == 1 else None,
            due=at(due) if due is not None else None, weight=weight,
        ))
    return tuple(ops)


@st.composite
def instances(draw: st.DrawFn, max_jobs: int = 5, max_steps: int = 4) -> ScheduleRequest:
    """A random small plant and order book: capabilities, speeds, downtime, DAG routings, releases,
    due dates, weights, pinned lines and operations already running or done."""
    lines = []
    for k in range(draw(st.integers(1, 3))):
        capabilities = draw(st.sets(st.sampled_from(OP_TYPES), min_size=1))
        downtime = []
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.integers(-30, 300))
            downtime.append(Downtime(at(start), at(start + draw(st.integers(1, 120)))))
        speed = draw(st.sampled_from((0.8, 1.0, 1.2)))
        lines.append(Line(f"L{k}", frozenset(capabilities), speed, tuple(downtime)))
    doable = sorted(set().union(*(line.capabilities for line in lines)))
    operations: list[Operation] = []
    jobs = []
    for j in range(draw(st.integers(1, max_jobs))):
        job_id = f"J{j}"
        ids: list[str] = []
        for n in range(draw(st.integers(1, max_steps))):
            op_type = draw(st.sampled_from(doable))
            capable = [line.id for line in lines if op_type in line.capabilities]
            preds = tuple(draw(st.sets(st.sampled_from(ids)))) if ids else ()
            op_id = f"{job_id}/{n}"
            started = None
            if not preds and draw(st.integers(0, 5)) == 0:
                begin = draw(st.integers(-90, -1))
                end = at(begin + draw(st.integers(1, 60))) if draw(st.booleans()) else None
                started = Started(draw(st.sampled_from(capable)), at(begin), end if end and end <= NOW else None)
            operations.append(Operation(
                id=op_id, job_id=job_id, op_type=op_type,
                quantity=draw(st.integers(1, 5)),
                setup_minutes=draw(st.integers(0, 30)),
                run_minutes_per_unit=draw(st.sampled_from((0.5, 2.0, 7.5, 10.0))),
                predecessors=preds,
                release=at(draw(st.integers(0, 200))) if draw(st.booleans()) else None,
                pinned_line=draw(st.sampled_from(capable)) if draw(st.integers(0, 6)) == 0 else None,
                started=started,
            ))
            ids.append(op_id)
        due = at(draw(st.integers(20, 600))) if draw(st.integers(0, 4)) else None
        jobs.append(Job(job_id, due, draw(st.sampled_from((0.5, 1.0, 3.0)))))
    return ScheduleRequest(NOW, tuple(lines), tuple(operations), tuple(jobs), time_limit_seconds=0.5)
