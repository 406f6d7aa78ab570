"""The planner console's read models: key figures and the exceptions queue (plant time throughout)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from orchestrator.api.auth import require
from orchestrator.api.errors import answers
from orchestrator.clock import PlantClock
from orchestrator.plant import Plant, load_plant
from orchestrator.security.principals import Permission
from orchestrator.services.planner_exceptions import ApprovalLimits, ExceptionKind, planner_exceptions
from orchestrator.services.planner_kpis import planner_kpis

router = APIRouter(prefix="/api/planner", tags=["planner"], dependencies=[require(Permission.READ_PLANT)],
                   responses=answers(401, 403))


class LineWipView(BaseModel):
    """Work in progress on one line: work orders released to the MES, running or held."""

    line: str
    work_orders: int = Field(description="work orders released, running or held on the line")
    units: int = Field(description="units those work orders make in total")
    remaining_units: int = Field(description="units still to make (total less good units produced)")
    by_state: dict[str, int] = Field(description="work orders per state (released, running, held)")


class KpisView(BaseModel):
    """``GET /api/planner/kpis``: the planner's key figures. Every time is plant time."""

    plant_time: datetime = Field(description="plant time of the figures")
    window_days: float = Field(description="delivery figures cover orders delivered in this many plant days")
    orders_in_flight: int = Field(description="orders not yet delivered, cancelled, rejected or failed")
    orders_by_stage: dict[str, int] = Field(description="orders per stage, all time")
    delivered: int = Field(description="orders delivered in the window")
    delivered_on_time: int = Field(description="of those, delivered (delivered milestone, plant time) no later "
                                               "than their promised date")
    on_time_rate: float | None = Field(description="delivered_on_time / delivered, 0..1; null when none delivered")
    average_lead_hours: float | None = Field(
        description="mean plant hours from the received milestone to the delivered milestone")
    average_promised_lead_hours: float | None = Field(
        description="mean plant hours from the received milestone to the promised date, same orders")
    wip: list[LineWipView] = Field(description="work in progress per line, in plant-file order")


class PlannerExceptionView(BaseModel):
    """One thing that needs the planner, with the actions the console offers for it."""

    kind: ExceptionKind
    since: datetime = Field(description="plant time the exception began")
    summary: str = Field(description="what is wrong, in English")
    actions: list[str] = Field(description="approve, reject, hold, release, clear_fault, reschedule")
    order_id: str | None = None
    tracking_url: str | None = Field(default=None, description="the order's tracker page")
    line: str | None = None
    po_id: str | None = None
    supplier: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, description="the facts behind the summary, by kind")


class ExceptionsView(BaseModel):
    """``GET /api/planner/exceptions``: open exceptions, oldest first."""

    plant_time: datetime
    items: list[PlannerExceptionView]


def _plant(request: Request) -> Plant:
    # Shared with the plant routes: one plant model per application.
    plant: Plant | None = getattr(request.app.state, "plant", None)
    if plant is None:
        plant = load_plant(request.app.state.settings.plant_file)
        request.app.state.plant = plant
    return plant


@router.get("/kpis", response_model=KpisView, summary="The planner's key figures")
async def kpis(
    request: Request,
    window_days: Annotated[float, Query(gt=0, le=3650, description="delivery figures over this many plant "
                                                                    "days")] = 30,
) -> KpisView:
    """Orders in flight and per stage, on-time delivery rate, lead time against promise, work in progress."""
    plant, clock = _plant(request), request.app.state.clock
    now = clock.now()

    def read() -> Any:
        with request.app.state.engine.connect() as conn:
            return planner_kpis(conn, plant.line_ids, clock, now, window_days)

    figures = await asyncio.to_thread(read)
    return KpisView(
        plant_time=figures.plant_time, window_days=figures.window_days, orders_in_flight=figures.orders_in_flight,
        orders_by_stage=figures.orders_by_stage, delivered=figures.delivered,
        delivered_on_time=figures.delivered_on_time, on_time_rate=figures.on_time_rate,
        average_lead_hours=figures.average_lead_hours,
        average_promised_lead_hours=figures.average_promised_lead_hours,
        wip=[LineWipView(line=w.line, work_orders=w.work_orders, units=w.units, remaining_units=w.remaining_units,
                         by_state=w.by_state) for w in figures.wip],
    )


@router.get("/exceptions", response_model=ExceptionsView, summary="The planner's exceptions queue")
async def exceptions(request: Request) -> ExceptionsView:
    """Orders waiting for approval or on hold, orders late against their promise, lines in a fault state,
    and purchase orders past their promised delivery; oldest first."""
    plant, settings = _plant(request), request.app.state.settings
    clock: PlantClock = request.app.state.clock
    now = clock.now()
    limits = ApprovalLimits(settings.approval_value_threshold, settings.approval_max_quantity)
    names = {line.id: line.name for line in plant.lines.values()}

    def read() -> Any:
        with request.app.state.engine.connect() as conn:
            return planner_exceptions(conn, now, clock, limits, names)

    base = settings.resolved_public_url
    items = [
        PlannerExceptionView(
            kind=e.kind, since=e.since, summary=e.summary, actions=e.actions, order_id=e.order_id,
            tracking_url=f"{base}/track/{e.order_id}?token={e.tracking_token}" if e.order_id and e.tracking_token
            else None,
            line=e.line, po_id=e.po_id, supplier=e.supplier, details=e.details,
        )
        for e in await asyncio.to_thread(read)
    ]
    return ExceptionsView(plant_time=now, items=items)
