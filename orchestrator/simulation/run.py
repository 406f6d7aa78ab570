"""Running a scenario under a policy: the library entry point of the promise simulation.

    scenario = load_scenario("scenarios/standard.yaml")
    result = run_scenario(scenario, "c2m", progress=lambda done, total: ...)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from orchestrator.simulation.base import PolicyRun, Progress
from orchestrator.simulation.baseline import BaselineRun
from orchestrator.simulation.c2m import C2mRun
from orchestrator.simulation.demand import SimOrder, draw_orders
from orchestrator.simulation.records import SimulationResult
from orchestrator.simulation.scenario import Scenario, ScenarioError
from orchestrator.simulation.world import World, build_world

POLICIES: dict[str, Callable[..., PolicyRun]] = {"c2m": C2mRun, "baseline": BaselineRun}


def run_scenario(
    scenario: Scenario, policy: str, progress: Progress | None = None, orders: int | None = None,
    world: World | None = None, stream: list[SimOrder] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` under ``policy`` ('c2m' or 'baseline') until every order is delivered.

    ``orders`` overrides the number of orders; ``world`` and ``stream`` let callers that run several
    policies load the files and draw the orders once (they must come from this scenario).
    """
    if policy not in POLICIES:
        raise ScenarioError(f"unknown policy {policy!r}; policies are {', '.join(POLICIES)}")
    began = time.monotonic()
    world = world or build_world(scenario)
    stream = stream if stream is not None else draw_orders(scenario, world.catalog, orders)
    result = POLICIES[policy](scenario, world, stream, progress).run()
    result.wall_seconds = time.monotonic() - began
    return result
