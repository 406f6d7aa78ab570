"""Live validation: the scenario's first orders through the running stack and through the simulation.

    scenario = load_scenario("scenarios/standard.yaml")
    with started_stack(var_dir, stack_environment(scenario, var_dir / "files"), time_scale=7200) as stack:
        comparison = validate_live(scenario, 30, stack)
    comparison.write(Path("var/simulations/live"))

The orders are the scenario's own stream (``demand.draw_orders``, the scenario's seed): its first
``orders`` orders, at the scenario's arrival rate (``spread=True`` instead draws that many over the whole
horizon, as ``c2m simulate --orders N`` does). The simulation side is ``run_scenario`` under the c2m
policy on exactly those orders; the live side is :class:`LivePlayer` on the stack; both are measured
by ``live_compare`` (docs/simulation-live.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from orchestrator.simulation.demand import SimOrder, draw_orders
from orchestrator.simulation.live_compare import Comparison, per_order, side_figures, verdict
from orchestrator.simulation.live_faults import LineStop, scenario_faults
from orchestrator.simulation.live_player import FaultOutcome, LivePlayer, LiveProgress, LiveRun
from orchestrator.simulation.live_stack import LiveStack
from orchestrator.simulation.records import SimulationResult
from orchestrator.simulation.run import run_scenario
from orchestrator.simulation.scenario import Scenario, ScenarioError
from orchestrator.simulation.world import World, build_world

Stage = Callable[[str], None]  # what the validation is doing now, for a progress display


def scenario_orders(scenario: Scenario, world: World, orders: int, spread: bool = False) -> list[SimOrder]:
    """The orders a live validation plays: the stream's first ``orders`` (or that many over the horizon)."""
    if spread:
        return draw_orders(scenario, world.catalog, orders)
    stream = draw_orders(scenario, world.catalog)
    if orders > len(stream):
        raise ScenarioError(f"--orders {orders}: the scenario has only {len(stream)} orders; ask for at most that many")
    return stream[:orders]


def simulate_orders(scenario: Scenario, world: World, stream: list[SimOrder]) -> SimulationResult:
    """The discrete-event run of exactly these orders under the c2m policy."""
    return run_scenario(scenario, "c2m", world=world, stream=stream)


def default_timeout(result: SimulationResult, scale: float) -> float:
    """Wall seconds to wait for the live run: the simulated span at the stack's clock, half again, plus 2 min."""
    span = (result.ended or result.horizon_end) - result.start
    return span.total_seconds() / scale * 1.5 + 120.0


def validate_live(
    scenario: Scenario, orders: int, stack: LiveStack, progress: LiveProgress | None = None,
    stage: Stage | None = None, timeout_seconds: float | None = None, spread: bool = False,
    poll_seconds: float = 1.0, notes: list[str] | None = None,
) -> Comparison:
    """Simulate the orders, play them on ``stack``, and compare the two (nothing is written); ``notes`` go
    into the comparison's notes (e.g. what an attached stack does differently from the scenario)."""
    say = stage or (lambda what: None)
    say("loading the scenario and drawing its orders")
    world = build_world(scenario)
    stream = scenario_orders(scenario, world, orders, spread)
    say(f"simulating {len(stream)} orders (c2m policy)")
    simulated = simulate_orders(scenario, world, stream)
    stops = played_stops(scenario, world, simulated)
    timeout = timeout_seconds if timeout_seconds is not None else default_timeout(simulated, stack.clock.scale)
    say(f"playing {len(stream)} orders and {len(stops)} line faults on the stack at {stack.api} "
        f"(plant clock ×{stack.clock.scale:g}, at most {timeout / 60:.0f} min)")
    live = LivePlayer(stack, stream, stops, progress, poll_seconds).play(scenario.start, timeout)
    comparison = compare(scenario, stack.clock.scale, simulated, live)
    comparison.notes[:0] = notes or []
    return comparison


def played_stops(scenario: Scenario, world: World, simulated: SimulationResult) -> list[LineStop]:
    """The scenario's line stops up to the end of the simulated production (later ones hold nothing)."""
    finishes = [r.production_finish for r in simulated.orders if r.production_finish is not None]
    last = max(finishes, default=scenario.start)
    return [s for s in scenario_faults(scenario, world) if s.start <= last]


def compare(scenario: Scenario, scale: float, simulated: SimulationResult, live: LiveRun) -> Comparison:
    """Both sides' figures, the verdict and the per-order table."""
    live_records = live.records()
    sim_figures, live_figures = side_figures(simulated.orders), side_figures(live_records)
    live_figures["delivered"] = sum(1 for o in live.orders if o.delivered is not None)
    live_figures["orders"] = len(live.orders)
    notes = list(live.notes)
    notes += [f"{o.sim.id}: {o.problem}" for o in live.orders if o.problem]
    notes += [f"simulation: {n}" for n in simulated.notes]
    faults = [_fault_row(f, live.shift) for f in live.faults]
    return Comparison(scenario.name, scenario.seed, len(live.orders), scale, sim_figures, live_figures,
                      verdict(sim_figures, live_figures), per_order(simulated.orders, live_records), faults, notes,
                      live.wall_seconds)


def _fault_row(f: FaultOutcome, shift: timedelta) -> dict[str, object]:
    return {"line": f.stop.line, "start": f"{f.stop.start:%Y-%m-%d %H:%M}", "hours": f.stop.hours,
            "held": f.held is not None,
            "held_at": None if f.held is None else f"{f.held - shift:%Y-%m-%d %H:%M}",
            "held_hours": round(f.hours, 3), "attempts": f.attempts, "answer": f.answer or "not due before the end"}
