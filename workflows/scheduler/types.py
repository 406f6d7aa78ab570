"""The plant scheduler's own messages: one batch of work for its activity, and what came of it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from workflows.contracts import (
    BookingRequest,
    BookingResult,
    LineEventSignal,
    PlannerCommand,
    ScheduleChanged,
    WorkOrderEvent,
)


class SchedulerBatch(BaseModel):
    """Everything the scheduler received since its last batch, handled in one activity.

    ``batch_id`` (run id + batch number) keys the events the batch records, so a retried activity
    records nothing twice.
    """

    batch_id: str
    bookings: list[BookingRequest] = Field(default_factory=list)
    unbooks: list[str] = Field(default_factory=list)
    work_order_events: list[WorkOrderEvent] = Field(default_factory=list)
    line_events: list[LineEventSignal] = Field(default_factory=list)
    commands: list[PlannerCommand] = Field(default_factory=list)

    @property
    def needs_activity(self) -> bool:
        """True when the batch needs the solve-and-release activity (not just recording events)."""
        aborted = any(e.kind == "aborted" for e in self.work_order_events)
        return bool(self.bookings or self.unbooks or self.line_events or self.commands or aborted)


class OrderNotice(BaseModel):
    """What to tell one order: its booking, or that its work orders moved."""

    order_id: str
    booked: BookingResult | None = None
    changed: ScheduleChanged | None = None


class BatchOutcome(BaseModel):
    """What a batch did, and the signals the workflow sends to orders (none when the activity sent them).

    The id lists hold at most 50 ids each, for the record; the summary counts them all.
    """

    solved: bool = False
    method: str = ""
    notices: list[OrderNotice] = Field(default_factory=list)
    released: list[str] = Field(default_factory=list, description="work orders handed to the MES")
    moved: list[str] = Field(default_factory=list, description="work orders moved to another line at the MES")
    withdrawn: list[str] = Field(default_factory=list, description="work orders withdrawn at the MES")
    reissued: list[str] = Field(default_factory=list, description="new work orders for aborted operations")
    refused: list[str] = Field(default_factory=list, description="messages that could not be applied, and why")
    summary: str = ""
    review_at: datetime | None = Field(
        default=None, description="plant time at which a faulted line's expected recovery passes: plan again then")


class SchedulerStatus(BaseModel):
    """The entity's live counters (query ``status``), for operators and tests."""

    plant_id: str
    batches: int
    carried_in: int = Field(description="bookings this run started with (carried over by continue-as-new)")
    pending_bookings: int
    pending_other: int
    continue_requested: bool
    last_summary: str = ""
