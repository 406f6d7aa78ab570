"""The MES's HTTP edge (prefix ``/api/v1``): B2MML JSON in and out, refusals mapped to status codes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from simulators.mes.b2mml import (
    FaultRequest,
    JobOrder,
    JobOrderBatch,
    JobResponse,
    JobResponseBatch,
    JobState,
    MoveRequest,
    SequenceRequest,
    WithdrawRequest,
)
from simulators.mes.dispatcher import Dispatcher
from simulators.mes.errors import JobConflict, PlantUnavailable

router = APIRouter(prefix="/api/v1")


def _dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher  # type: ignore[no-any-return]


MES = Annotated[Dispatcher, Depends(_dispatcher)]


class LineInfo(BaseModel):
    """What the MES last saw of a line."""

    EquipmentID: str
    State: str | None
    StateCurrent: int | None
    JobOrderID: str | None
    ProducedQuantity: int | None
    StopReason: str | None
    QueueLength: int


class LineList(BaseModel):
    """``GET /lines``."""

    Connected: bool
    Lines: list[LineInfo]


class LineQueue(BaseModel):
    """A line's current job and its queue, first to run first."""

    EquipmentID: str
    Current: JobResponse | None
    JobResponses: list[JobResponse]


class FaultResult(BaseModel):
    """The plant's answer to an injected fault."""

    EquipmentID: str
    Status: int


class OpcUaHealth(BaseModel):
    """The MES's connection to the plant."""

    url: str
    connected: bool
    lines: list[str]
    last_error: str | None


class Health(BaseModel):
    """``GET /health``."""

    status: str
    opcua: OpcUaHealth
    open_job_orders: int


@router.get("/health", response_model=Health)
async def health(mes: MES) -> Health:
    """Always 200 while the MES serves; ``opcua.connected`` says whether it reaches the plant."""
    link = mes.link
    return Health(
        status="ok" if link.connected else "degraded",
        opcua=OpcUaHealth(url=link.url, connected=link.connected, lines=link.lines, last_error=link.last_error),
        open_job_orders=len(mes.book.open_jobs()),
    )


@router.post("/job-orders", responses={200: {"description": "a repeat"}, 201: {"description": "new"}})
async def post_job_orders(
    mes: MES,
    response: Response,
    body: Annotated[dict[str, Any], Body(description="one JobOrder, or {'JobOrders': [...]}")],
) -> JobResponse | JobResponseBatch:
    """Accept one job order or a batch (all or none); idempotent on JobOrderID."""
    try:
        if "JobOrders" in body:
            orders = JobOrderBatch.model_validate(body).JobOrders
        else:
            orders = [JobOrder.model_validate(body)]
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        raise RequestValidationError(errors) from exc
    jobs, created = mes.book.accept(orders)
    mes.wake(*{j.line for j in jobs})
    response.status_code = 201 if created else 200
    responses = mes.book.responses(jobs)
    return JobResponseBatch(JobResponses=responses) if "JobOrders" in body else responses[0]


@router.get("/job-orders", response_model=JobResponseBatch)
async def list_job_orders(
    mes: MES,
    equipment: str | None = None,
    state: JobState | None = None,
    ids: Annotated[list[str] | None, Query(alias="id", description="only these JobOrderIDs (repeatable)")] = None,
) -> JobResponseBatch:
    """Job orders filtered by line, state and/or ids; by arrival, or in the order of ``id``."""
    if ids:
        jobs = [j for j in (mes.book.find(i) for i in ids) if j is not None]
        jobs = [j for j in jobs if (equipment is None or j.line == equipment)]
        jobs = [j for j in jobs if state is None or mes.book.state_of(j) == state]
    else:
        jobs = mes.book.select(equipment, state)
    return JobResponseBatch(JobResponses=mes.book.responses(jobs))


@router.get("/job-orders/{job_order_id}", response_model=JobResponse)
async def get_job_order(mes: MES, job_order_id: str) -> JobResponse:
    """One job order's JobResponse."""
    return mes.book.response(mes.book.get(job_order_id))


@router.post("/job-orders/{job_order_id}/withdraw", response_model=JobResponse)
async def withdraw_job_order(mes: MES, job_order_id: str, body: WithdrawRequest | None = None) -> JobResponse:
    """Withdraw a job that has not started; a running one only with ``stop_if_running``."""
    job = await mes.withdraw(job_order_id, (body or WithdrawRequest()).stop_if_running)
    return mes.book.response(job)


@router.post("/job-orders/{job_order_id}/move", response_model=JobResponse)
async def move_job_order(mes: MES, job_order_id: str, body: MoveRequest) -> JobResponse:
    """Move a job that has not started to another line."""
    job = await mes.move(job_order_id, body.EquipmentID)
    return mes.book.response(job)


@router.put("/lines/{line}/sequence", response_model=LineQueue)
async def resequence_line(mes: MES, line: str, body: SequenceRequest) -> LineQueue:
    """Put these queued jobs first on the line, in this order; the rest keep their order after."""
    await mes.resequence(line, body.JobOrderIDs)
    return _queue(mes, line)


@router.get("/lines", response_model=LineList)
async def list_lines(mes: MES) -> LineList:
    """Every line with what the MES last saw of it."""
    infos = []
    for line in mes.book.lines:
        snap = mes.snapshots.get(line)
        infos.append(
            LineInfo(
                EquipmentID=line,
                State=snap.state_name if snap else None,
                StateCurrent=snap.state if snap else None,
                JobOrderID=(snap.job_order_id or None) if snap else None,
                ProducedQuantity=snap.produced if snap else None,
                StopReason=(snap.stop_message or None) if snap else None,
                QueueLength=len(mes.book.queue(line)),
            )
        )
    return LineList(Connected=mes.link.connected, Lines=infos)


@router.get("/lines/{line}/queue", response_model=LineQueue)
async def line_queue(mes: MES, line: str) -> LineQueue:
    """The line's current job (if this MES started it) and its queue."""
    mes.book.check_line(line)
    return _queue(mes, line)


@router.post("/admin/lines/{line}/fault", response_model=FaultResult)
async def inject_fault(mes: MES, line: str, body: FaultRequest) -> FaultResult:
    """Forward a hold or abort fault to the plant's ``InjectFault`` (demo and test aid)."""
    if not mes.link.connected:
        raise PlantUnavailable(f"not connected to the plant at {mes.link.url}; retry shortly")
    status = await mes.inject_fault(line, body.mode, body.reason, body.duration_seconds)
    if status != 0:
        raise JobConflict(f"the plant refused the {body.mode} fault on {line} (InjectFault status {status})")
    return FaultResult(EquipmentID=line, Status=status)


def _queue(mes: Dispatcher, line: str) -> LineQueue:
    started = mes.book.started_on(line)
    return LineQueue(
        EquipmentID=line,
        Current=mes.book.response(started[0]) if started else None,
        JobResponses=mes.book.responses(mes.book.queue(line)),
    )
