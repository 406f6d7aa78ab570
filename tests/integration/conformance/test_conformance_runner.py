"""The runner: rules run in order, a crash or a hang is that rule's ``error`` and the next rules still run;
an adapter that cannot be built is one ``setup`` error. The documented example files are valid."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from orchestrator.integration.conformance.config import load_conformance
from orchestrator.integration.conformance.outcome import Evidence, Rule, RuleBroken, Verdict
from orchestrator.integration.conformance.runner import SETUP_RULE, run, run_rules
from tests.integration.conformance.helpers import write_config
from tests.support.processes import ROOT


async def _holds(ev: Evidence) -> str:
    ev.note("ping", "pong")
    return "pong"


async def _broken(ev: Evidence) -> str:
    ev.note("ping", "nothing")
    raise RuleBroken("no pong")


async def _crashes(ev: Evidence) -> str:
    raise KeyError("JobState")


async def _hangs(ev: Evidence) -> str:
    await asyncio.sleep(60)
    return "never"


async def test_each_rule_is_judged_on_its_own_and_in_order() -> None:
    rules = [Rule("a", "pong", _holds), Rule("b", "pong", _broken), Rule("c", "pong", _crashes),
             Rule("d", "pong", _hangs), Rule("e", "pong", _holds)]
    outcomes = [o async for o in run_rules(rules, timeout=0.3)]
    assert [(o.rule, o.verdict) for o in outcomes] == [
        ("a", Verdict.PASSED), ("b", Verdict.FAILED), ("c", Verdict.ERROR), ("d", Verdict.ERROR), ("e", Verdict.PASSED)]
    assert outcomes[0].found == "pong" and outcomes[0].exchanges[0].sent == "ping"
    assert outcomes[1].found == "no pong" and outcomes[1].exchanges[0].received == "nothing"
    assert outcomes[2].found == "KeyError: 'JobState'"
    assert "did not finish within 0.3 s" in outcomes[3].found
    assert all(o.expected == "pong" for o in outcomes)


async def test_an_adapter_that_cannot_be_built_is_one_setup_error(tmp_path: Path) -> None:
    path = write_config(tmp_path / "mes.yaml", kind="mes", adapter="b2mml-http", target="mes",
                        driver={"line": "PCK1"})
    outcomes = [o async for o in run(load_conformance(path))]
    assert [(o.rule, o.verdict) for o in outcomes] == [(SETUP_RULE, Verdict.ERROR)]
    assert "needs an endpoint" in outcomes[0].found


@pytest.mark.parametrize("example", ["mes-b2mml-http.yaml", "suppliers-ubl-http.yaml"])
def test_the_documented_examples_are_valid(example: str) -> None:
    conformance = load_conformance(ROOT / "docs" / "conformance" / example)
    assert conformance.adapter.name == example.split("-", 1)[1].removesuffix(".yaml")
