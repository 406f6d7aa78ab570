"""Demo-only commands: make a simulated line fail, and clear the fault again (development mode only).

They command the line through its adapter (the ``control`` of the line adapter the plant file's
``status:`` block names: OPC UA job methods, Sparkplug DCMD...), as a machine breaking down would look
to the rest of the system: the line monitor sees the state change, the scheduler plans around the line.
A line whose adapter offers no control cannot be commanded from here (409).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from orchestrator.api.audit_trail import audit
from orchestrator.api.auth import FaultInjector
from orchestrator.api.errors import answers
from orchestrator.integration.line_commands import NoLineControl, plant_line_control
from orchestrator.integration.spec import close_control
from orchestrator.persistence import work_orders_repo
from orchestrator.plant import Plant, load_plant
from orchestrator.ports.lines import CommandStatus, LineControl, LineStatusConfigError, LineUnavailable
from orchestrator.settings import Settings

router = APIRouter(prefix="/api/demo", tags=["demo"])
# Production mode (403), no such line (404), the line cannot take it now or cannot be commanded at all
# (409), the line's server is down (503).
DEMO_ANSWERS = answers(401, 403, 404, 409, 503)


class FaultBody(BaseModel):
    """The fault to inject: ``hold`` stops the running job for a while, ``abort`` ends it."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["hold", "abort"] = "hold"
    reason: str = Field(default="", max_length=200, examples=["Material jam"],
                        description="the stop reason the line shows; empty: 'Injected <mode> fault'")
    duration_hours: float = Field(default=1.0, ge=0, le=24 * 7,
                                  description="plant hours a hold lasts; 0: until cleared")


class DemoCommandResult(BaseModel):
    """What the line answered."""

    line: str
    command: str = Field(description="the line command sent: InjectFault, Resume or Clear")
    status: str = Field(description="the line's answer: OK or ALREADY_RUNNING")
    message: str


def _plant(request: Request) -> Plant:
    plant: Plant | None = getattr(request.app.state, "plant", None)
    if plant is None:
        plant = load_plant(request.app.state.settings.plant_file)
        request.app.state.plant = plant
    return plant


def _check(request: Request, line: str) -> None:
    """Refuse outside the dev mode (403) and for a line the plant does not have (404)."""
    settings: Settings = request.app.state.settings
    if settings.mode != "dev":
        raise HTTPException(403, "fault injection is a demo tool and this installation runs in production mode "
                                 "(C2M_MODE=production); real lines report their own faults. Run with "
                                 "C2M_MODE=dev to use it")
    plant = _plant(request)
    if line not in plant.lines:
        raise HTTPException(404, f"the plant has no line {line!r}; its lines are {', '.join(plant.line_ids)}")


async def _state_name(request: Request, line: str) -> str:
    def read() -> str:
        with request.app.state.engine.connect() as conn:
            row = work_orders_repo.line_statuses(conn).get(line)
        return (row.state_name if row else None) or "in an unknown state"

    return await asyncio.to_thread(read)


async def _call(request: Request, line: str,
                command: Callable[[LineControl], Awaitable[CommandStatus]]) -> CommandStatus:
    """Run one command through the line's adapter over a short-lived connection (demo use is rare)."""
    settings: Settings = request.app.state.settings
    try:
        control, endpoint = plant_line_control(_plant(request), line, settings.resolved_opcua_url)
    except (NoLineControl, LineStatusConfigError, ValueError) as exc:
        raise HTTPException(409, f"line {line} cannot be commanded from here: {exc}") from exc
    try:
        return await command(control)
    except LineUnavailable as exc:
        raise HTTPException(503, f"the line's server at {endpoint} did not answer ({exc}); check that it runs "
                                 "(c2m up starts the plant simulator) and try again") from exc
    except ValueError as exc:  # the server has no such line
        raise HTTPException(404, str(exc)) from exc
    finally:
        await close_control(control)


@router.post("/lines/{line}/fault", response_model=DemoCommandResult, summary="Make a simulated line fail (demo)",
             responses=DEMO_ANSWERS)
async def inject_fault(line: str, body: FaultBody, request: Request, principal: FaultInjector) -> DemoCommandResult:
    """Hold the line's running job for ``duration_hours`` plant hours (0: until cleared), or abort it."""
    _check(request, line)
    reason = body.reason.strip() or f"Injected {body.mode} fault"
    status = await _call(request, line, lambda lines: lines.inject_fault(line, body.mode, reason,
                                                                         body.duration_hours * 3600))
    if status == CommandStatus.NOT_ALLOWED:
        state = await _state_name(request, line)
        need = "a job starting or running" if body.mode == "hold" else "a job on it"
        raise HTTPException(409, f"line {line} cannot take a {body.mode} fault now: it is {state} and a {body.mode} "
                                 f"needs {need}; try again while it works on a work order")
    if not status.accepted:
        raise HTTPException(422, f"line {line} refused the fault ({status.name}): check mode and duration")
    until = f" for {body.duration_hours:g} plant hours" if body.mode == "hold" and body.duration_hours else ""
    await audit(request, principal, "line.inject_fault", f"line:{line}", None,
                {"mode": body.mode, "duration_hours": body.duration_hours, "reason": reason})
    return DemoCommandResult(line=line, command="InjectFault", status=status.name,
                             message=f"line {line}: {body.mode} fault injected{until} ({reason})")


@router.post("/lines/{line}/clear", response_model=DemoCommandResult, summary="Clear a simulated line's fault (demo)",
             responses=DEMO_ANSWERS)
async def clear_fault(line: str, request: Request, principal: FaultInjector) -> DemoCommandResult:
    """End a held fault (Resume) or take an aborted job off the line (Clear)."""
    _check(request, line)
    status = await _call(request, line, lambda lines: lines.resume(line))
    if status.accepted:
        await audit(request, principal, "line.clear_fault", f"line:{line}", None, {"command": "Resume"})
        return DemoCommandResult(line=line, command="Resume", status=status.name,
                                 message=f"line {line} resumes its job")
    status = await _call(request, line, lambda lines: lines.clear(line))
    if status.accepted:
        await audit(request, principal, "line.clear_fault", f"line:{line}", None, {"command": "Clear"})
        return DemoCommandResult(line=line, command="Clear", status=status.name,
                                 message=f"line {line} is cleared and ready for the next job")
    state = await _state_name(request, line)
    raise HTTPException(409, f"line {line} has no fault to clear: it is {state}")
