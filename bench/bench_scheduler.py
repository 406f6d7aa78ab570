"""Scheduler benchmark: CP-SAT against the dispatching rule, on a plant-sized instance and on FT10.

1. 200 customer orders x 4 operations on the six default lines (a seeded generator with the plant's
   product families, batch sizes, material release and due dates): wall time of ``schedule()``
   (median and spread over repeats), weighted tardiness and makespan, for CP-SAT under its time limit
   and for the dispatching rule alone.
2. The classic FT10 job shop (10 x 10, optimum 930): makespan by CP-SAT and by the rule, gap to 930.

The baseline of every figure is the dispatching rule on the same instance in the same run.

Run ``python -m bench.bench_scheduler [--quick]``: a table, then one JSON line of the figures
(:func:`run` returns them as a :class:`~bench.figures.BenchResult`).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.figures import BenchResult, Figure, Series
from bench.report import show
from bench.sampling import curve
from orchestrator.scheduling import Job, Line, Operation, Schedule, ScheduleRequest, schedule, violations
from orchestrator.scheduling.jobshop import FT10, FT10_OPTIMUM, job_shop_request

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
RULE = "dispatching rule"

DEFAULT_LINES = (
    Line("FAB1", frozenset({"cutting", "sheet_metal", "welding"}), 1.0),
    Line("PNT1", frozenset({"painting"}), 1.0),
    Line("ASM1", frozenset({"assembly", "wiring", "testing"}), 1.0),
    Line("ASM2", frozenset({"assembly", "wiring", "testing"}), 0.8),
    Line("SEW1", frozenset({"cutting", "sewing", "pressing"}), 1.0),
    Line("PCK1", frozenset({"testing", "packing"}), 1.2),
)

# Routings of the product families the default plant makes (4 operations each).
FAMILIES = {
    "air_conditioner": ("sheet_metal", "painting", "assembly", "testing"),
    "cabinet": ("cutting", "welding", "painting", "packing"),
    "control_unit": ("assembly", "wiring", "testing", "packing"),
    "sofa_cover": ("cutting", "sewing", "pressing", "packing"),
}
# Per operation type: setup minutes, and the range of run minutes per unit.
TIMES = {
    "cutting": (15, (1.0, 3.0)),
    "sheet_metal": (20, (2.0, 5.0)),
    "welding": (15, (3.0, 6.0)),
    "painting": (30, (1.5, 3.0)),
    "sewing": (10, (4.0, 8.0)),
    "pressing": (5, (1.0, 2.0)),
    "assembly": (20, (4.0, 9.0)),
    "wiring": (10, (3.0, 6.0)),
    "testing": (5, (1.0, 3.0)),
    "packing": (5, (0.5, 1.5)),
}


def plant_orders(
    orders: int = 200, seed: int = 42, now: datetime = NOW
) -> tuple[tuple[Operation, ...], tuple[Job, ...]]:
    """A reproducible order book: ``orders`` jobs of 4 chained operations, with releases and due dates."""
    rng = random.Random(seed)
    operations: list[Operation] = []
    jobs: list[Job] = []
    for n in range(orders):
        job_id = f"SO-{n + 1:04d}"
        family = rng.choice(list(FAMILIES))
        quantity = rng.choice((1, 1, 2, 4, 6, 10, 12, 20))
        # Most materials are in stock; the rest arrive over the next two plant days.
        release = now if rng.random() < 0.6 else now + timedelta(minutes=rng.randrange(60, 48 * 60, 30))
        work = 0.0
        for step, op_type in enumerate(FAMILIES[family]):
            setup, (low, high) = TIMES[op_type]
            run = round(rng.uniform(low, high), 1)
            work += setup + quantity * run
            operations.append(Operation(
                id=f"{job_id}/{step + 1}", job_id=job_id, op_type=op_type, quantity=quantity,
                setup_minutes=setup, run_minutes_per_unit=run,
                predecessors=(f"{job_id}/{step}",) if step else (), release=release if step == 0 else None,
            ))
        # Promised lead time: a multiple of the work content plus a queueing allowance.
        # The allowance grows with the order book, as a quote would see the queue.
        allowance = work * rng.uniform(1.5, 3.0) + rng.randrange(4 * 60, max(5 * 60, 18 * orders), 60)
        due = release + timedelta(minutes=allowance)
        jobs.append(Job(job_id, due, rng.choices((1.0, 2.0, 5.0), weights=(70, 20, 10))[0]))
    return tuple(operations), tuple(jobs)


def plant_request(time_limit_seconds: float, seed: int = 42, random_seed: int = 17) -> ScheduleRequest:
    """The 200 x 4 benchmark request on the default plant."""
    operations, jobs = plant_orders(seed=seed)
    return ScheduleRequest(NOW, DEFAULT_LINES, operations, jobs, time_limit_seconds=time_limit_seconds,
                           random_seed=random_seed)


def _timed(request: ScheduleRequest) -> tuple[Schedule, float]:
    began = time.perf_counter()
    result = schedule(request)
    elapsed = time.perf_counter() - began
    problems = violations(request, result)
    if problems:
        raise AssertionError(f"{result.method} schedule invalid: {problems[:3]}")
    return result, elapsed


def _tardiness(runs: list[tuple[Schedule, float]]) -> list[float]:
    return [float(o.tardiness_minutes) for s, _ in runs for o in s.jobs]


def bench_plant(repeats: int, time_limit: float) -> tuple[list[Figure], list[Series]]:
    """CP-SAT (under ``time_limit``) and the rule alone on the 200 x 4 instance, ``repeats`` times each."""
    cpsat = [_timed(plant_request(time_limit, random_seed=17 + r)) for r in range(repeats)]
    rule = [_timed(plant_request(0.0)) for _ in range(repeats)]

    def figure(name: str, unit: str, value: Callable[[Schedule, float], float], **kw: Any) -> Figure:
        return Figure(f"{name}, 200 orders x 4 ops", unit, [value(*r) for r in cpsat], [value(*r) for r in rule],
                      RULE, higher_is_better=False, **kw)

    tardiness = figure("weighted tardiness", "min", lambda s, _: s.weighted_tardiness, target="below the rule's")
    tardiness.met = tardiness.median < (tardiness.baseline_median or 0)
    if not tardiness.met:
        tardiness.note = f"CP-SAT within {time_limit:g} s did no better than the dispatching rule"
    figures = [
        tardiness,
        figure("late jobs", "jobs", lambda s, _: float(sum(1 for o in s.jobs if o.tardiness_minutes > 0))),
        figure("makespan", "min", lambda s, _: s.makespan_minutes),
        figure("solve time", "s", lambda _, elapsed: elapsed,
               note=f"CP-SAT uses its {time_limit:g} s limit; the rule's time is the price of an answer at once"),
    ]
    series = [curve("scheduler_job_tardiness", label, _tardiness(runs), "tardiness, plant minutes per job")
              for label, runs in ((f"CP-SAT {time_limit:g} s", cpsat), (RULE, rule))]
    return figures, series


def bench_ft10(repeats: int, time_limit: float) -> list[Figure]:
    """Makespan on FT10 by CP-SAT (under ``time_limit``) and by the rule, with the gap to the optimum."""
    base = job_shop_request(FT10, NOW, time_limit)
    cpsat = [_timed(replace(base, random_seed=17 + r)) for r in range(repeats)]
    rule = [_timed(replace(base, time_limit_seconds=0.0))]  # deterministic: one run says it all
    best = min(s.makespan_minutes for s, _ in cpsat)
    makespan = Figure("makespan, FT10 job shop", "min", [s.makespan_minutes for s, _ in cpsat],
                      [s.makespan_minutes for s, _ in rule], RULE, higher_is_better=False, target="below the rule's")
    makespan.met = makespan.median < (makespan.baseline_median or 0)
    gap = 100 * (makespan.median - FT10_OPTIMUM) / FT10_OPTIMUM
    makespan.note = (f"best of {repeats}: {best:g}; the median is {gap:.1f} % above the optimum {FT10_OPTIMUM}"
                     if gap > 0 else f"the median reached the optimum {FT10_OPTIMUM}")
    return [makespan,
            Figure("solve time, FT10 job shop", "s", [e for _, e in cpsat], [e for _, e in rule], RULE,
                   higher_is_better=False)]


def run(quick: bool = False) -> BenchResult:
    """All scheduler figures; ``quick`` uses fewer repeats and shorter limits (about 20 s in all).

    The baseline is the dispatching rule alone, on the same instance in the same run.
    """
    repeats, plant_limit, ft10_limit = (2, 5.0, 5.0) if quick else (3, 30.0, 15.0)
    print(f"    200 orders x 4 operations: CP-SAT {plant_limit:g} s and the rule, {repeats} repeats", flush=True)
    plant, series = bench_plant(repeats, plant_limit)
    print(f"    FT10: CP-SAT {ft10_limit:g} s, {repeats} repeats, and the rule", flush=True)
    ft10 = bench_ft10(repeats, ft10_limit)
    notes = [
        f"200 orders x 4 operations on the six default lines, {repeats} repeats with CP-SAT limited to "
        f"{plant_limit:g} s (a different seed per repeat); FT10 (10 x 10, optimum {FT10_OPTIMUM}) with a "
        f"{ft10_limit:g} s limit.",
        "Baseline: the dispatching rule alone (no time limit) on the same instance; a ratio below 1 means "
        "CP-SAT did better.",
    ]
    return BenchResult("Scheduler: CP-SAT against the dispatching rule", [*plant, *ft10], series, notes)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter time limits")
    show(run(quick=parser.parse_args().quick))


if __name__ == "__main__":
    main()
