"""The plant scheduler: one entity workflow per plant that owns the schedule (see docs/plant-scheduler.md).

The worker's composition root registers ``SCHEDULER_WORKFLOWS`` and the activities from
:func:`build_scheduler_activities`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from temporalio import workflow

# The workflow sandbox imports this package when it loads the workflow module: let the I/O side through.
with workflow.unsafe.imports_passed_through():
    from orchestrator.plant import load_plant
    from orchestrator.services.plant_planning import SolverSettings
    from workflows.contracts import ClockSpec
    from workflows.scheduler.activities import SchedulerActivities
    from workflows.scheduler.workflow import PlantSchedulerWorkflow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from temporalio.client import Client

    from orchestrator.ports.mes import MesPort
    from orchestrator.settings import Settings

SCHEDULER_WORKFLOWS: list[type] = [PlantSchedulerWorkflow]


def scheduler_clock(settings: Settings) -> ClockSpec:
    """The plant clock the scheduler plans on (refuses a fast clock without a shared epoch)."""
    if settings.clock_epoch is None and settings.time_scale != 1:
        raise ValueError(
            f"C2M_TIME_SCALE is {settings.time_scale:g} but C2M_CLOCK_EPOCH is not set; every process needs the "
            "same epoch for their plant clocks to agree (c2m up sets it)"
        )
    return ClockSpec(epoch=settings.clock_epoch or 0.0, scale=settings.time_scale)


def build_scheduler_activities(
    settings: Settings, engine: Engine, mes: MesPort, solver: SolverSettings | None = None,
    temporal: Callable[[], Awaitable[Client]] | None = None,
) -> list[Callable]:
    """The scheduler's activities bound to the database, the plant file and an MES adapter; given a Temporal
    client factory, they tell the orders themselves (nothing of it in the scheduler's history)."""
    activities = SchedulerActivities(engine, load_plant(settings.plant_file), mes, scheduler_clock(settings), solver,
                                     temporal=temporal)
    return activities.all()


__all__ = [
    "SCHEDULER_WORKFLOWS",
    "PlantSchedulerWorkflow",
    "SchedulerActivities",
    "SolverSettings",
    "build_scheduler_activities",
    "scheduler_clock",
]
