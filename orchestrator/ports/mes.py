"""The MES contract: what the core asks of a manufacturing execution system.

The core books operations into the plant schedule and hands them to an MES as *work orders*; the
MES dispatches them onto lines and reports their *status*. An integrator who plugs in another MES
implements :class:`MesPort`; everything here is in the factory's language, and the adapter maps it
to the MES's own shape (the bundled HTTP adapter speaks ISA-95 / B2MML JobOrder JSON).

Every call is idempotent on the work order id, so a caller (a Temporal activity) may retry freely.
Transport failures and server errors raise :class:`MesUnavailable` (retry later); the other errors
are answers that retrying cannot change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

# Ids travel in URL paths and OPC UA strings: keep them to characters that need no escaping anywhere.
WORK_ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$"


class WorkOrderState(StrEnum):
    """Where a work order stands in the MES.

    ``waiting``: accepted, not dispatchable yet (not released, or predecessors unfinished);
    ``ready``: dispatchable, queued for its line; ``running``: loaded on the line (setup or
    production); ``held``: the line holds it (fault, pause); ``completed``; ``aborted``: stopped
    for good (fault, or withdrawn while running); ``withdrawn``: taken back before it started.
    """

    WAITING = "waiting"
    READY = "ready"
    RUNNING = "running"
    HELD = "held"
    COMPLETED = "completed"
    ABORTED = "aborted"
    WITHDRAWN = "withdrawn"

    @property
    def started(self) -> bool:
        """True once the line has taken the work order (it can no longer be moved)."""
        return self in (WorkOrderState.RUNNING, WorkOrderState.HELD) or self.finished

    @property
    def finished(self) -> bool:
        """True for end states: nothing more will happen to the work order."""
        return self in (WorkOrderState.COMPLETED, WorkOrderState.ABORTED, WorkOrderState.WITHDRAWN)


class MaterialRequirement(BaseModel):
    """A material the operation consumes, for the MES's kitting and line-side supply."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    material_id: str = Field(min_length=1, description="material definition id (SKU)")
    quantity: float = Field(gt=0)
    unit: str = Field(default="EA", min_length=1, description="unit of measure, e.g. EA, M, KG")


class WorkOrder(BaseModel):
    """One operation of one customer order, booked on one line, as handed to the MES.

    ``id`` is the idempotency key: releasing the same id again with the same content is a no-op,
    with different content a :class:`WorkOrderConflict` (except turning ``released`` from False to
    True, which is how a booked work order becomes dispatchable). Durations are plant seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(
        min_length=1,
        max_length=200,
        pattern=WORK_ORDER_ID_PATTERN,
        description="work order id, unique in the plant (letters, digits and . _ : @ + -)",
    )
    order_id: str = Field(min_length=1, description="the customer order it belongs to")
    operation_id: str = Field(min_length=1, description="the routing operation, e.g. install_self_cleaning")
    line: str = Field(min_length=1, description="line id, e.g. ASM1")
    work_master: str = Field(min_length=1, description="product/operation recipe, e.g. aircon-split/paint")
    planned_start: AwareDatetime
    planned_end: AwareDatetime
    priority: int = 0
    quantity: int = Field(gt=0)
    setup_seconds: float = Field(ge=0)
    seconds_per_unit: float = Field(ge=0)
    materials: tuple[MaterialRequirement, ...] = ()
    predecessors: tuple[str, ...] = Field(
        default=(), description="work order ids that must complete before this one may start"
    )
    released: bool = Field(default=True, description="False: booked but not dispatchable yet")
    description: str = ""

    @model_validator(mode="after")
    def _check_plan(self) -> WorkOrder:
        if self.planned_end < self.planned_start:
            raise ValueError(
                f"work order {self.id!r}: planned_end {self.planned_end.isoformat()} is before "
                f"planned_start {self.planned_start.isoformat()}"
            )
        if self.id in self.predecessors:
            raise ValueError(f"work order {self.id!r} lists itself as a predecessor")
        return self


class WorkOrderStatus(BaseModel):
    """What the MES reports about one work order. Times are plant time."""

    model_config = ConfigDict(frozen=True)

    id: str
    line: str
    state: WorkOrderState
    produced: int = 0
    defective: int = 0
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    stop_reason: str | None = None
    sequence: int | None = Field(default=None, description="1-based position in the line's queue while not started")


class MesError(Exception):
    """Base of the MES errors; ``str(error)`` says what went wrong in the MES's words."""


class WorkOrderNotFound(MesError):
    """The MES does not know this work order id."""

    def __init__(self, work_order_id: str, detail: str | None = None) -> None:
        self.work_order_id = work_order_id
        super().__init__(detail or f"work order {work_order_id!r} is unknown to the MES")


class WorkOrderConflict(MesError):
    """The request contradicts the work order's state or content (e.g. withdrawing a started job,
    releasing an id again with different content, moving a job that already runs)."""


class WorkOrderRejected(MesError, ValueError):
    """The MES refused the request as invalid (unknown line, unknown predecessor, bad values)."""


class MesUnavailable(MesError):
    """The MES could not be reached or failed internally; the call may be retried later."""


@runtime_checkable
class MesPort(Protocol):
    """What the core needs from an MES. Implementations must be safe to call concurrently."""

    async def release(self, work_orders: Sequence[WorkOrder]) -> list[WorkOrderStatus]:
        """Hand work orders to the MES as one batch (all or none); idempotent on ``WorkOrder.id``.

        Predecessors must be in the same batch or already known to the MES. Returns the statuses
        in the order given.
        """
        ...

    async def withdraw(self, work_order_id: str, stop_if_running: bool = False) -> WorkOrderStatus:
        """Take a work order back. A running one is refused (:class:`WorkOrderConflict`) unless
        ``stop_if_running``, which aborts it on the line. Withdrawing again returns the same status.
        """
        ...

    async def resequence(self, line: str, work_order_ids: Sequence[str]) -> list[WorkOrderStatus]:
        """Put these not-yet-started work orders first in the line's queue, in this order.

        Returns the line's queue after the change, first to run first.
        """
        ...

    async def move(self, work_order_id: str, line: str) -> WorkOrderStatus:
        """Move a work order that has not started to another line."""
        ...

    async def status(self, work_order_id: str) -> WorkOrderStatus:
        """The current status of one work order (:class:`WorkOrderNotFound` if unknown)."""
        ...

    async def statuses(self, work_order_ids: Sequence[str]) -> list[WorkOrderStatus]:
        """Statuses of several work orders in the order asked; unknown ids are left out."""
        ...
