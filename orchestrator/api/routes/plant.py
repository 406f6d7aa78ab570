"""The planner's API: the plant schedule per line, the lines' live state, and commands to the scheduler.

Reads come from the database (the schedule the plant scheduler writes, the status the line monitors
write). Commands are checked here against the stored schedule and the plant file (404/409/422 with
what is wrong), then signalled to the plant scheduler workflow, which applies them in its next batch:
they answer 202 and the change shows in ``GET /api/schedule`` moments later.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from orchestrator.api.audit_trail import audit
from orchestrator.api.auth import PlantReader, PlantSteerer
from orchestrator.api.errors import answers
from orchestrator.api.routes.products import Lang, catalog_language
from orchestrator.api.temporal import TemporalClient
from orchestrator.catalog.localise import operation_names
from orchestrator.clock import PlantClock
from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.tables.plant import LineStatusRow, WorkOrderRow
from orchestrator.persistence.work_orders_repo import PlanState
from orchestrator.plant import Plant, load_plant
from orchestrator.settings import Settings
from workflows.contracts import PLANNER_COMMAND, PLANT_SCHEDULER_ID, ClockSpec, PlannerCommand, SchedulerInput

router = APIRouter(tags=["plant"])


class WorkOrderView(BaseModel):
    """One work order on a line: planned and actual windows (plant time) and where it stands."""

    id: str
    order_id: str
    op_id: str
    name: str
    op_type: str
    line: str
    state: str
    attempt: int
    quantity: int
    produced: int
    defective: int
    priority: int
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None
    due: datetime | None
    late: bool = Field(description="it ends (or is planned to end) after its order's production due date")
    pinned: bool = Field(description="a planner fixed its line")
    stop_reason: str | None


class LineSchedule(BaseModel):
    """A line and its work orders, in planned order."""

    line: str
    name: str
    capabilities: list[str]
    unavailable_until: datetime | None
    work_orders: list[WorkOrderView]


class ScheduleView(BaseModel):
    """``GET /api/schedule``."""

    plant_time: datetime
    lines: list[LineSchedule]


class LineView(BaseModel):
    """A line's live state as its monitor last reported it, and the scheduler's view of it."""

    line: str
    name: str
    capabilities: list[str]
    stations: list[str] = Field(default_factory=list, description="the line's stations, first to last")
    speed_factor: float
    state: int | None
    state_name: str | None
    unit_mode: int | None
    mach_speed: float | None
    cur_mach_speed: float | None
    job_order_id: str | None
    planned_quantity: int | None
    produced_quantity: int | None
    defective_quantity: int | None
    stop_reason: int | None
    stop_message: str | None
    connection: str
    last_message_at: datetime | None
    unavailable_until: datetime | None
    fault_reason: str | None
    open_work_orders: int


class LinesView(BaseModel):
    """``GET /api/lines``."""

    plant_time: datetime
    lines: list[LineView]


class MoveBody(BaseModel):
    """Where a work order should run."""

    model_config = ConfigDict(extra="forbid")

    line: str = Field(min_length=1, max_length=80, examples=["ASM2"])


class PriorityBody(BaseModel):
    """An order's new priority: 0 is normal, higher is more urgent (a rush)."""

    model_config = ConfigDict(extra="forbid")

    priority: int = Field(ge=0, le=100, examples=[5])


