"""Typed messages between the order, sourcing, scheduler and line-monitor workflows.

Each workflow and activity takes one input model so fields can be added compatibly. All times are plant
time (timezone-aware datetimes); ``ClockSpec`` lets a workflow turn a plant duration into a timer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from orchestrator.clock import PlantClock


class ClockSpec(BaseModel):
    """The plant clock's parameters (plant = epoch + (wall - epoch) * scale)."""

    epoch: float
    scale: float = 1.0

    def plant_at(self, wall: datetime) -> datetime:
        """Plant time at a wall instant (inside a workflow, pass ``workflow.now()``)."""
        return PlantClock(self.epoch, self.scale).plant_at(wall)

    def plant_at_now(self) -> datetime:
        """Plant time now from the wall clock: for activities and edges, never inside a workflow."""
        return PlantClock(self.epoch, self.scale).now()

    def wall_timedelta(self, plant: timedelta) -> timedelta:
        """How long a plant duration lasts on the wall clock (for ``workflow.sleep``)."""
        return timedelta(seconds=plant.total_seconds() / self.scale)


# --- sourcing (one child workflow per purchase need) -------------------------------------------


class SourcingInput(BaseModel):
    """Buy ``quantity`` of ``item`` for an order, delivered by ``need_by``."""

    order_id: str
    need_id: str = Field(description="stable id of this need: order id + item; the PO idempotency key base")
    item: str
    quantity: float
    unit: str = "pcs"
    need_by: datetime
    clock: ClockSpec


class SourcingResult(BaseModel):
    """How the need was met (or why not)."""

    need_id: str
    item: str
    outcome: Literal["received", "cancelled", "failed"]
    supplier: str | None = None
    po_id: str | None = None
    received_quantity: float = 0
    received_at: datetime | None = None
    reason: str | None = None


class MaterialsExpected(BaseModel):
    """Sourcing -> order: a bought material will come later than its need date, and when.

    Sent as soon as a supplier's answer makes the slip certain (a PO accepted for a later date, an ASN
    due later, a follow-up finding nothing shipped), so the customer hears of it then rather than when
    the goods have arrived and the work is booked. Sent only when the date moves later than before.
    """

    need_id: str
    item: str
    expected_delivery: datetime = Field(description="plant time the goods are now expected")
    why: str


# --- plant scheduler (one entity workflow per plant) -------------------------------------------


class SchedulerInput(BaseModel):
    """Start (or continue-as-new) the plant scheduler entity, with the messages the last run had not handled."""

    plant_id: str = "default"
    clock: ClockSpec
    pending: list[BookingRequest] = Field(default_factory=list, description="carried over by continue-as-new")
    unbooks: list[str] = Field(default_factory=list, description="carried over by continue-as-new")
    work_order_events: list[WorkOrderEvent] = Field(default_factory=list, description="carried over")
    line_events: list[LineEventSignal] = Field(default_factory=list, description="carried over")
    commands: list[PlannerCommand] = Field(default_factory=list, description="carried over")


class OperationSpec(BaseModel):
    """One routing operation of an order to book on a capable line."""

    op_id: str
    name: str
    op_type: str
    setup_minutes: float
    run_minutes_per_unit: float
    quantity: int
    predecessors: list[str] = Field(default_factory=list)
    work_master: str | None = None


class BookingRequest(BaseModel):
    """Book an order's operations: not before ``release_at`` (materials), aiming at ``due``.

    Orders send ``operations`` empty: the scheduler reads them from the plan stored with the order, so a
    booking costs the scheduler's history a few hundred bytes whatever the routing (a thousand bookings in
    one batch stay far below Temporal's payload limit). A caller without a stored order lists them here.
    """

    order_id: str
    operations: list[OperationSpec] = Field(default_factory=list)
    release_at: datetime
    due: datetime
    priority: int = 0
    materials_ready: bool = True


class PlannedWorkOrder(BaseModel):
    """A work order as booked: which line and when (plant time)."""

    work_order_id: str
    op_id: str
    line: str
    start: datetime
    end: datetime


