"""The line monitors' part of the worker's composition root: each line's status adapter, by name.

A line's ``status.adapter`` in the plant file names an adapter registered in the ``c2m.adapters.lines``
entry point group (``opcua`` is ours, registered like any other); the registry builds it from the
line's validated ``status`` settings (see ``docs/integrators.md``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import Client

from orchestrator.integration.lines import line_source_factory
from orchestrator.plant import Plant
from orchestrator.ports.journal import Journal
from orchestrator.ports.lines import LineStatusBinding, LineStatusSource, LineStatusSourceFactory
from orchestrator.runtime import plant_clock
from orchestrator.settings import Settings
from workflows.contracts import PLANT_SCHEDULER_ID, ClockSpec
from workflows.lines.activities import LineMonitorActivities, LineSourceFactory


def line_sources(
    plant: Plant, default_endpoint: str, clock: Callable[[], Any], journal: Journal | None = None
) -> LineSourceFactory:
    """A :class:`~workflows.lines.activities.LineSourceFactory` from the plant file's status settings.

    ``clock`` stamps plant time on line events (``PlantClock.now``); adapters get it and the ``journal``
    through their :class:`~orchestrator.integration.spec.AdapterContext`.
    """
    factories: dict[str, LineStatusSourceFactory] = {}

    def build(line: str, *, known_completed: Iterable[str] | None = None) -> LineStatusSource:
        binding: LineStatusBinding = plant.status_binding(line, default_endpoint=default_endpoint)
        factory = factories.get(line)
        if factory is None:
            factory = factories[line] = line_source_factory(plant, line, default_endpoint, clock, journal)
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
