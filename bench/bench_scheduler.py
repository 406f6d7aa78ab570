"""Scheduler benchmark: CP-SAT against the dispatching rule, on a plant-sized instance and on FT10.

1. 200 customer orders x 4 operations on the six default lines (a seeded generator with the plant's
   product families, batch sizes, material release and due dates): wall time of ``schedule()``
   (median and spread over repeats), weighted tardiness and makespan, for CP-SAT under its time limit
   and for the dispatching rule alone.
2. The classic FT10 job shop (10 x 10, optimum 930): makespan by CP-SAT and by the rule, gap to 930.

Run ``python -m bench.bench_scheduler [--quick]``: a table, then one JSON line of the figures
(:func:`run` returns the same dict).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from orchestrator.scheduling import Job, Line, Operation, Schedule, ScheduleRequest, schedule, violations
from orchestrator.scheduling.jobshop import FT10, FT10_OPTIMUM, job_shop_request

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)

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


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def _figures(runs: list[tuple[Schedule, float]]) -> dict[str, object]:
    return {
        "solve_s": _spread([elapsed for _, elapsed in runs]),
        "weighted_tardiness": _spread([s.weighted_tardiness for s, _ in runs]),
        "makespan_min": _spread([s.makespan_minutes for s, _ in runs]),
        "late_jobs": _spread([float(sum(1 for o in s.jobs if o.tardiness_minutes > 0)) for s, _ in runs]),
        "methods": sorted({str(s.method) for s, _ in runs}),
    }


def bench_plant(repeats: int, time_limit: float) -> dict[str, object]:
    """CP-SAT (under ``time_limit``) and the rule alone on the 200 x 4 instance, ``repeats`` times each."""
    cpsat = [_timed(plant_request(time_limit, random_seed=17 + r)) for r in range(repeats)]
    rule = [_timed(plant_request(0.0)) for _ in range(repeats)]
    return {"orders": 200, "operations": 800, "lines": len(DEFAULT_LINES), "repeats": repeats,
            "time_limit_s": time_limit, "cpsat": _figures(cpsat), "dispatch": _figures(rule)}


def bench_ft10(repeats: int, time_limit: float) -> dict[str, object]:
    """Makespan on FT10 by CP-SAT (under ``time_limit``) and by the rule, with the gap to the optimum."""
    base = job_shop_request(FT10, NOW, time_limit)
    cpsat = [_timed(replace(base, random_seed=17 + r)) for r in range(repeats)]
    rule = [_timed(replace(base, time_limit_seconds=0.0))]

    def summary(runs: list[tuple[Schedule, float]]) -> dict[str, object]:
        best = min(s.makespan_minutes for s, _ in runs)
        return {"makespan": _spread([s.makespan_minutes for s, _ in runs]), "best": best,
                "gap_pct": round(100 * (best - FT10_OPTIMUM) / FT10_OPTIMUM, 2),
                "solve_s": _spread([elapsed for _, elapsed in runs]),
                "methods": sorted({str(s.method) for s, _ in runs})}

    return {"optimum": FT10_OPTIMUM, "repeats": repeats, "time_limit_s": time_limit,
            "cpsat": summary(cpsat), "dispatch": summary(rule)}


def run(quick: bool = False) -> dict[str, object]:
    """All scheduler figures; ``quick`` uses fewer repeats and shorter limits (about 20 s in all)."""
    repeats, plant_limit, ft10_limit = (2, 5.0, 5.0) if quick else (3, 30.0, 15.0)
    return {"benchmark": "scheduler", "quick": quick,
            "plant_200x4": bench_plant(repeats, plant_limit), "ft10": bench_ft10(repeats, ft10_limit)}


def table(figures: dict[str, object]) -> str:
    """The figures as a fixed-width text table."""
    plant, ft10 = figures["plant_200x4"], figures["ft10"]
    assert isinstance(plant, dict) and isinstance(ft10, dict)
    rows = [f"200 orders x 4 operations on 6 lines, {plant['repeats']} repeats, CP-SAT limit {plant['time_limit_s']} s",
            f"{'method':<10}{'solve s (median [min-max])':>30}{'weighted tardiness':>22}{'late jobs':>11}"
            f"{'makespan min':>14}"]
    for name in ("cpsat", "dispatch"):
        f = plant[name]
        rows.append(f"{name:<10}{_cell(f['solve_s']):>30}{_cell(f['weighted_tardiness'], 0):>22}"
                    f"{f['late_jobs']['median']:>11g}{f['makespan_min']['median']:>14g}")
    rows += ["", f"FT10 job shop (optimum {ft10['optimum']}), CP-SAT limit {ft10['time_limit_s']} s",
             f"{'method':<10}{'makespan (best)':>18}{'gap to 930':>12}{'solve s (median)':>18}"]
    for name in ("cpsat", "dispatch"):
        f = ft10[name]
        rows.append(f"{name:<10}{f['best']:>18g}{f['gap_pct']:>11g}%{f['solve_s']['median']:>18g}")
    return "\n".join(rows)


def _cell(spread: dict[str, float], digits: int = 3) -> str:
    return f"{spread['median']:.{digits}f} [{spread['min']:.{digits}f}-{spread['max']:.{digits}f}]"


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter time limits")
    figures = run(quick=parser.parse_args().quick)
    print(table(figures))
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
