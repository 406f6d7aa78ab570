"""Capable-to-promise: the port a quote uses to get a delivery date, and the answer's shape.

A ``Promiser`` looks at the order's exploded routing and BOM and says when the order can be
delivered, with its reasoning split into capacity (which lines, how loaded, when the work finishes)
and material (which items stock cannot cover and when they arrive). The catalog ships a simple
capacity model (``simple_promise.SimpleCapacityPromiser``); the plant scheduler replaces it with one
backed by the live schedule and stock, without the quote changing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.routing import RoutedOperation


@dataclass(frozen=True, slots=True)
class MaterialLead:
    """A material the order needs and when it can be at the line."""

    item: str
    name: str
    kind: str  # purchased or stocked
    quantity: float
    unit: str
    needed_for: str  # the product SKU or subassembly whose work waits for it
    covered_by_stock: bool
    lead_time_days: float  # 0 when stock covers it
    available_at: datetime


@dataclass(frozen=True, slots=True)
class CapacityLoad:
    """The order's work booked on one line."""

    line: str
    work_centre_types: tuple[str, ...]
    operations: tuple[str, ...]
    work_minutes: float  # processing time on this line (speed factor applied)
    start: datetime
    finish: datetime


@dataclass(frozen=True, slots=True)
class Promise:
    """A promised delivery time and why."""

    promised_at: datetime  # plant time
    method: str
    summary: str
    material_ready_at: datetime
    production_start: datetime
    production_finish: datetime
    capacity: tuple[CapacityLoad, ...]
    material: tuple[MaterialLead, ...]

    @property
    def promised_date(self) -> date:
        """The promised delivery day."""
        return self.promised_at.date()


class CannotPromise(RuntimeError):
    """No date can be promised, e.g. because no line in the plant does an operation the order needs."""


@runtime_checkable
class Promiser(Protocol):
    """Computes a delivery promise for an exploded order. ``now`` is plant time, passed in by the caller."""

    async def promise(
        self, routing: Sequence[RoutedOperation], bom: Sequence[BomRow], quantity: int, now: datetime
    ) -> Promise:
        """The earliest delivery the factory can keep for this order, with capacity and material reasoning."""
        ...
