"""Live validation end to end: a small scenario played on the running stack and compared with its simulation.

The stack is the e2e harness's (``c2m up`` on free ports, plant clock ×3600) running the scenario's world
(``live_world.stack_environment``: plentiful stock, random breakdowns off, the scenario's faults injected
through the demo interface). Eight orders over one plant day, a quarter of them special requests a
planner approves; every order must be delivered and the comparison document must carry both columns and
a verdict. Whether the two sides agree is reported, not asserted: one small run at this clock does not
decide it reliably (docs/simulation-live.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from orchestrator.clock import PlantClock
from orchestrator.simulation import load_scenario
from orchestrator.simulation.live import scenario_orders, simulate_orders, validate_live
from orchestrator.simulation.live_faults import scenario_faults
from orchestrator.simulation.live_stack import LiveStack, check_clock
from orchestrator.simulation.live_world import live_plant, stack_environment
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.world import build_world
from tests.e2e.stack import Stack, plentiful_stock
from tests.support.processes import ROOT

ORDERS = 8
TIME_SCALE = 3600.0
DELIVERY_TIMEOUT = 200.0  # wall seconds: one plant day of arrivals (24 s) and about 3 plant days to deliver


def small_scenario(folder: Path) -> Path:
    """The standard scenario's market over one plant day, with plentiful stock and more special requests."""
    data = yaml.safe_load((ROOT / "scenarios" / "standard.yaml").read_text())
    data.update(name="small-live", horizon_days=1, arrivals={"orders": ORDERS},
                stock=str(plentiful_stock(folder / "stock.yaml")),
                special_requests={"share": 0.25, "approval_hours": {"min": 0.5, "mode": 2, "max": 4}})
    for key in ("catalog", "plant", "suppliers"):
        data.pop(key, None)
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return load_scenario(small_scenario(tmp_path_factory.mktemp("live-scenario")))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, scenario: Scenario) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("live")
    env = {**stack_environment(scenario, var_dir / "files"), "C2M_TIME_SCALE": f"{TIME_SCALE:g}"}
    s = Stack(var_dir / "var", env)
    try:
        s.start()
        s.start_worker()
        yield s
    finally:
        s.stop()


def test_the_faults_played_live_are_the_simulations_faults(scenario: Scenario) -> None:
    """The stops drawn for the live run are exactly the ones the simulation's floor meets, line by line."""
    world = build_world(scenario)
    result = simulate_orders(scenario, world, scenario_orders(scenario, world, ORDERS))
    assert result.ended is not None
    met = [s for s in scenario_faults(scenario, world) if s.start <= result.ended]
    counted: dict[str, int] = {}
    for s in met:
        assert s.end > s.start
        counted[s.line] = counted.get(s.line, 0) + 1
    assert counted == {line: n for line, n in result.line_faults.items() if n}
    assert sum(counted.values()) > 0, "a plant day and the deliveries after it meet at least one fault at this seed"


def test_the_stacks_plant_has_no_breakdowns_of_its_own(scenario: Scenario) -> None:
    plant = live_plant(scenario)
    assert plant["defaults"]["reliability"]["mtbf_hours"] == 0
    assert all(line["reliability"]["mtbf_hours"] == 0 and line["defect_rate"] == 0 for line in plant["lines"].values())
    assert all(line["reliability"].get("mttr_minutes", 1) > 0 for line in plant["lines"].values())


@pytest.mark.slow
def test_a_small_scenario_played_live_is_delivered_and_compared(stack: Stack, scenario: Scenario,
                                                                  tmp_path: Path) -> None:
    live = LiveStack(stack.api, stack.admin_token, PlantClock(float(stack.env["C2M_CLOCK_EPOCH"]), TIME_SCALE),
                     stack.suppliers)
    check_clock(live)  # the player's plant clock is the stack's
    comparison = validate_live(scenario, ORDERS, live, timeout_seconds=DELIVERY_TIMEOUT, poll_seconds=0.5)
    md, js = comparison.write(tmp_path)
    print("\n" + md.read_text())

    assert comparison.live["orders"] == ORDERS
    assert comparison.live["delivered"] == ORDERS, comparison.notes
    special = [o for o in comparison.per_order if o["needs_approval"]]
    assert special, "a quarter of the orders are special requests: the draw gives some"
    for row in comparison.per_order:
        assert row["live_promised_lead"] is not None and row["live_actual_lead"] is not None, row
        # The stack promises from its own plan: a date after the order, no further out than a plant week here.
        assert 0 < row["live_promised_lead"] < 7, row
        assert 0 < row["live_actual_lead"] < 7, row

    document = json.loads(js.read_text())
    for side in ("simulation", "live"):
        assert document[side]["on_time_share"] is not None
        assert document[side]["actual_lead_days"]["p50"] is not None
        assert document[side]["promised_lead_days"]["p50"] is not None
    assert isinstance(document["verdict"]["agrees"], bool)
    assert document["verdict"]["lead_p50_share"] is not None
    text = md.read_text()
    assert "| figure | simulation | live stack |" in text and "## Verdict" in text
    assert ("**Agree**" in text) == document["verdict"]["agrees"]
