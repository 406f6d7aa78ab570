"""Line monitor latency: from an OPC UA value change on a line to its event row in the database.

The real parts run together: the OPC UA plant simulator and the Temporal dev server (child processes), a
worker with the six line monitors (one heartbeating activity per line), and a SQLite app database (or
``--database-url``). Every line runs job after job; each ``ProducedQuantity`` change is a sample. The
monitor's latency is the event row's ``created_at`` minus the value's OPC UA source timestamp; the
baseline is the same change seen by a bare asyncua subscription client in the same process (what any
OPC UA client pays: the publishing interval and the transport). Progress rows are coalesced to at most
four a second per line; values the coalescing merged away are counted, not timed.

The run is split into consecutive windows of equal size (three; two in quick mode): each window is one
repeat, so every figure is a median ± spread over windows, measured on the same running servers.

Run ``python -m bench.bench_line_latency [--quick]``: a table, then one JSON line of the figures
(:func:`run` returns them as a :class:`~bench.figures.BenchResult`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from adapters.opcua import OpcUaLineControl
from bench.figures import BenchResult, Figure
from bench.processes import ROOT, child, free_port, temporal_client
from bench.report import show
from bench.sampling import curve, per_window, windows
from bench.ua_baseline import PUBLISHING_INTERVAL_MS, Baseline, timestamp
from orchestrator.clock import PlantClock
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.migrate import upgrade
from orchestrator.plant import PackMLState, Plant, load_plant
from orchestrator.temporal_server import dev_server_argv
from workflows.contracts import ClockSpec, work_order_id
from workflows.lines import LINE_WORKFLOWS, EventKinds, LineMonitorActivities, ensure_line_monitors
from workflows.lines.wiring import line_sources

TIME_SCALE = 600.0
SECONDS_PER_UNIT = 180.0  # plant seconds at nominal speed: about 0.3 wall seconds a unit
QUANTITY = 12
BASELINE = "bare asyncua subscription"


def simulator_args(directory: Path, port: int, epoch: float) -> list[str]:
    """The OPC UA plant simulator's command line: the default plant, random faults off."""
    return [sys.executable, "-m", "simulators.opcua_plant", "--host", "127.0.0.1", "--port", str(port),
            "--plant-file", str(ROOT / "plant" / "default.yaml"), "--state-file", str(directory / "sim.db"),
            "--time-scale", str(TIME_SCALE), "--epoch", str(epoch), "--no-random-faults", "--log-level", "WARNING"]


async def drive(control: OpcUaLineControl, baseline: Baseline, line: str, token: str, stop: asyncio.Event) -> int:
    """Run jobs on ``line`` one after another until ``stop``; returns how many were started."""
    jobs = 0
    while not stop.is_set():
        jobs += 1
        job = work_order_id(f"BENCH-{token}-{line}-{jobs}", "run")
        if not (await control.store_and_start(line, job, QUANTITY, 0.0, SECONDS_PER_UNIT)).accepted:
            raise RuntimeError(f"{line} refused job {job}")
        deadline = time.monotonic() + 60
        while baseline.state.get(line) != PackMLState.COMPLETE or baseline.job.get(line) != job:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{line}: job {job} did not complete within 60 s")
            await asyncio.sleep(0.02)
        await control.clear(line)
    return jobs


def stored_progress(engine: Engine, token: str) -> list[tuple[str, str, int, float]]:
    """(line, job, produced, created_at) of this run's progress rows."""
    query = select(EVENTS.c.line, EVENTS.c.payload, EVENTS.c.created_at).where(
        EVENTS.c.kind == EventKinds.LINE_PROGRESS)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(str(r.line), str(r.payload["work_order_id"]), int(r.payload["produced"]), timestamp(r.created_at))
            for r in rows if token in str(r.payload.get("work_order_id", ""))]


