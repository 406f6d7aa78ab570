"""The promise simulation: the plant and its market on virtual time, under the c2m policy or a
stock-driven baseline, with production's planning code (docs/simulation.md)."""

from orchestrator.simulation.records import OrderRecord, SimulationResult
from orchestrator.simulation.run import POLICIES, run_scenario
from orchestrator.simulation.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__all__ = [
    "POLICIES",
    "OrderRecord",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "load_scenario",
    "parse_scenario",
    "run_scenario",
]
