"""``python -m bench [--quick] [--out DIR] [--only NAME[,NAME]]``: every benchmark in turn, then the report.

A benchmark that fails is reported (the end of its traceback) and the others still run; the exit code is
1 when any failed. Progress goes to the terminal as it happens: ``[n/total] name``, the benchmark's own
steps, and its elapsed time.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench.figures import BenchResult
from bench.processes import ROOT
from bench.report import DEFAULT_OUT, Outcome, missed, write_report

#: name -> module exposing ``run(quick: bool = False) -> BenchResult``, in the order they run.
BENCHMARKS = {
    "explosion": "bench.bench_explosion",
    "scheduler": "bench.bench_scheduler",
    "line_latency": "bench.bench_line_latency",
    "intake": "bench.bench_intake",
    "live_status": "bench.bench_live_status",
    "throughput": "bench.bench_throughput",
    "memory": "bench.bench_memory",
}
#: Benchmarks skipped (not failed) while their module does not exist yet.
OPTIONAL: set[str] = set()
TICK_SECONDS = 30.0


def chosen(only: str | None) -> list[str]:
    """The benchmark names ``--only`` selects (all without it); a wrong name stops with the list of names."""
    if not only:
        return list(BENCHMARKS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"--only: no benchmark named {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return names


def runner(name: str) -> Callable[..., BenchResult] | None:
    """The benchmark's ``run``; None when an optional benchmark's module is not there yet."""
    module = BENCHMARKS[name]
    try:
        return importlib.import_module(module).run  # type: ignore[no-any-return]
    except ModuleNotFoundError as exc:
        if name in OPTIONAL and exc.name == module:
            return None
        raise


class Ticker:
    """Prints 'still running' every ``TICK_SECONDS`` so a long, quiet benchmark shows it is alive."""

    def __init__(self, label: str) -> None:
        self.label, self.started = label, time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            print(f"    ... {self.label} still running ({time.monotonic() - self.started:.0f} s)", flush=True)


def failure(exc: BaseException, frames: int = 8) -> str:
    """The error and the last project frames that led to it, paths relative to the project (for the report)."""
    root, lines = str(ROOT) + "/", []
    stack = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in stack if f.filename.startswith(root) and "site-packages" not in f.filename]
    shown = ours[-frames:] + ([stack[-1]] if stack and (not ours or stack[-1] is not ours[-1]) else [])
    for frame in shown:
        where = frame.filename.removeprefix(root)
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        lines.append(f'  File "{where}", line {frame.lineno}, in {frame.name}\n    {frame.line or ""}'.rstrip())
    causes: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 3:
        line = f"caused by {cause.__class__.__name__}: {cause}"
        if line not in causes:
            causes.append(line)
        cause = cause.__cause__ or cause.__context__
    return "\n".join([*lines, f"{exc.__class__.__name__}: {exc}", *causes])


def run_one(n: int, total: int, name: str, quick: bool) -> Outcome | None:
    """Run one benchmark with progress lines; its error becomes part of the outcome."""
    label = f"[{n}/{total}] {name}"
    load = os.getloadavg()[0]
    print(f"\n{label} ... (load average {load:.1f} on {os.cpu_count()} cores)", flush=True)
    started = time.monotonic()
    try:
        run = runner(name)
        if run is None:
            print(f"{label} skipped: its module {BENCHMARKS[name]} does not exist yet", flush=True)
            return None
        with Ticker(label):
            result = run(quick=quick)
        if not isinstance(result, BenchResult):
            raise TypeError(f"{BENCHMARKS[name]}.run returned {type(result).__name__}, not a BenchResult")
    except Exception as exc:
        seconds = time.monotonic() - started
        summary = failure(exc)
        print(f"{label} FAILED after {seconds:.1f} s: {exc.__class__.__name__}: {exc}", flush=True)
        return Outcome(name, seconds, error=summary, load=load)
    seconds = time.monotonic() - started
    print(f"{label} done in {seconds:.1f} s", flush=True)
    for sentence in missed(name, result):
        print(f"    target missed: {sentence}", flush=True)
    return Outcome(name, seconds, result=result, load=load)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks and write the report; 1 when any failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and shorter runs (minutes, not tens)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report folder (default bench/reports/)")
    parser.add_argument("--only", metavar="NAME[,NAME]", help=f"run only these: {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    names = chosen(args.only)
    outcomes: list[Outcome] = []
    started = time.monotonic()
    try:
        for n, name in enumerate(names, start=1):
            outcome = run_one(n, len(names), name, args.quick)
            if outcome is not None:
                outcomes.append(outcome)
    except KeyboardInterrupt:
        print("\ninterrupted: writing the report of what finished", flush=True)
        write_report(outcomes, args.out, args.quick)
        return 130
    path = write_report(outcomes, args.out, args.quick)
    failed = [o.name for o in outcomes if o.error]
    print(f"\n{len(outcomes)} benchmark(s) in {time.monotonic() - started:.0f} s; report written to {path}")
    if failed:
        print(f"failed: {', '.join(failed)} (their tracebacks are in the report)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
