"""The example adapter package ``examples/c2m-csv-gateway``, installed the way an integrator installs one.

pip installs it from its folder into a folder of its own (the project's environment is left as it is);
every check then runs c2m in a child process with that folder on ``PYTHONPATH``, so c2m finds the
adapter only through the package's entry point, as it would after ``pip install``. The line is the
plant simulator's, read through the simulator's CSV gateway.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.opcua import OpcUaLineControl
from orchestrator.ports.lines import CommandStatus
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.support.ports import free_port
from tests.support.processes import ROOT, tcp_open, wait_until
from tests.support.restartable import Restartable

EXAMPLE = ROOT / "examples" / "c2m-csv-gateway"
LINE = "FAB1"


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package installed with pip into a folder of its own."""
    folder = tmp_path_factory.mktemp("example-adapter")
    source, site = folder / "source", folder / "site"
    # A copy, so that building it leaves nothing behind in the repository.
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site)]
    # Without build isolation pip needs nothing from an index: it builds with this environment's setuptools
    # (the dev extras bring one that makes wheels by itself), as an integrator's offline machine would.
    command = [*pip, "--no-build-isolation", str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    if done.returncode != 0:
        pytest.fail(f"pip could not install the example package ({' '.join(command)}):\n{done.stderr[-2000:]}")
    return site


def c2m_env(site: Path | None) -> dict[str, str]:
    """This environment without C2M_ settings, with ``site`` (the installed example) on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2M_") and k != "PYTHONPATH"}
    env["COLUMNS"] = "250"
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return env


def python(args: list[str], site: Path | None, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in a child process seeing the installed example (when ``site`` is given)."""
    return subprocess.run([sys.executable, *args], env=c2m_env(site), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def plant_file(folder: Path, status: dict[str, Any]) -> Path:
    """The default plant with ``LINE`` behind the gateway (``status``), the other lines as they are."""
    plant = yaml.safe_load((ROOT / "plant" / "default.yaml").read_text(encoding="utf-8"))
    plant["lines"][LINE]["status"] = status
    path = folder / "plant.yaml"
    path.write_text(yaml.safe_dump(plant, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- (a) found through its entry point only -----------------------------------------------------------


def test_adapters_list_shows_the_installed_example(example_site: Path, tmp_path: Path) -> None:
    listed = python(["-m", "orchestrator", "adapters", "list"], example_site, tmp_path)
    assert listed.returncode == 0, listed.stderr
    [row] = [r for r in listed.stdout.splitlines() if "csv-gateway" in r and "c2m-csv-gateway" in r]
    cells = [c.strip() for c in row.strip("│┃ ").split("│")]
    assert cells[:5] == ["line", "csv-gateway", "c2m-csv-gateway", "0.1.0", "c2m_csv_gateway.spec:SPEC"], row
    assert "CSV export" in cells[5]


def test_the_package_s_own_tests_pass_against_the_installed_package(example_site: Path, tmp_path: Path) -> None:
    own_tests = example_site.parent / "source" / "tests"
    done = python(["-m", "pytest", "-q", "-p", "no:cacheprovider", str(own_tests)], example_site, tmp_path, 120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_c2m_never_imports_the_example() -> None:
    found = [
        str(path.relative_to(ROOT)) for top in ("orchestrator", "workflows", "adapters", "simulators")
        for path in (ROOT / top).rglob("*.py") if "c2m_csv_gateway" in path.read_text(encoding="utf-8")
    ]
    assert found == []
    assert "c2m_csv_gateway" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


# --- (b) its settings checked when the plant file is loaded ---------------------------------------------

LOAD_PLANT = """
import sys
from orchestrator.plant import load_plant
try:
    plant = load_plant(sys.argv[1])
except ValueError as exc:
    print(exc)
    raise SystemExit(2)
status = plant.line(sys.argv[2]).status
print(status.adapter, status.adapter_settings())
"""


def test_a_plant_file_naming_it_loads_and_bad_settings_say_where(example_site: Path, tmp_path: Path) -> None:
    good = plant_file(tmp_path, {"adapter": "csv-gateway", "endpoint": "http://10.1.2.9:8080", "poll_interval": 2,
                                 "columns": {"line": "LINE_ID"}})
    loaded = python(["-c", LOAD_PLANT, str(good), LINE], example_site, tmp_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert loaded.stdout.startswith("csv-gateway {"), loaded.stdout
    assert "'poll_interval': 2" in loaded.stdout and "'endpoint': 'http://10.1.2.9:8080'" in loaded.stdout

    bad = plant_file(tmp_path, {"adapter": "csv-gateway", "endpoint": "opc.tcp://10.1.2.9:4840/",
                                "poll_interval": 0, "colums": {"line": "LINE_ID"}})
    refused = python(["-c", LOAD_PLANT, str(bad), LINE], example_site, tmp_path)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    text = refused.stdout
    assert f"{bad}:" in text
    assert (f"lines.{LINE}.status.endpoint: expected the gateway's http:// or https:// URL, "
            "e.g. http://10.1.2.9:8080/") in text
    assert f"lines.{LINE}.status.poll_interval: Input should be greater than 0, got 0" in text
    assert f"lines.{LINE}.status.colums: unknown key; known keys: endpoint, poll_interval" in text

    # Without the package the same file names the adapter as unknown, with the installed ones.
    unknown = python(["-c", LOAD_PLANT, str(good), LINE], None, tmp_path)
    assert unknown.returncode == 2
    assert f"lines.{LINE}.status.adapter: no line adapter called 'csv-gateway'" in unknown.stdout


# --- (c) following a line through the simulator's gateway ---------------------------------------------

# Follows one line through the core's own path (plant file -> registry -> the adapter's factory) and
# prints each event as a JSON line until stdin closes.
FOLLOW_LINE = """
import asyncio, sys
from orchestrator.integration.lines import line_source_factory
from orchestrator.plant import load_plant

async def main(path, line):
    plant = load_plant(path)
    factory = line_source_factory(plant, line, "opc.tcp://127.0.0.1:4840/")
    source = factory(plant.status_binding(line, "opc.tcp://127.0.0.1:4840/"), known_completed=None)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    stdin_closed.add_done_callback(lambda _: asyncio.ensure_future(source.close()))
    async for event in source.events():
        print(event.model_dump_json(exclude={"snapshot"}), flush=True)
    await factory.aclose()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


class Events:
    """The events a child process prints, one JSON object per line, collected in the background."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.seen: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.seen.append(json.loads(raw))

    def of(self, kind: str, job: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.seen if e["kind"] == kind and (job is None or e["job_order_id"] == job)]

    async def wait_for(self, check: Callable[[dict[str, Any]], bool], what: str, timeout: float = 20.0,
                       after: int = 0) -> int:
        """The index of the first event from ``after`` on that passes ``check``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.seen[after:], start=after):
                if check(event):
                    return index
            if self._reader.done():
                raise AssertionError(f"the stream ended before {what}; events: {self.brief()}")
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout:g} s; events: {self.brief()}")

    def brief(self) -> list[tuple[str, str | None, Any]]:
        return [(e["kind"], e["job_order_id"], e["values"].get("state_name") or e["values"].get("status"))
                for e in self.seen]


@asynccontextmanager
async def following(site: Path, path: Path, cwd: Path) -> AsyncIterator[Events]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FOLLOW_LINE, str(path), LINE, env=c2m_env(site), cwd=cwd,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    events = Events(proc)
    try:
        yield events
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the follower closes its source and ends
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        await asyncio.gather(events._reader, return_exceptions=True)


@dataclass
class GatewayPlant(OpcUaPlant):
    """The plant simulator with its CSV gateway exporting ``LINE`` on ``gateway_port``."""

    gateway_port: int = 0

    def args(self) -> list[str]:
        return [*super().args(), "--gateway-port", str(self.gateway_port), "--gateway-lines", LINE]


@pytest.fixture
def plant_with_gateway(tmp_path: Path) -> Iterator[GatewayPlant]:
    """The simulator (ten plant minutes per wall second) with its gateway; ``restart()`` restarts both."""
    plant = GatewayPlant(port=free_port(), state_file=tmp_path / "plant.db", log_file=tmp_path / "plant.log",
                         time_scale=600.0, gateway_port=free_port())
    plant.start()
    try:
        wait_until(tcp_open(plant.gateway_port), 20, "the simulator's gateway")
        yield plant
    finally:
        plant.stop()


async def run_job(control: OpcUaLineControl, job: str) -> None:
    # 20 plant minutes of setup, then 3 units of 2 minutes: seconds of wall time, seen by a 0.2 s poll.
    assert await control.store_and_start(LINE, job, 3, 1200, 120) == CommandStatus.OK


async def test_the_adapter_reports_a_job_started_and_completed_once_across_a_gateway_restart(
    example_site: Path, plant_with_gateway: GatewayPlant, tmp_path: Path,
) -> None:
    plant = plant_with_gateway
    path = plant_file(tmp_path, {"adapter": "csv-gateway", "endpoint": f"http://127.0.0.1:{plant.gateway_port}",
                                 "poll_interval": 0.2, "down_after": 3, "max_backoff": 0.5})
    async with following(example_site, path, tmp_path) as events:
        await events.wait_for(lambda e: e["kind"] == "snapshot", "the first snapshot")
        assert events.seen[0]["kind"] == "snapshot", events.brief()
        assert events.seen[0]["values"]["state_name"] == "Idle"

        async with OpcUaLineControl(plant.url) as control:
            await run_job(control, "WO-CSV-1")
        started = await events.wait_for(
            lambda e: e["kind"] == "state_changed" and e["job_order_id"] == "WO-CSV-1"
            and e["values"]["state_name"] in ("Starting", "Execute"), "WO-CSV-1 started")
        done = await events.wait_for(lambda e: e["kind"] == "job_completed" and e["job_order_id"] == "WO-CSV-1",
                                     "WO-CSV-1 completed", after=started)
        assert events.seen[done]["values"] == {"produced_quantity": 3, "defective_quantity": 0, "planned_quantity": 3}
        async with OpcUaLineControl(plant.url) as control:
            assert await control.clear(LINE) == CommandStatus.OK
        await events.wait_for(lambda e: e["kind"] == "state_changed" and e["values"]["state_name"] == "Idle",
                              "the line idle again", after=done)

        # The gateway restarts (its completion numbering with it): a reconnection, nothing reported twice.
        await asyncio.to_thread(plant.restart, False)
        lost = await events.wait_for(lambda e: e["kind"] == "connection" and e["values"]["status"] == "reconnecting",
                                     "reconnecting", after=done)
        back = await events.wait_for(lambda e: e["kind"] == "connection" and e["values"]["status"] == "connected",
                                     "connected again", timeout=30, after=lost)
        assert events.seen[back + 1]["kind"] == "snapshot", events.brief()

        # The next job is reported once too: the restarted numbering is read again and matched by job id.
        async with OpcUaLineControl(plant.url) as control:
            await run_job(control, "WO-CSV-2")
        await events.wait_for(lambda e: e["kind"] == "job_completed" and e["job_order_id"] == "WO-CSV-2",
                              "WO-CSV-2 completed", after=back)
        await asyncio.sleep(1.0)  # watch five more polls: a repeated report would come in them
    assert len(events.of("job_completed", "WO-CSV-1")) == 1, events.brief()
    assert len(events.of("job_completed", "WO-CSV-2")) == 1, events.brief()
    assert len(events.of("job_completed")) == 2, events.brief()


# --- (d) the conformance suite for lines -----------------------------------------------------------------

BOUNDS = {"snapshot_within": 5, "job_within": 20, "reconnect_within": 30, "restart_timeout": 45, "quiet_for": 1.5}
# An hour of plant time per wall second: 10 units of 15 minutes take 2.5 s, long enough to act on mid-job.
JOB = {"quantity": 10, "setup_seconds": 0, "seconds_per_unit": 900}
RULES = [
    "line.snapshot-first", "line.job-completed-once", "line.fault-reported-once",
    "line.restart-loses-no-completion", "line.missed-completion-reported",
]


def test_the_shipped_conformance_file_is_valid(example_site: Path, tmp_path: Path) -> None:
    check = ("import sys\nfrom orchestrator.integration.conformance.config import load_conformance\n"
             "c = load_conformance(sys.argv[1], kind='line', adapter='csv-gateway')\n"
             "print(c.adapter.name, c.target, c.settings.endpoint, c.driver.control)")
    loaded = python(["-c", check, str(EXAMPLE / "conformance.yaml")], example_site, tmp_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert loaded.stdout.split() == ["csv-gateway", "ASM2", "http://127.0.0.1:8110/", "opc.tcp://127.0.0.1:4840/"]


def test_the_example_passes_every_line_rule(example_site: Path, tmp_path: Path) -> None:
    plant = GatewayPlant(port=free_port(), state_file=tmp_path / "plant.db", log_file=tmp_path / "plant.log",
                         gateway_port=free_port())
    # Detached, so that the suite's restart rule can restart it (and its gateway) with a shell command.
    service = Restartable(tmp_path / "plant", (sys.executable, *plant.args()), plant.gateway_port)
    config = tmp_path / "conformance.yaml"
    url = f"opc.tcp://127.0.0.1:{plant.port}/"
    config.write_text(yaml.safe_dump({
        "kind": "line", "adapter": "csv-gateway", "target": LINE, "rule_timeout": 90,
        "settings": {"endpoint": f"http://127.0.0.1:{plant.gateway_port}/", "poll_interval": 0.2,
                     "down_after": 5, "max_backoff": 0.5},
        "driver": {**BOUNDS, "control": url, "restart": service.restart_command, "job": JOB},
    }), encoding="utf-8")
    service.start()
    try:
        wait_until(tcp_open(plant.port), 20, "the simulator's OPC UA server")
        command = ["-m", "orchestrator", "adapters", "conformance", "--kind", "line", "--adapter", "csv-gateway",
                   "--config", str(config), "--json"]
        # From the repository: the restart command runs the test support module there.
        done = python(command, example_site, ROOT, timeout=400)
    finally:
        service.stop()
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:] + service.log()[-2000:]
    report = json.loads(done.stdout)
    assert (report["adapter"], report["target"], report["passed"]) == ("csv-gateway", LINE, True)
    assert [o["rule"] for o in report["outcomes"]] == RULES
    assert all(o["verdict"] == "passed" for o in report["outcomes"]), done.stdout
    restart = next(o for o in report["outcomes"] if o["rule"] == "line.restart-loses-no-completion")
    assert any(service.restart_command in x["sent"] for x in restart["exchanges"]), restart
