"""The simulated legacy gateway: the plant's lines as CSV over HTTP, completions numbered for pollers.

The plant simulator runs in the test's event loop (OPC UA on a free port, state in a temporary file)
with the gateway on a free port, so a test can run jobs through the simulator's own command path
and restart both on the same state file.
"""

from __future__ import annotations

import asyncio
import csv
import io
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from simulators.common.clock import SimClock
from simulators.gateway.export import COMPLETION_COLUMNS, LINE_COLUMNS, ExportBook
from simulators.gateway.server import GatewayError, LineGateway
from simulators.opcua_plant.packml import Status
from simulators.opcua_plant.plant_file import read_lines
from simulators.opcua_plant.server import PlantSimulator
from simulators.opcua_plant.store import LineStateStore
from tests.support.ports import free_port
from tests.support.processes import ROOT, running, tcp_open

TIME_SCALE = 600.0  # ten plant minutes per wall second: a 3-unit job of 60 s units lasts about half a second
LINES = ["FAB1", "PCK1"]


@asynccontextmanager
async def plant_with_gateway(state_file: Path, lines: list[str] = LINES) -> AsyncIterator[LineGateway]:
    """The plant simulator (lines ``LINES``) with its gateway exporting ``lines`` on a free port."""
    specs = [spec for spec in read_lines(ROOT / "plant" / "default.yaml") if spec.id in LINES]
    sim = PlantSimulator(specs, LineStateStore(state_file), SimClock(epoch=time.time(), scale=TIME_SCALE),
                         port=free_port(), random_faults=False, tick=0.05)
    await sim.start()
    gateway = LineGateway(sim, lines, port=0)
    try:
        await gateway.start()
        yield gateway
    finally:
        await gateway.stop()
        await sim.stop()


def table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV text's header and rows."""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


async def get_csv(client: httpx.AsyncClient, path: str) -> tuple[list[str], list[dict[str, str]]]:
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return table(answer.text)


async def row_of(client: httpx.AsyncClient, line: str) -> dict[str, str]:
    _, rows = await get_csv(client, "/export/lines.csv")
    [row] = [r for r in rows if r["line"] == line]
    return row


async def wait_row(client: httpx.AsyncClient, line: str, check: Callable[[dict[str, str]], bool],
                   timeout: float = 10.0) -> dict[str, str]:
    """Poll ``lines.csv`` until ``line``'s row passes ``check``; fail with the last row after ``timeout``."""
    deadline = time.monotonic() + timeout
    row: dict[str, str] = {}
    while time.monotonic() < deadline:
        row = await row_of(client, line)
        if check(row):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"{line}'s row never passed the check within {timeout} s; last row {row}")


async def run_job(gateway: LineGateway, client: httpx.AsyncClient, line: str, job: str) -> dict[str, str]:
    """Run a 3-unit job to Complete and take it off the line; the row that showed it complete."""
    assert await gateway.sim.command(line, "StoreAndStart", [job, 3, 0.0, 60.0]) == Status.OK
    row = await wait_row(client, line, lambda r: r["state"] == "17" and r["last_completed_job_order_id"] == job)
    assert await gateway.sim.command(line, "Clear", []) == Status.OK
    return row


async def test_each_line_is_one_row_and_each_completion_is_numbered(tmp_path: Path) -> None:
    async with plant_with_gateway(tmp_path / "plant.db") as gateway, \
            httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:
        header, rows = await get_csv(client, "/export/lines.csv")
        assert header == list(LINE_COLUMNS)
        assert [r["line"] for r in rows] == LINES
        fab1 = rows[0]
        assert (fab1["state"], fab1["state_name"], fab1["mode"], fab1["completed_count"]) == ("4", "Idle", "1", "0")
        assert fab1["job_order_id"] == "" and fab1["stop_reason"] == "0"
        datetime.fromisoformat(fab1["timestamp"].replace("Z", "+00:00"))  # a readable time stamp

        done = await run_job(gateway, client, "FAB1", "WO-G1")
        assert (done["state_name"], done["job_order_id"], done["produced_quantity"]) == ("Complete", "WO-G1", "3")
        assert done["completed_count"] == "1"
        header, completions = await get_csv(client, "/export/lines/FAB1/completions.csv?since=0")
        assert header == list(COMPLETION_COLUMNS)
        assert [(c["seq"], c["job_order_id"], c["planned_quantity"], c["produced_quantity"]) for c in completions] \
            == [("1", "WO-G1", "3", "3")]
        assert (await get_csv(client, "/export/lines/FAB1/completions.csv?since=1"))[1] == []

        await run_job(gateway, client, "FAB1", "WO-G2")
        _, newer = await get_csv(client, "/export/lines/FAB1/completions.csv?since=1")
        assert [(c["seq"], c["job_order_id"]) for c in newer] == [("2", "WO-G2")]
        assert (await row_of(client, "FAB1"))["completed_count"] == "2"
        assert (await row_of(client, "PCK1"))["completed_count"] == "0"  # numbered per line


