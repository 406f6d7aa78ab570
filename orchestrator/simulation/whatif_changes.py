"""The changes a planner can make in a what-if, as request-ready models, and the error a bad one gives.

Each change has a ``kind``; :data:`Change` is their union, as ``POST /api/simulations`` takes them
(docs/what-if.md). Applying them is :func:`orchestrator.simulation.whatif.apply_changes`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class WhatIfError(ValueError):
    """A change that cannot be applied; ``where`` is its place in the request (``changes[0].line``)."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RemoveLine(_Change):
    """Take a line out of the plant (breakdown for the whole horizon, a sale, a refit)."""

    kind: Literal["remove_line"]
    line: str = Field(min_length=1, description="the line's id in the plant file, e.g. ASM2")


class AddLine(_Change):
    """A new line built like an existing one (same capabilities, stations and calendar)."""

    kind: Literal["add_line"]
    line: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="the new line's id")
    like: str = Field(min_length=1, description="the existing line it copies")
    speed_factor: float | None = Field(default=None, gt=0, description="left out: the copied line's")


class LineSpeed(_Change):
    """A line runs faster or slower (factor on the plant file's speed)."""

    kind: Literal["line_speed"]
    line: str = Field(min_length=1)
    factor: float = Field(gt=0, le=10)


class AddShift(_Change):
    """One more shift on a line (the line gets its own copy of its calendar)."""

    kind: Literal["add_shift"]
    line: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=40)
    start: str = Field(pattern=r"^\d{1,2}:\d{2}$", description="local time, e.g. '06:00'")
    end: str = Field(pattern=r"^\d{1,2}:\d{2}$", description="local time; at or before start: the next day")
    days: str | list[str] = Field(default="all", description="'all', 'mon-fri', or a list like ['sat', 'sun']")


class RemoveShift(_Change):
    """A line stops working one of its shifts."""

    kind: Literal["remove_shift"]
    line: str = Field(min_length=1)
    shift: str = Field(min_length=1, description="the shift's name in the line's calendar, e.g. night")


class LineCalendar(_Change):
    """A line works to another calendar of the plant file."""

    kind: Literal["line_calendar"]
    line: str = Field(min_length=1)
    calendar: str = Field(min_length=1)


class SupplierLeadTime(_Change):
    """A supplier's lead times are multiplied by ``factor`` (1.5: half as long again)."""

    kind: Literal["supplier_lead_time"]
    supplier: str = Field(min_length=1)
    factor: float = Field(gt=0, le=20)


class SupplierAvailability(_Change):
    """A supplier stops (or resumes) taking orders, or ships on time less often."""

    kind: Literal["supplier_availability"]
    supplier: str = Field(min_length=1)
    available: bool = True
    reliability: float | None = Field(default=None, ge=0, le=1, description="share of deliveries on time")


class RushOrder(_Change):
    """An order the planner considers accepting, arriving ``at_day`` plant days into the horizon."""

    kind: Literal["rush_order"]
    sku: str = Field(min_length=1)
    options: dict[str, Any] = Field(default_factory=dict)
    quantity: int = Field(default=1, ge=1, le=10_000)
    at_day: float = Field(default=0.0, ge=0, le=365, description="plant days after the start")


Change = Annotated[
    RemoveLine | AddLine | LineSpeed | AddShift | RemoveShift | LineCalendar | SupplierLeadTime
    | SupplierAvailability | RushOrder,
    Field(discriminator="kind"),
]
CHANGE_KINDS = ("remove_line", "add_line", "line_speed", "add_shift", "remove_shift", "line_calendar",
                "supplier_lead_time", "supplier_availability", "rush_order")
