"""Line monitor latency: from an OPC UA value change on a line to its event row in the database.

The real parts run together: the OPC UA plant simulator and the Temporal dev server (child processes), a
worker with the six line monitors (one heartbeating activity per line), and a SQLite app database (or
``--database-url``). Every line runs job after job; each ``ProducedQuantity`` change is a sample. The
monitor's latency is the event row's ``created_at`` minus the value's OPC UA source timestamp; the
baseline is the same change seen by a bare asyncua subscription client in the same process (what any
OPC UA client pays: the publishing interval and the transport). Progress rows are coalesced to at most
four a second per line; values the coalescing merged away are counted, not timed.

Run ``python -m bench.bench_line_latency [--quick]``: a table, then one JSON line of the figures
(:func:`run` returns the same dict).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asyncua import Client as UaClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from adapters.opcua import OpcUaLineControl
from orchestrator.clock import PlantClock
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.migrate import upgrade
from orchestrator.plant import PackMLState, Plant, load_plant
from orchestrator.temporal_client import connect_temporal
from orchestrator.temporal_server import dev_server_argv
from workflows.contracts import ClockSpec, work_order_id
from workflows.lines import LINE_WORKFLOWS, EventKinds, LineMonitorActivities, ensure_line_monitors
from workflows.lines.wiring import line_sources

ROOT = Path(__file__).resolve().parent.parent
TIME_SCALE = 600.0
SECONDS_PER_UNIT = 180.0  # plant seconds at nominal speed: about 0.3 wall seconds a unit
QUANTITY = 12
PUBLISHING_INTERVAL_MS = 50.0  # the same as the line status adapter's


class Baseline:
    """A bare asyncua subscription client: when it sees each (line, job, produced) value, and line states."""

    def __init__(self, url: str, lines: list[str]) -> None:
        self.url, self.lines = url, lines
        self.client = UaClient(url, timeout=5)
        self.seen: dict[tuple[str, str, int], tuple[float, float]] = {}  # -> (source ts, received ts)
        self.job: dict[str, str] = {}
        self.state: dict[str, int] = {}
        self._field: dict[Any, tuple[str, str]] = {}

    async def start(self) -> None:
        """Connect and subscribe to each line's job id, produced quantity and state."""
        await self.client.connect()
        nodes = []
        for line in self.lines:
            for field, path in (("job", "JobOrder/JobOrderID"), ("produced", "JobOrder/ProducedQuantity"),
                                ("state", "Status/StateCurrent")):
                node = self.client.get_node(f"ns=2;s=Machines/{line}/{path}")
                self._field[node.nodeid] = (line, field)
                nodes.append(node)
        subscription = await self.client.create_subscription(PUBLISHING_INTERVAL_MS, self)
        await subscription.subscribe_data_change(nodes, queuesize=100, sampling_interval=0.0)  # type: ignore[call-overload]

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        """asyncua's callback for every value change."""
        received = time.time()
        line, field = self._field[node.nodeid]
        if field == "job":
            self.job[line] = str(val or "")
        elif field == "state":
            self.state[line] = int(val)
        elif self.job.get(line) and isinstance(val, int) and val > 0:
            source = _timestamp(data.monitored_item.Value.SourceTimestamp)
            self.seen.setdefault((line, self.job[line], val), (source, received))

    async def stop(self) -> None:
        """Disconnect."""
        with suppress(Exception):
            await self.client.disconnect()