async def test_a_fault_shows_its_stop_reason_code_and_text(tmp_path: Path) -> None:
    async with plant_with_gateway(tmp_path / "plant.db") as gateway, \
            httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:
        assert await gateway.sim.command("PCK1", "StoreAndStart", ["WO-F1", 50, 0.0, 600.0]) == Status.OK
        assert await gateway.sim.command("PCK1", "InjectFault", ["hold", "Jammed carton", 0.0]) == Status.OK
        held = await wait_row(client, "PCK1", lambda r: r["state_name"] == "Held")
        assert (held["stop_reason"], held["stop_reason_text"]) == ("100", "Jammed carton")
        assert held["job_order_id"] == "WO-F1"


async def test_bad_requests_say_what_is_wrong(tmp_path: Path) -> None:
    async with plant_with_gateway(tmp_path / "plant.db", lines=["PCK1"]) as gateway, \
            httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:
        assert [r["line"] for r in (await get_csv(client, "/export/lines.csv"))[1]] == ["PCK1"]
        unknown = await client.get("/export/lines/FAB1/completions.csv")
        assert unknown.status_code == 404
        assert "no line 'FAB1' on this gateway; its lines: PCK1" in unknown.text
        assert (await client.get("/export/lines/PCK1/completions.csv?since=-1")).status_code == 422


async def test_after_a_restart_the_history_is_numbered_again_from_what_the_lines_remember(tmp_path: Path) -> None:
    state = tmp_path / "plant.db"
    async with plant_with_gateway(state) as gateway, httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:
        await run_job(gateway, client, "FAB1", "WO-R1")
        first_start = (await row_of(client, "FAB1"))["gateway_started"]
    async with plant_with_gateway(state) as gateway, httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:
        row = await row_of(client, "FAB1")
        assert row["gateway_started"] != first_start  # how a poller knows the numbering started again
        assert (row["completed_count"], row["last_completed_job_order_id"]) == ("1", "WO-R1")
        _, history = await get_csv(client, "/export/lines/FAB1/completions.csv?since=0")
        assert [(c["seq"], c["job_order_id"], c["produced_quantity"]) for c in history] == [("1", "WO-R1", "")]


def test_the_history_is_bounded_and_the_count_keeps_rising() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    book = ExportBook(started=at, history_kept=2)
    book.add_line("FAB1", {"state": 4, "completed_job_orders": []}, at)
    for n in range(1, 4):
        done = book.update("FAB1", {"state": 17, "job_order_id": f"J{n}", "produced_quantity": n,
                                    "completed_job_orders": [f"J{k}" for k in range(1, n + 1)]}, at)
        assert [(c.seq, c.job_order_id, c.produced_quantity) for c in done] == [(n, f"J{n}", n)]
    assert book.update("FAB1", {"state": 4, "completed_job_orders": ["J1", "J2", "J3"]}, at) == []
    _, rows = table(book.completions_csv("FAB1", since=0))
    assert [r["seq"] for r in rows] == ["2", "3"]  # seq 1 fell off the history
    _, lines = table(book.lines_csv())
    assert lines[0]["completed_count"] == "3"


def test_the_simulator_serves_the_gateway_only_when_asked(tmp_path: Path) -> None:
    gateway_port = free_port()
    base = ["-m", "simulators.opcua_plant", "--plant-file", str(ROOT / "plant" / "default.yaml"),
            "--state-file", str(tmp_path / "plant.db"), "--no-random-faults"]
    args = [*base, "--port", str(free_port()), "--gateway-port", str(gateway_port), "--gateway-lines", "SEW1,PCK1"]
    with running(args, tcp_open(gateway_port), "plant simulator with its gateway", timeout=30,
                 log_path=tmp_path / "sim.log"):
        _, rows = table(httpx.get(f"http://127.0.0.1:{gateway_port}/export/lines.csv", timeout=5).text)
        assert [r["line"] for r in rows] == ["SEW1", "PCK1"]

    with socket.socket() as taken:  # the gateway's port is in use: the simulator says so and exits
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, *base, "--port", str(free_port()), "--gateway-port", str(busy)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode != 0
    assert f"the line gateway cannot listen on 127.0.0.1:{busy}" in result.stderr, result.stderr


async def test_a_gateway_for_lines_the_plant_lacks_is_refused(tmp_path: Path) -> None:
    specs = [spec for spec in read_lines(ROOT / "plant" / "default.yaml") if spec.id == "FAB1"]
    sim = PlantSimulator(specs, LineStateStore(tmp_path / "plant.db"), SimClock(epoch=time.time()),
                         port=free_port(), random_faults=False)
    try:
        with pytest.raises(GatewayError, match=r"gateway lines \['NOPE'\] are not lines of the plant \(FAB1\)"):
            LineGateway(sim, ["FAB1", "NOPE"])
    finally:
        sim.store.close()
