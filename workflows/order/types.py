"""Inputs, outputs and activity messages of the order workflow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.orders.fulfilment import FulfilmentTimes
from workflows.contracts import ClockSpec, OperationSpec, PlannedWorkOrder


class OrderPolicy(BaseModel):
    """Times and thresholds of the order's life, in plant hours."""

    approval_escalation_hours: float = 4.0
    delay_margin_hours: float = 12.0
    quality_check_hours: float = 2.0
    packing_hours: float = 1.0
    transit_hours: float = 48.0

    def fulfilment(self) -> FulfilmentTimes:
        """The post-production durations as the domain's fulfilment times."""
        return FulfilmentTimes(quality_check=timedelta(hours=self.quality_check_hours),
                               packing=timedelta(hours=self.packing_hours),
                               transit=timedelta(hours=self.transit_hours))


class OrderInput(BaseModel):
    """What the API hands the workflow: the accepted order and the rules it lives by."""

    order_id: str
    sku: str
    options: dict[str, Any]
    quantity: int
    customer_id: str
    special_requests: str | None = None
    notify_url: str | None = None
    promised_date: datetime
    approval_reasons: list[str] = Field(default_factory=list)
    priority: int = 0
    clock: ClockSpec
    policy: OrderPolicy = Field(default_factory=OrderPolicy)


class MaterialLine(BaseModel):
    """A purchased or stocked leaf of the exploded BOM: what must be on hand to build."""

    item: str
    quantity: float
    unit: str = "pcs"


class OrderPlan(BaseModel):
    """The exploded plan stored with the order: operations to book and materials to provide."""

    operations: list[OperationSpec]
    materials: list[MaterialLine]


class PlanRequest(BaseModel):
    """Explode the order's (possibly changed) configuration into its plan."""

    order_id: str
    sku: str
    options: dict[str, Any]
    quantity: int
    revision: int = 0


class Shortage(BaseModel):
    """What stock could not cover and must be bought."""

    item: str
    quantity: float
    unit: str = "pcs"


class ReserveRequest(BaseModel):
    """Reserve the plan's materials for the order (idempotent per order and revision)."""

    order_id: str
    materials: list[MaterialLine]
    revision: int = 0


class ReserveResult(BaseModel):
    """What was reserved and what is short."""

    reserved: list[MaterialLine]
    shortages: list[Shortage]


class StageUpdate(BaseModel):
    """Record a milestone: the order's stage changes and an event joins its trail, in one transaction."""

    order_id: str
    stage: str
    plant_time: datetime
    payload: dict[str, Any] = Field(default_factory=dict)
    eta: datetime | None = None
    reason: str | None = None
    dedupe_key: str
    # Production starts: the same transaction issues the order's reserved stock to it (``materials_issued``).
    issue_materials: bool = False


class OrderEventRecord(BaseModel):
    """An event on the order's trail that does not change its stage (delay notice, escalation...)."""

    order_id: str
    kind: str
    plant_time: datetime
    payload: dict[str, Any] = Field(default_factory=dict)
    dedupe_key: str
    eta: datetime | None = None


class CustomerNotice(BaseModel):
    """A message POSTed to the order's ``notify_url``, signed with HMAC."""

    order_id: str
    notify_url: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str


class WithdrawRequest(BaseModel):
    """Withdraw an order's work orders from the MES (stopping running ones)."""

    order_id: str
    work_order_ids: list[str]


class CompensationOutcome(BaseModel):
    """How one compensation went, for the order's event trail."""

    step: str
    ok: bool
    detail: str


class OrderState(BaseModel):
    """The workflow's live state, answered by the ``state`` query."""

    order_id: str
    stage: str
    revision: int
    held: bool
    awaiting_decision: bool
    production_started: bool
    work_orders: list[PlannedWorkOrder]
    completed_operations: list[str]
    eta: datetime | None
    promised_date: datetime
    last_delay_notice: datetime | None


class Decision(BaseModel):
    """A planner's approve or reject, with a comment and who made it."""

    approve: bool
    comment: str = ""
    by: str = "planner"


class ChangeRequest(BaseModel):
    """A new configuration for the order (accepted only before production starts)."""

    options: dict[str, Any]
    quantity: int | None = None


class ChangeResult(BaseModel):
    """The outcome of a change: the new revision."""

    revision: int
    accepted: Literal[True] = True


class CancelRequest(BaseModel):
    """Who cancels and why."""

    reason: str = "cancelled by the customer"
    by: str = "customer"
