"""The load sweep: the same scenario at arrival rates that load the bottleneck from 50 % to 95 %.

The rate for a target load is found from one calibration run: the bottleneck's load grows in
proportion to the number of orders over the same horizon, so ``orders = n0 * target / load0``. Each
point then runs every policy; the loads reported are the ones measured, not the targets (a policy that
routes work differently, e.g. the baseline's first-free-line testing, loads the lines differently).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from orchestrator.simulation.demand import draw_orders
from orchestrator.simulation.figures import bottleneck, figures
from orchestrator.simulation.records import SimulationResult
from orchestrator.simulation.run import run_scenario
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.world import World, build_world

DEFAULT_TARGETS = (0.5, 0.65, 0.75, 0.85, 0.95)
SweepProgress = Callable[[str], None]  # what runs now, e.g. "85 % load, c2m"


def orders_for_loads(
    scenario: Scenario, world: World, targets: Sequence[float], orders: int | None = None,
    calibration: SimulationResult | None = None, policy: str = "c2m",
) -> tuple[dict[float, int], str, float]:
    """Orders over the horizon for each target load, the bottleneck line and its load in the calibration
    run (``calibration``, or a run of ``policy`` at the scenario's number of orders)."""
    if calibration is None:
        stream = draw_orders(scenario, world.catalog, orders)
        calibration = run_scenario(scenario, policy, world=world, stream=stream)
    line, load = bottleneck(calibration)
    if load <= 0:
        raise ValueError("the calibration run loaded no line; the scenario has no work to sweep")
    count = len(calibration.orders)
    return {t: max(1, round(count * t / load)) for t in targets}, line, load


def sweep(
    scenario: Scenario, policies: Sequence[str], targets: Sequence[float] = DEFAULT_TARGETS,
    orders: int | None = None, world: World | None = None, progress: SweepProgress | None = None,
    calibration: SimulationResult | None = None,
) -> dict[str, Any]:
    """Run every policy at every target load; figures per point, JSON-ready.

    The loads are calibrated on the first policy (the c2m policy when it is asked for: the targets are
    about it), from ``calibration`` when the caller already ran it at the scenario's number of orders.
    """
    world = world or build_world(scenario)
    first = "c2m" if "c2m" in policies else policies[0]
    counts, line, load = orders_for_loads(scenario, world, targets, orders, calibration, first)
    points = []
    for target, count in counts.items():
        stream = draw_orders(scenario, world.catalog, count)
        point: dict[str, Any] = {"target_load": target, "orders": count, "policies": {}}
        for policy in policies:
            if progress is not None:
                progress(f"{target:.0%} load ({count} orders), {policy}")
            result = run_scenario(scenario, policy, world=world, stream=stream)
            f = figures(result)
            point["policies"][policy] = {
                "bottleneck_load": f["bottleneck"]["utilisation"], "on_time_share": f["on_time_share"],
                "promised_lead_days": f["promised_lead_days"], "actual_lead_days": f["actual_lead_days"],
                "slips_announced_share": f["slips_announced_share"], "wall_seconds": f["wall_seconds"],
            }
        points.append(point)
    return {"bottleneck": line, "calibrated_on": first, "calibration_load": load, "points": points}