def _timestamp(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def child(args: list[str], port: int, what: str) -> Iterator[None]:
    """Run a server as a child process (its output discarded) until the block ends; waits until it listens."""
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with code {proc.returncode}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not listen on port {port} within 30 s")
            time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def simulator_args(directory: Path, port: int, epoch: float) -> list[str]:
    """The OPC UA plant simulator's command line: the default plant, random faults off."""
    return [sys.executable, "-m", "simulators.opcua_plant", "--host", "127.0.0.1", "--port", str(port),
            "--plant-file", str(ROOT / "plant" / "default.yaml"), "--state-file", str(directory / "sim.db"),
            "--time-scale", str(TIME_SCALE), "--epoch", str(epoch), "--no-random-faults", "--log-level", "WARNING"]


async def temporal_client(port: int) -> Client:
    """A client of the dev server on ``port`` (it accepts connections a moment before it serves)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await connect_temporal(f"127.0.0.1:{port}")
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


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
    return [(str(r.line), str(r.payload["work_order_id"]), int(r.payload["produced"]), _timestamp(r.created_at))
            for r in rows if token in str(r.payload.get("work_order_id", ""))]


def spread(latencies_s: list[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean in milliseconds."""
    if not latencies_s:
        return {}
    ms = sorted(v * 1000 for v in latencies_s)

    def pct(p: float) -> float:
        return round(ms[min(len(ms) - 1, int(p / 100 * len(ms)))], 1)

    return {"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": round(ms[-1], 1),
            "mean": round(sum(ms) / len(ms), 1)}


async def measure(quick: bool, database_url: str | None, directory: Path) -> dict[str, Any]:
    """Start everything, run jobs on every line for a while, and compare the latencies."""
    started = time.monotonic()
    seconds = 8.0 if quick else 30.0
    url = database_url or f"sqlite:///{directory / 'c2m.db'}"
    upgrade(url)
    engine = make_engine(url)
    plant: Plant = load_plant(ROOT / "plant" / "default.yaml")
    epoch, token = time.time(), uuid.uuid4().hex[:6].upper()
    clock = PlantClock(epoch, TIME_SCALE)
    sim_port, temporal_port = _free_port(), _free_port()
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
            await asyncio.sleep(2.0)  # the monitors connect and take their first snapshot
            stop = asyncio.Event()
            async with OpcUaLineControl(endpoint) as control:
                drivers = [asyncio.create_task(drive(control, baseline, line, token, stop))
                           for line in plant.line_ids]
                await asyncio.sleep(seconds)
                stop.set()
                jobs = sum(await asyncio.gather(*drivers))
            await asyncio.sleep(1.0)  # the last coalesced rows are written
            await baseline.stop()
        for workflow_id in ids:  # after the worker stopped, so no activity reports to a closed workflow
            await client.get_workflow_handle(workflow_id).terminate("benchmark over")
    rows = stored_progress(engine, token)
    engine.dispose()
    monitor, base = [], []
    for line, job, produced, created in rows:
        if produced > 0 and (line, job, produced) in baseline.seen:
            source, received = baseline.seen[(line, job, produced)]
            monitor.append(created - source)
            base.append(received - source)
    stored = {(line, job, produced) for line, job, produced, _ in rows}
    return {
        "benchmark": "line_latency", "quick": quick, "lines": len(plant.line_ids), "seconds": seconds,
        "jobs": jobs, "time_scale": TIME_SCALE, "database": url.split(":", 1)[0],
        "samples": len(monitor), "changes_seen": len(baseline.seen),
        "coalesced_away": len(set(baseline.seen) - stored),
        "monitor_ms": spread(monitor), "baseline_ms": spread(base),
        "wall_s": round(time.monotonic() - started, 1),
    }


def run(quick: bool = False, database_url: str | None = None) -> dict[str, Any]:
    """The latency figures; ``quick`` runs the lines for 8 s instead of 30 s (about 30 s in all, not 50 s)."""
    with tempfile.TemporaryDirectory(prefix="c2m-bench-lines-") as tmp:
        return asyncio.run(measure(quick, database_url, Path(tmp)))


def table(figures: dict[str, Any]) -> str:
    """The figures as a fixed-width text table."""
    rows = [f"{figures['lines']} lines, {figures['jobs']} jobs in {figures['seconds']:g} s, "
            f"{figures['samples']} samples ({figures['coalesced_away']} of {figures['changes_seen']} changes "
            f"coalesced away), database {figures['database']}",
            f"{'observer':<28}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}"]
    for name, key in (("line monitor -> event row", "monitor_ms"), ("bare asyncua subscription", "baseline_ms")):
        f = figures[key]
        if f:
            rows.append(f"{name:<28}{f['p50']:>9}{f['p90']:>9}{f['p99']:>9}{f['max']:>9}{f['mean']:>9}")
    return "\n".join(rows)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="8 s of jobs instead of 30 s")
    parser.add_argument("--database-url", default=None, help="app database (default: a temporary SQLite file)")
    args = parser.parse_args()
    logging.getLogger("asyncua").setLevel(logging.ERROR)  # session and subscription revisions are expected
    figures = run(quick=args.quick, database_url=args.database_url)
    print(table(figures))
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
