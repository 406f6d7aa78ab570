"""The line monitors' part of the worker's composition root: concrete line status adapters by name.

A line's ``status.adapter`` in the plant file picks its adapter: ``opcua`` is built in; any other name
is looked up among the ``c2m.line_status`` entry points, each a
:class:`~orchestrator.ports.lines.LineStatusSourceFactory` (an integrator's package registers one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from importlib.metadata import entry_points
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

from orchestrator.plant import Plant
from orchestrator.ports.journal import Journal
from orchestrator.ports.lines import LineStatusBinding, LineStatusConfigError, LineStatusSource
from orchestrator.runtime import plant_clock
from orchestrator.settings import Settings
from workflows.contracts import PLANT_SCHEDULER_ID, ClockSpec
from workflows.lines.activities import LineMonitorActivities, LineSourceFactory

ENTRY_POINT_GROUP = "c2m.line_status"


def adapter_factory(name: str) -> Callable[..., LineStatusSource]:
    """The source factory registered as ``name`` (``opcua`` or a ``c2m.line_status`` entry point)."""
    if name == "opcua":
        from adapters.opcua import open_line_status

        return open_line_status
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        known = sorted({"opcua", *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))})
        raise LineStatusConfigError(
            f"no line status adapter called {name!r}; installed adapters: {', '.join(known)} "
            f"(an adapter package registers itself in the {ENTRY_POINT_GROUP!r} entry point group)"
        )
    factory: Callable[..., LineStatusSource] = found[0].load()
    return factory


def line_sources(
    plant: Plant, default_endpoint: str, clock: Callable[[], Any], journal: Journal | None = None
) -> LineSourceFactory:
    """A :class:`~workflows.lines.activities.LineSourceFactory` from the plant file's status bindings.

    ``clock`` stamps plant time on line events (``PlantClock.now``); OPC UA sources get it and the
    ``journal`` (sampled raw values), other adapters get what their factory accepts.
    """

    def build(line: str, *, known_completed: Iterable[str] | None = None) -> LineStatusSource:
        binding: LineStatusBinding = plant.status_binding(line, default_endpoint=default_endpoint)
        factory = adapter_factory(binding.adapter)
        if binding.adapter == "opcua":
            return factory(binding, known_completed=known_completed, clock=clock, journal=journal)
        return factory(binding, known_completed=known_completed)

    return build


def build_line_activities(
    settings: Settings,
    engine: Engine,
    temporal_client_factory: Callable[[], Awaitable[Client]],
    plant: Plant,
    *,
    scheduler_workflow_id: str = PLANT_SCHEDULER_ID,
    journal: Journal | None = None,
) -> list[Callable[..., Any]]:
    """The line monitor activities for a worker, wired to the plant's configured line adapters.

    With a ``journal``, the lines' raw values are recorded there (sampled).
    """
    clock = plant_clock(settings)
    activities = LineMonitorActivities(
        engine,
        plant,
        temporal_client_factory,
        ClockSpec(epoch=clock.epoch, scale=clock.scale),
        line_sources(plant, settings.resolved_opcua_url, clock.now, journal),
        scheduler_workflow_id=scheduler_workflow_id,
    )
    return activities.all()
