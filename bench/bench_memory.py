"""Resident memory of the worker, the API and the Temporal server with 1,000 orders in flight.

A fresh stack (``c2m up --no-worker`` plus one worker process) runs a slow plant clock, so orders stay in
flight: production alone takes plant hours, and the default 48 h transit days of wall minutes. The baseline
is the same processes idle right after start. N orders of the throughput benchmark's mix are placed; once
none is still only ``received`` (every workflow has started its path), the resident memory (VmRSS, with
child processes) of each process is sampled every few seconds; the figures are those samples.

Run ``python -m bench.bench_memory [--quick]``: progress, then a table of the figures and the notes.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.bench_throughput import order_body, print_table
from bench.figures import BenchResult, Figure
from bench.stack import BenchStack, running_stack, scratch_dir, sigterm_as_interrupt

TIME_SCALE = 60.0  # a plant hour per wall minute: nothing ships during the measurement
PLACING_CONCURRENCY = 8
SAMPLES, SAMPLE_SECONDS = 10, 2.0
IDLE_SAMPLES = 5
SETTLE_LIMIT = 600.0  # wall seconds for every order to leave 'received'
PROCESSES = {"worker": "worker process (python -m orchestrator worker)",
             "api": "API process (python -m orchestrator api)",
             "temporal": "Temporal dev server"}
IN_FLIGHT = ("received", "planned", "sourcing", "materials_reserved", "scheduled", "in_production",
             "quality_check", "packed", "shipped")


def _sample(stack: BenchStack, count: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in PROCESSES}
    for i in range(count):
        for name, mib in stack.memory_mib().items():
            samples[name].append(round(mib, 1))
        if i < count - 1:
            time.sleep(SAMPLE_SECONDS)
    return samples


def _place(stack: BenchStack, n: int, peak: dict[str, float]) -> float:
    """Place ``n`` orders (in parallel) while tracking peak memory; returns the seconds it took."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(1.0):
            for name, mib in stack.memory_mib().items():
                peak[name] = max(peak.get(name, 0.0), mib)

    watcher = threading.Thread(target=watch, name="memory-peak", daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        with httpx.Client() as http, ThreadPoolExecutor(PLACING_CONCURRENCY) as pool:
            for i, _ in enumerate(pool.map(lambda i: stack.place(http, order_body(i), f"memory-{i}"), range(n))):
                if (i + 1) % 100 == 0:
                    print(f"  placed {i + 1}/{n} ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        done.set()
        watcher.join(timeout=10)
    return time.monotonic() - started


def _settle(stack: BenchStack, n: int) -> dict[str, int]:
    """Wait (bounded) until no order is only 'received'; returns how many orders are at each stage."""
    deadline = time.monotonic() + SETTLE_LIMIT
    with httpx.Client() as http:
        while True:
            stages = {s: stack.count(http, s) for s in IN_FLIGHT}
            if stages["received"] == 0 or time.monotonic() > deadline:
                return {s: c for s, c in stages.items() if c}
            print(f"  {stages['received']} of {n} orders still only received", flush=True)
            time.sleep(5.0)


def _in_flight(stack: BenchStack) -> int:
    """Orders placed and not yet ended (delivered, failed, cancelled or rejected)."""
    with httpx.Client() as http:
        resp = http.get(f"{stack.api}/api/orders", params={"limit": 1}, headers=stack.auth, timeout=30)
        resp.raise_for_status()
        ended = sum(stack.count(http, s) for s in ("delivered", "failed", "cancelled", "rejected"))
        return int(resp.json()["total"]) - ended


def run(quick: bool = False) -> BenchResult:
    """Idle memory, then memory with 1,000 orders in flight (quick: 100)."""
    n = 100 if quick else 1000
    result = BenchResult(f"Resident memory with {n} orders in flight")
    with scratch_dir("c2m-bench-memory-") as tmp, sigterm_as_interrupt(), \
            running_stack(Path(tmp) / "var", TIME_SCALE) as stack:
        time.sleep(5.0)  # the line monitors connect and the scheduler starts: idle means settled, not booting
        idle = _sample(stack, IDLE_SAMPLES)
        print(f"idle: {', '.join(f'{k} {v[-1]:.0f} MiB' for k, v in idle.items())}; placing {n} orders", flush=True)
        peak: dict[str, float] = {}
        placing = _place(stack, n, peak)
        stages = _settle(stack, n)
        loaded = _sample(stack, SAMPLES)
        in_flight = _in_flight(stack)
    for name, what in PROCESSES.items():
        before, after = statistics.median(idle[name]), statistics.median(loaded[name])
        per_order = (after - before) * 1024 / max(in_flight, 1)
        result.figures.append(Figure(
            f"{name} resident memory, {n} orders in flight", "MiB", loaded[name], baseline=idle[name],
            baseline_name="idle right after start", higher_is_better=False,
            note=f"VmRSS of the {what} and its children, sampled every {SAMPLE_SECONDS:g} s"))
        result.notes.append(f"{what}: {before:.0f} MiB idle, {after:.0f} MiB with {in_flight} orders in flight "
                            f"(about {per_order:.0f} KiB more per order); {peak.get(name, 0.0):.0f} MiB at most "
                            "while the orders were placed.")
    result.notes.append(f"{n} orders placed in {placing:.0f} s; {in_flight} in flight when sampled (just before: "
                        f"{', '.join(f'{c} {s}' for s, c in stages.items())}); plant clock ×{TIME_SCALE:g}.")
    if stages.get("received"):
        result.notes.append(f"{stages['received']} orders were still only received after {SETTLE_LIMIT:.0f} s: "
                            "their workflows had not started their path, so they may weigh less than the rest.")
    result.notes.append("The worker keeps at most its workflow cache's worth of workflows in memory (the "
                        "Temporal SDK's default, 1,000); beyond that, workflows are evicted and replayed from "
                        "history when woken, trading memory for round trips.")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Resident memory with 1,000 orders in flight.")
    parser.add_argument("--quick", action="store_true", help="100 orders instead of 1,000")
    args = parser.parse_args(argv)
    print_table(run(quick=args.quick))


if __name__ == "__main__":
    main()
