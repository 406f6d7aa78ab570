"""The MES conformance suite against the real MES simulator (on the real OPC UA plant simulator).

Our ``b2mml-http`` adapter keeps every rule; each deliberately broken adapter fails the rule it breaks,
and the others still run. The command line runs end to end with exit codes 0, 1 and 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.main import app
from orchestrator.integration.conformance.config import ConformanceConfigError, load_conformance
from orchestrator.integration.conformance.outcome import Verdict
from tests.fixtures.mes import MesSim
from tests.integration.conformance.helpers import report, run_file, verdicts, write_config
from tests.support.broken_adapters import broken_adapters_installed

RULES = ["mes.unknown-ids", "mes.release-idempotent", "mes.status-states", "mes.withdraw-started"]


def mes_config(path: Path, sim: MesSim, line: str, adapter: str = "b2mml-http") -> Path:
    """A conformance file for ``adapter`` on the simulator, its jobs on ``line``."""
    return write_config(
        path, kind="mes", adapter=adapter, target="mes", settings={"endpoint": sim.url, "timeout": 5},
        driver={"line": line, "time_scale": sim.plant.time_scale, "run_seconds": 1.0, "start_timeout": 20},
        rule_timeout=60,
    )


async def test_our_adapter_keeps_every_rule(mes_sim_shared: MesSim, tmp_path: Path) -> None:
    outcomes = await run_file(mes_config(tmp_path / "mes.yaml", mes_sim_shared, "PCK1"))
    assert [o.rule for o in outcomes] == RULES
    assert all(o.passed for o in outcomes), report(outcomes)
    for outcome in outcomes:
        assert outcome.expected and outcome.found and outcome.exchanges, outcome
    # Run again against the same MES: the ids are new, so nothing collides.
    again = await run_file(mes_config(tmp_path / "mes.yaml", mes_sim_shared, "PCK1"))
    assert all(o.passed for o in again), report(again)


async def test_a_new_job_order_id_on_repeat_breaks_release_idempotency(mes_sim_shared: MesSim,
                                                                       tmp_path: Path) -> None:
    with broken_adapters_installed():
        outcomes = await run_file(mes_config(tmp_path / "mes.yaml", mes_sim_shared, "ASM2",
                                             "b2mml-http-new-id-on-repeat"))
    found = verdicts(outcomes)
    assert found["mes.release-idempotent"] is Verdict.FAILED, report(outcomes)
    assert found["mes.unknown-ids"] is Verdict.PASSED, report(outcomes)
    broken = next(o for o in outcomes if o.rule == "mes.release-idempotent")
    assert "-again" in broken.found and "JobOrderID" in broken.found, broken.found


async def test_waiting_reported_as_ready_breaks_the_state_mapping(mes_sim_shared: MesSim, tmp_path: Path) -> None:
    with broken_adapters_installed():
        outcomes = await run_file(mes_config(tmp_path / "mes.yaml", mes_sim_shared, "ASM1",
                                             "b2mml-http-waiting-as-ready"))
    found = verdicts(outcomes)
    assert found == {**dict.fromkeys(RULES, Verdict.PASSED), "mes.status-states": Verdict.FAILED}, report(outcomes)
    broken = next(o for o in outcomes if o.rule == "mes.status-states")
    assert "was reported ready" in broken.found and "expected waiting" in broken.found, broken.found


def test_bad_files_name_the_file_line_key_and_what_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: mes\nadapter: b2mml-http\ntarget: mes\nsettings:\n  endpoint: ftp://x\n"
                    "driver:\n  time_scale: -1\n  colour: red\n", encoding="utf-8")
    with pytest.raises(ConformanceConfigError) as caught:
        load_conformance(path)
    problems = caught.value.problems
    assert f"{path}:5: settings.endpoint: expected an http:// or https:// URL" in problems[0], problems
    text = "\n".join(problems)
    assert f"{path}:6: driver.line: required, but missing" in text, text
    assert f"{path}:7: driver.time_scale: Input should be greater than 0, got -1" in text, text
    assert f"{path}:8: driver.colour: unknown key; known keys: line, work_master" in text, text
    with pytest.raises(ConformanceConfigError, match="the file says 'mes' but --kind says 'suppliers'"):
        load_conformance(path, kind="suppliers")
    path.write_text("kind: mes\nadapter: nope\ntarget: mes\n", encoding="utf-8")
    with pytest.raises(ConformanceConfigError, match=":2: adapter: no mes adapter called 'nope'; installed mes "
                                                     "adapters: b2mml-http"):
        load_conformance(path)


def test_the_command_line_exits_0_1_and_2(mes_sim_shared: MesSim, tmp_path: Path) -> None:
    runner = CliRunner()
    good = mes_config(tmp_path / "good.yaml", mes_sim_shared, "SEW1")
    done = runner.invoke(app, ["adapters", "conformance", "--kind", "mes", "--adapter", "b2mml-http",
                               "--config", str(good)])
    assert done.exit_code == 0, done.output
    assert "PASS mes.release-idempotent" in done.output and "4 rules: 4 passed, 0 failed, 0 errors" in done.output
    assert "sent:     release([c2m-conformance-" in done.output and "received: [c2m-conformance-" in done.output

    broken = mes_config(tmp_path / "broken.yaml", mes_sim_shared, "SEW1", "b2mml-http-waiting-as-ready")
    with broken_adapters_installed():
        done = runner.invoke(app, ["adapters", "conformance", "--kind", "mes", "--adapter",
                                   "b2mml-http-waiting-as-ready", "--config", str(broken), "--json"])
    assert done.exit_code == 1, done.output
    doc = json.loads(done.stdout)
    assert doc["passed"] is False
    failed = [o for o in doc["outcomes"] if o["verdict"] != "passed"]
    assert [o["rule"] for o in failed] == ["mes.status-states"], done.stdout
    assert failed[0]["exchanges"][0]["sent"].startswith("release(["), failed[0]

    bad = tmp_path / "bad.yaml"
    bad.write_text("target: mes\ndriver: {line: SEW1}\nsettings: {endpont: http://x}\n", encoding="utf-8")
    done = runner.invoke(app, ["adapters", "conformance", "--kind", "mes", "--adapter", "b2mml-http",
                               "--config", str(bad)])
    assert done.exit_code == 2, done.output
    assert f"{bad}:3: settings.endpont: unknown key; known keys: endpoint, timeout, connect_timeout" in done.output