class RescheduleBody(BaseModel):
    """Why the planner asks for a new schedule (kept in the plant's event trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


class CommandAccepted(BaseModel):
    """The command was handed to the plant scheduler; the schedule shows its effect shortly."""

    accepted: bool = True
    command: PlannerCommand
    message: str


def _plant(request: Request) -> Plant:
    plant: Plant | None = getattr(request.app.state, "plant", None)
    if plant is None:
        plant = load_plant(request.app.state.settings.plant_file)
        request.app.state.plant = plant
    return plant


def _plant_now(settings: Settings) -> datetime:
    epoch = settings.clock_epoch if settings.clock_epoch is not None else time.time()
    return PlantClock(epoch, settings.time_scale).now()


def _view(r: WorkOrderRow) -> WorkOrderView:
    end = r.actual_end if r.state == PlanState.COMPLETED else r.planned_end
    return WorkOrderView(
        id=r.id, order_id=r.order_id, op_id=r.op_id, name=r.name, op_type=r.op_type, line=r.line, state=r.state,
        attempt=r.attempt, quantity=r.quantity, produced=r.produced, defective=r.defective, priority=r.priority,
        planned_start=r.planned_start, planned_end=r.planned_end, actual_start=r.actual_start,
        actual_end=r.actual_end, due=r.due, late=bool(r.due and end and end > r.due),
        pinned=r.pinned_line is not None, stop_reason=r.stop_reason,
    )


def _unavailable_until(status: LineStatusRow | None, now: datetime) -> datetime | None:
    if status is None or status.fault_until is None:
        return None
    return status.fault_until if status.fault_until > now else None


@router.get("/api/schedule", response_model=ScheduleView, summary="The plant schedule per line",
            responses=answers(401, 403, 404))
async def get_schedule(
    request: Request,
    principal: PlantReader,
    hours_back: Annotated[float, Query(ge=0, le=24 * 365, description="also show work orders finished "
                                                                       "this many plant hours ago")] = 24,
    line: Annotated[str | None, Query(description="only this line")] = None,
    include_withdrawn: bool = False,
    lang: Lang = None,
) -> ScheduleView:
    """Per line, its work orders with planned and actual windows, order, state and a late flag.

    With ``?lang=`` line names and operation names are the plant file's and catalog's translations.
    """
    plant, settings = _plant(request), request.app.state.settings
    language = catalog_language(lang)
    if line is not None and line not in plant.lines:
        raise HTTPException(404, f"the plant has no line {line!r}; its lines are {', '.join(plant.line_ids)}")
    now = _plant_now(settings)

    def read() -> tuple[list[WorkOrderRow], dict[str, LineStatusRow]]:
        with request.app.state.engine.connect() as conn:
            return (repo.schedule_rows(conn, now - timedelta(hours=hours_back), include_withdrawn),
                    repo.line_statuses(conn))

    rows, statuses = await asyncio.to_thread(read)
    by_line: dict[str, list[WorkOrderView]] = {line_id: [] for line_id in plant.line_ids}
    # Work orders keep the operation name of the order's catalog (English); translate by that name.
    names = operation_names(request.app.state.catalog, language) if language else {}
    for r in rows:
        view = _view(r)
        if r.name in names:
            view = view.model_copy(update={"name": names[r.name]})
        by_line.setdefault(r.line, []).append(view)
    lines = []
    for line_id, views in by_line.items():
        if line is not None and line_id != line:
            continue
        known = plant.lines.get(line_id)
        views.sort(key=lambda v: (v.actual_start or v.planned_start or now, v.id))
        lines.append(LineSchedule(
            line=line_id, name=known.name_in(language) if known else "(not in the plant file)",
            capabilities=[str(c) for c in known.capabilities] if known else [],
            unavailable_until=_unavailable_until(statuses.get(line_id), now), work_orders=views,
        ))
    return ScheduleView(plant_time=now, lines=lines)


@router.get("/api/lines", response_model=LinesView, summary="The lines' live state", responses=answers(401, 403))
async def get_lines(request: Request, principal: PlantReader, lang: Lang = None) -> LinesView:
    """Each line's state, speed, current job, counts, stop reason and connection, as last reported.

    With ``?lang=`` line and station names are the plant file's translations where it gives them.
    """
    plant, settings = _plant(request), request.app.state.settings
    language = catalog_language(lang)
    now = _plant_now(settings)

    def read() -> tuple[dict[str, LineStatusRow], list[WorkOrderRow]]:
        with request.app.state.engine.connect() as conn:
            return repo.line_statuses(conn), repo.open_work_orders(conn)

    statuses, open_rows = await asyncio.to_thread(read)
    views = []
    for line in plant.lines.values():
        s = statuses.get(line.id)
        views.append(LineView(
            line=line.id, name=line.name_in(language), capabilities=[str(c) for c in line.capabilities],
            stations=list(line.stations_in(language)), speed_factor=line.speed_factor, state=s.state if s else None,
            state_name=s.state_name if s else None,
            unit_mode=s.unit_mode if s else None, mach_speed=s.mach_speed if s else None,
            cur_mach_speed=s.cur_mach_speed if s else None, job_order_id=s.job_order_id if s else None,
            planned_quantity=s.planned_quantity if s else None, produced_quantity=s.produced_quantity if s else None,
            defective_quantity=s.defective_quantity if s else None, stop_reason=s.stop_reason if s else None,
            stop_message=s.stop_message if s else None, connection=s.connection if s else "down",
            last_message_at=s.last_message_at if s else None, unavailable_until=_unavailable_until(s, now),
            fault_reason=s.fault_reason if s and _unavailable_until(s, now) else None,
            open_work_orders=sum(1 for r in open_rows if r.line == line.id),
        ))
    return LinesView(plant_time=now, lines=views)


@router.post("/api/schedule/reschedule", status_code=202, response_model=CommandAccepted,
             summary="Ask the plant scheduler for a new schedule now", responses=answers(401, 403, 503))
async def reschedule(request: Request, principal: PlantSteerer, temporal: TemporalClient,
                     body: RescheduleBody | None = None) -> CommandAccepted:
    """The scheduler solves again with what it knows now (e.g. after correcting a line's state)."""
    command = PlannerCommand(kind="reschedule", reason=(body or RescheduleBody()).reason)
    await _send(temporal, request.app.state.settings, command)
    await audit(request, principal, "schedule.reschedule", "plant-scheduler", None, {"reason": command.reason})
    return CommandAccepted(command=command, message="the plant scheduler will solve again in its next batch")


@router.post("/api/work-orders/{work_order_id}/move", status_code=202, response_model=CommandAccepted,
             summary="Move a work order to another capable line", responses=answers(401, 403, 404, 409, 503))
async def move_work_order(work_order_id: str, body: MoveBody, request: Request,
                          principal: PlantSteerer, temporal: TemporalClient) -> CommandAccepted:
    """Keep a work order that has not started on ``line`` from now on (the line must be able to do it)."""
    plant = _plant(request)
    row = await _work_order(request, work_order_id)
    state = PlanState(row.state)
    if state.started or state.finished:
        raise HTTPException(409, f"work order {row.id} is {state.value}; only work orders that have not started "
                                 "can move")
    if body.line not in plant.lines:
        raise HTTPException(422, f"the plant has no line {body.line!r}; its lines are {', '.join(plant.line_ids)}")
    if not plant.line(body.line).can_do(row.op_type):
        capable = ", ".join(line.id for line in plant.lines_for(row.op_type))
        raise HTTPException(422, f"line {body.line} cannot do {row.op_type!r} (operation {row.op_id}); "
                                 f"lines that can: {capable}")
    command = PlannerCommand(kind="move", work_order_id=row.id, line=body.line)
    await _send(temporal, request.app.state.settings, command)
    await audit(request, principal, "work_order.move", f"work_order:{row.id}", {"line": row.line},
                {"line": body.line})
    return CommandAccepted(command=command, message=f"work order {row.id} will be planned on {body.line} from now on")


@router.post("/api/work-orders/{work_order_id}/priority", status_code=202, response_model=CommandAccepted,
             summary="Change the priority of a work order's order", responses=answers(401, 403, 404, 409, 503))
async def set_priority(work_order_id: str, body: PriorityBody, request: Request,
                       principal: PlantSteerer, temporal: TemporalClient) -> CommandAccepted:
    """Priority belongs to the order: every open work order of it takes the new priority (a rush)."""
    row = await _work_order(request, work_order_id)
    if PlanState(row.state).finished:
        raise HTTPException(409, f"work order {row.id} is {row.state}; its priority no longer matters")
    command = PlannerCommand(kind="priority", work_order_id=row.id, priority=body.priority)
    await _send(temporal, request.app.state.settings, command)
    await audit(request, principal, "order.priority", f"order:{row.order_id}", {"priority": row.priority},
                {"priority": body.priority, "work_order": row.id})
    return CommandAccepted(command=command,
                           message=f"order {row.order_id} will be planned with priority {body.priority}")


async def _work_order(request: Request, work_order_id: str) -> WorkOrderRow:
    def read() -> WorkOrderRow | None:
        with request.app.state.engine.connect() as conn:
            return repo.get_work_order(conn, work_order_id)

    row = await asyncio.to_thread(read)
    if row is None:
        raise HTTPException(404, f"no work order {work_order_id!r}; GET /api/schedule lists them")
    return row


async def _send(client: Client, settings: Settings, command: PlannerCommand) -> None:
    """Signal the scheduler, starting it if it is not running (as orders do)."""
    clock = ClockSpec(epoch=settings.clock_epoch or 0.0, scale=settings.time_scale)
    try:
        await client.start_workflow(
            "PlantScheduler", SchedulerInput(clock=clock), id=PLANT_SCHEDULER_ID, task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal=PLANNER_COMMAND, start_signal_args=[command],
        )
    except Exception as exc:  # the engine answered but refused: say so rather than a bare 500
        detail: Any = f"the plant scheduler could not be reached: {exc.__class__.__name__}: {exc}"
        raise HTTPException(503, detail) from exc
