"""``python -m bench [--quick] [--out DIR]``: every benchmark in turn, figures printed and saved as JSON."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench import bench_explosion, bench_line_latency, bench_scheduler

BENCHMARKS = {
    "explosion": bench_explosion.run,
    "scheduler": bench_scheduler.run,
    "line_latency": bench_line_latency.run,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and shorter solver limits")
    parser.add_argument("--out", type=Path, default=Path("bench/reports"), help="where to write results.json")
    args = parser.parse_args(argv)
    results: dict[str, object] = {}
    for n, (name, run) in enumerate(BENCHMARKS.items(), start=1):
        print(f"\n=== [{n}/{len(BENCHMARKS)}] {name} ===", flush=True)
        started = time.perf_counter()
        results[name] = run(quick=args.quick)
        print(f"--- {name} took {time.perf_counter() - started:.1f} s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
