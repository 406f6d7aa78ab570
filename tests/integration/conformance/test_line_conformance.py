"""The line rules of the conformance suite, through its runner, against the simulators.

Our ``opcua`` adapter against the plant simulator, and our ``sparkplug`` adapter against the
simulator's edge node on a private Mosquitto, pass every rule; the endpoint each restarts (the
simulator process, the broker) runs detached so the rule's shell command can restart it. Two
deliberately broken adapters fail, and the outcome names the rule they break.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.integration.conformance.config import load_conformance
from orchestrator.integration.conformance.line_driver import LineDriver
from orchestrator.integration.conformance.lines import rules
from orchestrator.integration.conformance.outcome import RuleOutcome, Verdict
from orchestrator.integration.conformance.runner import context_for, run, run_rule
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.sparkplug.conftest import plant_publishing
from tests.support.broken_line_adapter import registered
from tests.support.mqtt_broker import MOSQUITTO
from tests.support.ports import free_port
from tests.support.processes import ROOT
from tests.support.restartable import Restartable

RULES = [
    "line.snapshot-first", "line.job-completed-once", "line.fault-reported-once",
    "line.restart-loses-no-completion", "line.missed-completion-reported",
]
# The OPC UA simulator runs an hour of plant time per wall second: 10 units of 15 minutes take 2.5 s.
OPCUA_JOB = {"quantity": 10, "setup_seconds": 0, "seconds_per_unit": 900}
# The in-process Sparkplug plant runs ten plant minutes per wall second: 10 units of 2 minutes take 2 s.
SPARKPLUG_JOB = {"quantity": 10, "setup_seconds": 0, "seconds_per_unit": 120}
BOUNDS = {"snapshot_within": 5, "job_within": 20, "reconnect_within": 30, "restart_timeout": 90, "quiet_for": 1}


@pytest.fixture
def opcua_endpoint(tmp_path: Path) -> Iterator[Restartable]:
    """The plant simulator as a detached process its restart command can restart (fast clock, no random faults)."""
    plant = OpcUaPlant(port=free_port(), state_file=tmp_path / "plant.db", log_file=tmp_path / "plant.log")
    service = Restartable(tmp_path / "opcua", (sys.executable, *plant.args()), plant.port)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def conformance_file(folder: Path, adapter: str, target: str, settings: dict[str, Any],
                     driver: dict[str, Any]) -> Path:
    path = folder / f"line-{adapter}.yaml"
    path.write_text(yaml.safe_dump({"kind": "line", "adapter": adapter, "target": target, "settings": settings,
                                    "driver": {**BOUNDS, **driver}, "rule_timeout": 150}), encoding="utf-8")
    return path


def opcua_file(folder: Path, endpoint: Restartable, adapter: str = "opcua", line: str = "ASM1") -> Path:
    url = f"opc.tcp://127.0.0.1:{endpoint.port}/"
    return conformance_file(folder, adapter, line, {"endpoint": url},
                            {"control": url, "restart": endpoint.restart_command, "job": OPCUA_JOB})


async def run_file(path: Path) -> dict[str, RuleOutcome]:
    return {outcome.rule: outcome async for outcome in run(load_conformance(path))}


def report(outcomes: dict[str, RuleOutcome]) -> str:
    """Every outcome as the suite prints it: verdict, found, and each exchange (for failing asserts)."""
    out = []
    for o in outcomes.values():
        out.append(f"{o.rule}: {o.verdict.value} ({o.seconds:.1f} s): {o.found}")
        out += [f"    sent: {x.sent}\n    back: {x.received}" for x in o.exchanges]
    return "\n".join(out)


async def test_the_opcua_adapter_passes_every_line_rule(opcua_endpoint: Restartable, tmp_path: Path) -> None:
    outcomes = await run_file(opcua_file(tmp_path, opcua_endpoint))
    assert list(outcomes) == RULES, report(outcomes)
    assert all(o.passed for o in outcomes.values()), report(outcomes) + "\n" + opcua_endpoint.log()[-2000:]
    restart = outcomes["line.restart-loses-no-completion"]
    assert any(opcua_endpoint.restart_command in x.sent for x in restart.exchanges)
    assert "once" in restart.found


async def test_the_sparkplug_adapter_passes_every_line_rule(tmp_path: Path) -> None:
    if not MOSQUITTO.exists():
        pytest.skip(f"{MOSQUITTO} is not installed; the broker restart rule needs a private Mosquitto")
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n",
                      encoding="utf-8")
    broker = Restartable(tmp_path / "broker", (str(MOSQUITTO), "-c", str(config)), port)
    broker.start()
    try:
        async with plant_publishing(tmp_path, port) as plant:
            edge_node = f"mqtt://127.0.0.1:{port}/{plant.settings.group_id}/{plant.settings.edge_node_id}"
            path = conformance_file(
                tmp_path, "sparkplug", "FAB1", {"endpoint": edge_node, "rebirth_every": 1.0, "down_after": 8},
                {"control": edge_node, "restart": broker.restart_command, "job": SPARKPLUG_JOB},
            )
            outcomes = await run_file(path)
    finally:
        broker.stop()
    assert list(outcomes) == RULES, report(outcomes)
    assert all(o.passed for o in outcomes.values()), report(outcomes)


async def test_doubled_completions_fail_the_rules_that_count_them(opcua_endpoint: Restartable, tmp_path: Path) -> None:
    with registered(tmp_path / "site"):
        outcomes = await run_file(opcua_file(tmp_path, opcua_endpoint, "opcua-doubled-completions", "PNT1"))
    verdicts = {name: o.verdict for name, o in outcomes.items()}
    assert verdicts == {
        "line.snapshot-first": Verdict.PASSED,
        "line.job-completed-once": Verdict.FAILED,
        "line.fault-reported-once": Verdict.PASSED,
        "line.restart-loses-no-completion": Verdict.FAILED,
        "line.missed-completion-reported": Verdict.FAILED,
    }, report(outcomes)
    broken = outcomes["line.job-completed-once"]
    assert "`job_completed` for c2m-conformance-" in broken.found and "came 2 times" in broken.found, broken.found
    # What was sent and what came back: the job's start and the two completions in the watched events.
    starts = [x for x in broken.exchanges if x.sent.startswith("StoreAndStart(PNT1, c2m-conformance-")]
    assert [x.received for x in starts] == ["OK"], report(outcomes)
    assert any(x.received.count("job_completed(") == 2 for x in broken.exchanges), report(outcomes)
    assert "'set()': 2" in outcomes["line.missed-completion-reported"].found


async def test_a_missing_first_snapshot_fails_the_snapshot_rule(opcua_endpoint: Restartable, tmp_path: Path) -> None:
    with registered(tmp_path / "site"):
        conformance = load_conformance(opcua_file(tmp_path, opcua_endpoint, "opcua-no-snapshot", "PCK1"))
    assert isinstance(conformance.driver, LineDriver)
    first = rules(conformance.adapter, conformance.settings, context_for(conformance), conformance.driver)[0]
    outcome = await run_rule(first, 30)
    assert outcome.rule == "line.snapshot-first"
    assert outcome.verdict is Verdict.FAILED, outcome
    assert outcome.found == "no event but `connection` within 5 s", outcome.found


@pytest.mark.parametrize("example", ["line-opcua.yaml", "line-sparkplug.yaml"])
def test_the_documented_examples_are_valid_conformance_files(example: str) -> None:
    conformance = load_conformance(ROOT / "docs" / "conformance" / example)
    assert conformance.kind == "line"
    assert conformance.adapter.name == example.removeprefix("line-").removesuffix(".yaml")
    assert isinstance(conformance.driver, LineDriver) and conformance.driver.restart


async def test_without_driver_control_the_jobs_go_through_the_adapters_own_control(
        opcua_endpoint: Restartable, tmp_path: Path) -> None:
    url = f"opc.tcp://127.0.0.1:{opcua_endpoint.port}/"
    path = conformance_file(tmp_path, "opcua", "FAB1", {"endpoint": url}, {"job": OPCUA_JOB})
    conformance = load_conformance(path)
    assert isinstance(conformance.driver, LineDriver) and conformance.driver.control is None
    completed_once = rules(conformance.adapter, conformance.settings, context_for(conformance), conformance.driver)[1]
    outcome = await run_rule(completed_once, 60)
    assert outcome.rule == "line.job-completed-once"
    assert outcome.verdict is Verdict.PASSED, report({outcome.rule: outcome})
    assert any(x.sent.startswith("StoreAndStart(FAB1, c2m-conformance-") and "via the opcua adapter's control"
               in x.sent for x in outcome.exchanges), report({outcome.rule: outcome})
