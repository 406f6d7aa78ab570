"""The line faults a scenario meets, as a list: what the live run injects into the plant simulator.

The discrete-event run draws faults inside its floor (``simulation.floor``) from each line's MTBF/MTTR
and the scenario's seed. The live run must meet the same stops, so they are drawn here by the same
floor, on an empty plant: which faults happen does not depend on the work (the draws are per line and
seeded), only what they hold up does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestrator.simulation.base import FAULTS_BEYOND_HORIZON
from orchestrator.simulation.engine import EventQueue
from orchestrator.simulation.floor import Floor, SimOp
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.world import World


@dataclass(frozen=True)
class LineStop:
    """One breakdown of one line: from ``start`` to the repair at ``end`` (scenario time)."""

    line: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        """How long the line is down, in plant hours."""
        return (self.end - self.start) / timedelta(hours=1)


class _Idle:
    """A dispatcher with no work: the floor only fails and repairs."""

    def next_for(self, line: str, now: datetime) -> SimOp | datetime | None:
        return None


def scenario_faults(scenario: Scenario, world: World) -> list[LineStop]:
    """Every line stop the discrete-event run can meet, in time order: lines keep failing past the horizon
    while work remains (``base.FAULTS_BEYOND_HORIZON``); the caller keeps those before its last work."""
    until = scenario.start + timedelta(days=scenario.horizon_days) + FAULTS_BEYOND_HORIZON
    queue = EventQueue(scenario.start)
    floor = Floor(world.plant, queue, scenario.seed + scenario.fault_seed_offset, until)
    floor.dispatcher = _Idle()
    down: dict[str, datetime] = {}
    stops: list[LineStop] = []

    def seen(line: str, now: datetime, is_down: bool) -> None:
        if is_down:
            down[line] = now
        else:
            stops.append(LineStop(line, down.pop(line), now))

    floor.on_fault = seen
    queue.run()
    stops.extend(LineStop(line, since, until) for line, since in down.items())
    return sorted(stops, key=lambda s: (s.start, s.line))
