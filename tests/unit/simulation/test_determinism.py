"""A seed gives one run: same figures twice, other figures for another seed (faults, supply, demand)."""

import json
from pathlib import Path

from orchestrator.simulation import load_scenario, run_scenario
from orchestrator.simulation.figures import figures
from orchestrator.simulation.records import SimulationResult

STANDARD = Path(__file__).resolve().parents[3] / "scenarios" / "standard.yaml"


def _stable(result: SimulationResult) -> str:
    f = figures(result)
    f.pop("wall_seconds")
    f.pop("solve_seconds")
    return json.dumps(f, sort_keys=True)


def test_the_same_seed_gives_the_same_figures_under_both_policies() -> None:
    scenario = load_scenario(STANDARD)
    for policy in ("c2m", "baseline"):
        first = run_scenario(scenario, policy, orders=12)
        again = run_scenario(scenario, policy, orders=12)
        assert _stable(first) == _stable(again)
        assert [(o.id, o.promised, o.delivered, o.first_notice) for o in first.orders] == [
            (o.id, o.promised, o.delivered, o.first_notice) for o in again.orders]
        assert sum(first.line_faults.values()) > 0  # faults were part of it


def test_another_seed_gives_another_run() -> None:
    scenario = load_scenario(STANDARD)
    first = run_scenario(scenario, "baseline", orders=12)
    other = run_scenario(scenario.model_copy(update={"seed": scenario.seed + 1}), "baseline", orders=12)
    assert _stable(first) != _stable(other)