async def measure(quick: bool, database_url: str | None, directory: Path) -> dict[str, Any]:
    """Start everything, run jobs on every line for a while, and pair each stored value with the baseline's."""
    seconds = 8.0 if quick else 30.0
    url = database_url or f"sqlite:///{directory / 'c2m.db'}"
    upgrade(url)
    engine = make_engine(url)
    plant: Plant = load_plant(ROOT / "plant" / "default.yaml")
    epoch, token = time.time(), uuid.uuid4().hex[:6].upper()
    clock = PlantClock(epoch, TIME_SCALE)
    sim_port, temporal_port = free_port(), free_port()
    endpoint = f"opc.tcp://127.0.0.1:{sim_port}/"
    with child(simulator_args(directory, sim_port, epoch), sim_port, "the OPC UA plant simulator"), \
            child(dev_server_argv(None, temporal_port, None), temporal_port, "the Temporal dev server"):
        client = await temporal_client(temporal_port)

        async def temporal() -> Client:
            return client

        activities = LineMonitorActivities(engine, plant, temporal, ClockSpec(epoch=epoch, scale=TIME_SCALE),
                                           line_sources(plant, endpoint, clock.now))
        queue = f"bench-lines-{token}"
        async with Worker(client, task_queue=queue, workflows=LINE_WORKFLOWS, activities=activities.all()):
            ids = await ensure_line_monitors(client, plant, queue, ClockSpec(epoch=epoch, scale=TIME_SCALE))
            baseline = Baseline(endpoint, plant.line_ids)
            await baseline.start()
            try:
                await asyncio.sleep(2.0)  # the monitors connect and take their first snapshot
                print(f"    running jobs on {len(plant.line_ids)} lines for {seconds:g} s", flush=True)
                stop = asyncio.Event()
                async with OpcUaLineControl(endpoint) as control:
                    drivers = [asyncio.create_task(drive(control, baseline, line, token, stop))
                               for line in plant.line_ids]
                    await asyncio.sleep(seconds)
                    stop.set()
                    jobs = sum(await asyncio.gather(*drivers))
                await asyncio.sleep(1.0)  # the last coalesced rows are written
            finally:
                await baseline.stop()
        for workflow_id in ids:  # after the worker stopped, so no activity reports to a closed workflow
            await client.get_workflow_handle(workflow_id).terminate("benchmark over")
    rows = stored_progress(engine, token)
    engine.dispose()
    pairs = []  # (source time, monitor latency s, baseline latency s)
    for line, job, produced, created in rows:
        if produced > 0 and (line, job, produced) in baseline.seen:
            source, received = baseline.seen[(line, job, produced)]
            pairs.append((source, created - source, received - source))
    stored = {(line, job, produced) for line, job, produced, _ in rows}
    return {"lines": len(plant.line_ids), "seconds": seconds, "jobs": jobs, "database": url.split(":", 1)[0],
            "pairs": pairs, "changes_seen": len(baseline.seen), "coalesced_away": len(set(baseline.seen) - stored)}


def result(measured: dict[str, Any], quick: bool) -> BenchResult:
    """The figures: p50/p90/p99 of the monitor's latency against the bare client's, per window."""
    pairs = measured["pairs"]
    if not pairs:
        raise RuntimeError("no progress value was both stored and seen by the bare client: the line monitors "
                           "wrote nothing for this run (is the worker's line monitor failing?)")
    count = 2 if quick else 3
    monitor = windows([(t, m) for t, m, _ in pairs], count)
    bare = windows([(t, b) for t, _, b in pairs], count)
    figures = [Figure(f"p{p} OPC UA change -> event row", "ms", per_window(monitor, p, 1000),
                      per_window(bare, p, 1000), BASELINE, higher_is_better=False) for p in (50, 90, 99)]
    series = [curve("line_latency", "line monitor -> event row", [m for _, m, _ in pairs], "ms", 1000),
              curve("line_latency", BASELINE, [b for _, _, b in pairs], "ms", 1000)]
    notes = [
        f"{measured['lines']} lines ran {measured['jobs']} jobs in {measured['seconds']:g} s at time scale "
        f"{TIME_SCALE:g}; {len(pairs)} samples in {count} windows; database {measured['database']}.",
        f"{measured['coalesced_away']} of {measured['changes_seen']} value changes were merged away by the "
        "monitor's progress coalescing (at most four rows a second per line) and are not timed.",
        f"Baseline: the same values seen by a {BASELINE} in the benchmark process (publishing interval "
        f"{PUBLISHING_INTERVAL_MS:g} ms, like the monitor's).",
    ]
    return BenchResult("Line monitor latency: OPC UA value change to event row", figures, series, notes)


def run(quick: bool = False, database_url: str | None = None) -> BenchResult:
    """The latency figures; ``quick`` runs the lines for 8 s instead of 30 s (about 30 s in all, not 50 s)."""
    logging.getLogger("asyncua").setLevel(logging.ERROR)  # session and subscription revisions are expected
    with tempfile.TemporaryDirectory(prefix="c2m-bench-lines-") as tmp:
        return result(asyncio.run(measure(quick, database_url, Path(tmp))), quick)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="8 s of jobs instead of 30 s")
    parser.add_argument("--database-url", default=None, help="app database (default: a temporary SQLite file)")
    args = parser.parse_args()
    show(run(quick=args.quick, database_url=args.database_url))


if __name__ == "__main__":
    main()