class BookingResult(BaseModel):
    """The order's planned work orders and the projected production finish."""

    order_id: str
    work_orders: list[PlannedWorkOrder]
    production_finish: datetime
    method: str = ""




class ScheduleChanged(BaseModel):
    """Sent to an order when a reschedule moved its work orders."""

    order_id: str
    work_orders: list[PlannedWorkOrder]
    production_finish: datetime
    reason: str


class LineEventSignal(BaseModel):
    """A line fact that changes the plan: a fault, a recovery."""

    line: str
    kind: Literal["fault", "recovered"]
    at: datetime
    reason: str = ""
    expected_recovery: datetime | None = None


# --- line monitor -> order -----------------------------------------------------------------------


class WorkOrderEvent(BaseModel):
    """A work order's fact seen on its line: started, completed, aborted, held or resumed."""

    work_order_id: str
    order_id: str
    op_id: str
    line: str
    kind: Literal["started", "completed", "aborted", "held", "resumed"]
    at: datetime
    produced: int = 0
    defective: int = 0
    reason: str = ""


class ProductionFinished(BaseModel):
    """Sent to an order once, when every operation of its booking has completed on the lines."""

    order_id: str
    op_ids: list[str]
    at: datetime


# --- names shared by senders and receivers --------------------------------------------------------

PLANT_SCHEDULER_ID = "plant-scheduler"
"""Workflow id of the plant's scheduler entity (one per plant; suffixed by the plant id when several)."""


class Signals:
    """Signal names, so senders in activities and receivers in workflows cannot drift apart."""

    BOOK = "book"  # order -> scheduler: BookingRequest
    UNBOOK = "unbook"  # order -> scheduler: order id (cancel or change: free the capacity)
    BOOKED = "booked"  # scheduler -> order: BookingResult
    SCHEDULE_CHANGED = "schedule_changed"  # scheduler -> order: ScheduleChanged
    WORK_ORDER_EVENT = "work_order_event"  # line monitor -> order (its first start) and scheduler (aborts)
    PRODUCTION_FINISHED = "production_finished"  # line monitor -> order: ProductionFinished
    LINE_EVENT = "line_event"  # line monitor -> scheduler: LineEventSignal
    ASN_RECEIVED = "asn_received"  # webhook -> sourcing: DespatchAdvice
    MATERIALS_EXPECTED = "materials_expected"  # sourcing -> order (its parent): MaterialsExpected


def work_order_id(order_id: str, op_id: str, attempt: int = 1) -> str:
    """The work order (= MES JobOrderID = line job id) for an operation of an order.

    It carries the order and operation so that a line monitor can route a line's job event to its order
    without a lookup: ``ORD-1A2B3C.install_module.1``.
    """
    if "." in order_id or "." in op_id:
        raise ValueError(f"order and operation ids must not contain dots: {order_id!r}, {op_id!r}")
    return f"{order_id}.{op_id}.{attempt}"


def parse_work_order_id(wo_id: str) -> tuple[str, str, int]:
    """(order id, operation id, attempt) of a work order id made by :func:`work_order_id`."""
    parts = wo_id.split(".")
    if len(parts) != 3 or not parts[2].isdigit():
        raise ValueError(f"not a c2m work order id: {wo_id!r}")
    return parts[0], parts[1], int(parts[2])


# --- planner -> scheduler ------------------------------------------------------------------------

PLANNER_COMMAND = "planner_command"
"""Signal name of :class:`PlannerCommand` (planner API -> plant scheduler)."""


class PlannerCommand(BaseModel):
    """A planner's instruction to the plant scheduler, sent by the planner API.

    ``reschedule``: solve again now. ``move``: keep ``work_order_id`` on ``line`` from now on (it must
    be capable and not started). ``priority``: set the priority of the work order's order (0 normal,
    higher is more urgent: a rush). ``continue_as_new``: start a fresh history at the next quiet moment
    (an operator's tool, e.g. to pick up new workflow code).
    """

    kind: Literal["reschedule", "move", "priority", "continue_as_new"]
    work_order_id: str | None = None
    line: str | None = None
    priority: int | None = None
    reason: str = ""
    requested_by: str = "planner"


SchedulerInput.model_rebuild()
