"""One what-if simulation, run in a process of its own (CPU-bound: it must not hold the API's event loop).

:func:`run_job` is the process's whole life: mark the simulation running, run both sides, write the
plots, store the report; every state change is also an event on the plant stream. Progress is written
at most every :data:`PROGRESS_EVERY` of the way or :data:`PROGRESS_SECONDS`, so a long run neither floods
the stream nor stays silent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orchestrator.clock import PlantClock
from orchestrator.persistence import simulations_repo
from orchestrator.persistence.db import make_engine
from orchestrator.simulation.whatif import WhatIfScenario
from orchestrator.simulation.whatif_plots import write_plots
from orchestrator.simulation.whatif_run import run_what_if

PROGRESS_EVERY = 0.05
PROGRESS_SECONDS = 5.0
log = logging.getLogger("c2m.simulations")


@dataclass(frozen=True)
class SimulationJob:
    """Everything the simulation's process needs (picklable: it crosses to a new process)."""

    id: str
    database_url: str
    folder: Path  # the simulation's files: derived scenario files and the plots
    baseline: WhatIfScenario
    variant: WhatIfScenario
    policies: tuple[str, ...]
    orders: int | None
    clock: PlantClock
    owner: str


def run_job(job: SimulationJob) -> None:
    """Run the simulation to its end, done or failed, recording both in the database."""
    engine = make_engine(job.database_url)
    clock = job.clock
    try:
        if not simulations_repo.mark_running(engine, job.id, job.owner, datetime.now(UTC), clock.now()):
            return  # failed meanwhile (e.g. the API stopped): nothing to run
        last = {"share": 0.0, "at": time.monotonic()}

        def progress(share: float, step: str) -> None:
            now = time.monotonic()
            if share < 1.0 and share - last["share"] < PROGRESS_EVERY and now - last["at"] < PROGRESS_SECONDS:
                return
            last.update(share=share, at=now)
            simulations_repo.record_progress(engine, job.id, share, step, datetime.now(UTC), clock.now())

        report = run_what_if(job.baseline, job.variant, policies=job.policies, orders=job.orders, progress=progress)
        plots = write_plots(report, job.folder)
        simulations_repo.finish(engine, job.id, report, plots, datetime.now(UTC), clock.now())
    except Exception as exc:
        log.exception("simulation %s failed", job.id)
        simulations_repo.fail(engine, job.id, f"the simulation stopped with an error: {exc}", datetime.now(UTC),
                              clock.now())
    finally:
        engine.dispose()
