"""Classic job-shop instances in the scheduler's terms, to measure it against published optima.

A job shop of ``n`` jobs on ``m`` machines: each job visits every machine once in its own order; one
line per machine, each able to do only its own operation type. FT10 (Fisher and Thompson, 1963; in
OR-Library as ``ft10``) has the proven optimal makespan 930.
"""

from __future__ import annotations

from datetime import datetime

from orchestrator.scheduling.model import Line, ObjectiveWeights, Operation, ScheduleRequest

# OR-Library format: one job per row, (machine, minutes) pairs in routing order.
_FT10_TEXT = """
0 29 1 78 2  9 3 36 4 49 5 11 6 62 7 56 8 44 9 21
0 43 2 90 4 75 9 11 3 69 1 28 6 46 5 46 7 72 8 30
1 91 0 85 3 39 2 74 8 90 5 10 7 12 6 89 9 45 4 33
1 81 2 95 0 71 4 99 6  9 8 52 7 85 3 98 9 22 5 43
2 14 0  6 1 22 5 61 3 26 4 69 8 21 7 49 9 72 6 53
2 84 1  2 5 52 3 95 8 48 9 72 0 47 6 65 4  6 7 25
1 46 0 37 3 61 2 13 6 32 5 21 9 32 8 89 7 30 4 55
2 31 0 86 1 46 5 74 4 32 6 88 8 19 9 48 7 36 3 79
0 76 1 69 3 76 5 51 2 85 9 11 6 40 7 89 4 26 8 74
1 85 0 13 2 61 6  7 8 64 9 76 5 47 3 52 4 90 7 45
"""

JobShop = tuple[tuple[tuple[int, int], ...], ...]


def parse_job_shop(text: str) -> JobShop:
    """Jobs of an OR-Library job-shop instance body: per row, ``machine minutes`` pairs."""
    jobs = []
    for row in text.strip().splitlines():
        numbers = [int(x) for x in row.split()]
        if len(numbers) % 2:
            raise ValueError(f"job-shop row needs machine/minutes pairs, got {row!r}")
        jobs.append(tuple(zip(numbers[::2], numbers[1::2], strict=True)))
    return tuple(jobs)


FT10: JobShop = parse_job_shop(_FT10_TEXT)
FT10_OPTIMUM = 930


def job_shop_request(
    jobs: JobShop, now: datetime, time_limit_seconds: float = 10.0
) -> ScheduleRequest:
    """A makespan-only request for a classic job-shop instance (machine ``k`` is line ``M<k>``)."""
    machines = sorted({machine for job in jobs for machine, _ in job})
    lines = tuple(Line(f"M{k}", frozenset({f"m{k}"})) for k in machines)
    operations = []
    for j, routing in enumerate(jobs):
        for step, (machine, minutes) in enumerate(routing):
            before = (f"J{j}.{step - 1}",) if step else ()
            operations.append(Operation(f"J{j}.{step}", f"J{j}", f"m{machine}", standard_minutes=minutes,
                                        predecessors=before))
    return ScheduleRequest(now=now, lines=lines, operations=tuple(operations),
                           time_limit_seconds=time_limit_seconds,
                           objective=ObjectiveWeights(tardiness=0, makespan=1))
