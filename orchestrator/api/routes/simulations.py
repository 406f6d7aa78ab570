"""Planners' what-if simulations: ask for one, follow it, read its report and plots (docs/what-if.md).

``POST /api/simulations`` checks the request and answers 202 at once; the simulation runs in a process
of its own, with progress as ``simulation_progress`` events on ``/api/plant/events`` and a
``simulation_finished`` event at the end. This router owns the API process's runner
(``app.state.simulations``): it fails what an earlier process left open and stops its own on shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from orchestrator.api.auth import PlantSteerer
from orchestrator.api.errors import answers
from orchestrator.persistence import simulations_repo
from orchestrator.persistence.tables.simulations import SimulationRow
from orchestrator.security.keys import vault_for
from orchestrator.services.simulation_setup import SimulationRequest
from orchestrator.services.simulations import SimulationQueueFull, SimulationRunner
from orchestrator.simulation.whatif import WhatIfError


def runner(app: FastAPI) -> SimulationRunner:
    """The application's runner (made on first use, so apps served without their lifespan work too)."""
    built: SimulationRunner | None = getattr(app.state, "simulations", None)
    if built is None:
        state = app.state
        built = SimulationRunner(state.settings, state.engine, state.clock, state.catalog,
                                 vault_for(state.settings, state.catalog))
        state.simulations = built
    return built


@asynccontextmanager
async def _runner(app: FastAPI) -> AsyncIterator[None]:
    """Run the simulation runner while the application serves."""
    simulations = runner(app)
    await simulations.start()
    try:
        yield
    finally:
        await simulations.stop()


router = APIRouter(prefix="/api/simulations", tags=["simulations"], lifespan=_runner,
                   responses=answers(401, 403))


class PlotView(BaseModel):
    """One plot of the report."""

    name: str
    url: str


class SimulationView(BaseModel):
    """A what-if simulation: where it is, and its report once done."""

    id: str
    status: str = Field(description="queued, running, done or failed")
    progress: float = Field(description="share done, 0..1")
    step: str = Field(description="what runs now, e.g. 'variant, c2m policy'")
    error: str | None = Field(default=None, description="why it failed")
    requested_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    request: dict[str, Any] = Field(description="the request as it was accepted")
    url: str
    report: dict[str, Any] | None = Field(
        default=None, description="when done: figures[policy][baseline|variant], lead_times, notes")
    plots: list[PlotView] = Field(default_factory=list)


def _view(row: SimulationRow, with_report: bool = True) -> SimulationView:
    url = f"/api/simulations/{row.id}"
    plots = [PlotView(name=name, url=f"{url}/plots/{name}.png") for name in row.plots or []]
    return SimulationView(
        id=row.id, status=row.status, progress=row.progress, step=row.step, error=row.error,
        requested_by=row.requested_by, created_at=row.created_at, started_at=row.started_at,
        finished_at=row.finished_at, request=row.request, url=url,
        report=row.report if with_report else None, plots=plots)


async def _row(request: Request, simulation_id: str) -> SimulationRow:
    row = await asyncio.to_thread(simulations_repo.get_simulation, request.app.state.engine, simulation_id)
    if row is None:
        raise HTTPException(404, f"no simulation {simulation_id!r}; GET /api/simulations lists yours")
    return row


@router.post("", status_code=202, response_model=SimulationView, summary="Run a what-if simulation",
             responses=answers(422, 429))
async def create_simulation(body: SimulationRequest, request: Request, principal: PlantSteerer) -> SimulationView:
    """Queue a what-if: the baseline (the scenario) against the variant (the scenario with ``changes``).

    Answers 202 with the simulation's URL; follow ``simulation_progress`` events on ``/api/plant/events``
    or poll the URL until ``status`` is ``done`` or ``failed``.
    """
    try:
        row = await runner(request.app).submit(body, principal.actor)
    except WhatIfError as exc:
        raise HTTPException(422, {"message": exc.message, "where": exc.where,
                                  "problems": [{"loc": exc.where, "msg": exc.message}]}) from None
    except SimulationQueueFull as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "30"}) from None
    return _view(row)


@router.get("", response_model=list[SimulationView], summary="Your recent what-if simulations")
async def list_simulations(request: Request, principal: PlantSteerer,
                           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[SimulationView]:
    """Your simulations, newest first, without their reports (read one for its report)."""
    rows = await asyncio.to_thread(simulations_repo.recent_simulations, request.app.state.engine,
                                   principal.actor, limit)
    return [_view(row, with_report=False) for row in rows]


@router.get("/{simulation_id}", response_model=SimulationView, summary="A what-if simulation and its report",
            responses=answers(404))
async def get_simulation(simulation_id: str, request: Request, principal: PlantSteerer) -> SimulationView:
    """Status and progress; when done, the report: each policy's figures for the baseline and the variant."""
    return _view(await _row(request, simulation_id))


@router.get("/{simulation_id}/plots/{name}.png", summary="A plot of a what-if report (PNG)",
            response_class=FileResponse, responses={**answers(404), 200: {"content": {"image/png": {}}}})
async def get_plot(simulation_id: str, name: str, request: Request, principal: PlantSteerer) -> FileResponse:
    """One of the report's plots, as listed in its ``plots``."""
    row = await _row(request, simulation_id)
    path = runner(request.app).plot_file(simulation_id, name) if name in (row.plots or []) else None
    if path is None:
        listed = ", ".join(row.plots or []) or "none yet"
        raise HTTPException(404, f"simulation {simulation_id} has no plot {name!r}; its plots: {listed}")
    return FileResponse(path, media_type="image/png")
