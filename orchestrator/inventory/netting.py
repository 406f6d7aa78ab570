"""MRP netting: gross requirements from an exploded BOM, minus free stock, give what to buy.

The order's exploded BOM is flattened by the caller into :class:`MaterialLine` rows (the purchased
and stocked leaves, quantities already multiplied out for the order). Netting then works per item:

1. **gross requirement** = the sum of the item's lines (one unit per item; mixing units is an error),
   needed at the earliest need date of its lines;
2. **from stock** = the part of it the free stock (on hand minus reserved) covers;
3. **net requirement** = the rest, which becomes one purchase need for the sourcing workflow.

Counted units (``pcs``, ``pair``, ``set``) are rounded up to whole units; measured units (``m``, ``kg``…)
to four decimals, also upwards, so rounding never leaves a line short.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

COUNTED_UNITS = frozenset({"pcs", "pair", "set"})
QUANTITY_DECIMALS = 4
_EPSILON = 1e-9


class NettingError(ValueError):
    """The requirements cannot be netted as given; the message names the item and the fix."""


@dataclass(frozen=True)
class MaterialLine:
    """One leaf line of an order's exploded BOM: ``quantity`` of ``item`` for the whole order.

    ``need_by`` is when production needs it (plant time); None means the caller's default need date.
    """

    item: str
    quantity: float
    unit: str = "pcs"
    need_by: datetime | None = None


@dataclass(frozen=True)
class GrossRequirement:
    """Everything the order needs of one item, and by when."""

    item: str
    quantity: float
    unit: str
    need_by: datetime


@dataclass(frozen=True)
class NetRequirement:
    """The gross requirement split into what free stock covers and what must be bought."""

    item: str
    unit: str
    gross: float
    from_stock: float
    to_buy: float
    need_by: datetime

    @property
    def short(self) -> bool:
        """True when stock does not cover the requirement and a purchase need follows."""
        return self.to_buy > 0


def round_quantity(quantity: float, unit: str) -> float:
    """Round a requirement up: whole units for counted units, four decimals for measured ones."""
    if unit in COUNTED_UNITS:
        return float(math.ceil(quantity - _EPSILON))
    scale = 10**QUANTITY_DECIMALS
    return math.ceil(quantity * scale - _EPSILON) / scale


def gross_requirements(lines: Iterable[MaterialLine], need_by: datetime) -> list[GrossRequirement]:
    """Sum the lines per item (in first-seen order); each item is needed by its earliest line's date.

    Raises :class:`NettingError` for a negative or non-finite quantity, or one item in two units.
    """
    totals: dict[str, float] = {}
    units: dict[str, str] = {}
    dates: dict[str, datetime] = {}
    for n, line in enumerate(lines):
        if not line.item:
            raise NettingError(f"material line {n}: the item id is empty; every BOM leaf needs an item id")
        if not math.isfinite(line.quantity) or line.quantity < 0:
            raise NettingError(
                f"material line {n} ({line.item}): quantity {line.quantity} is not a finite number >= 0; "
                "check the BOM quantity formula"
            )
        known = units.setdefault(line.item, line.unit)
        if known != line.unit:
            raise NettingError(
                f"item {line.item!r} is required in two units ({known!r} and {line.unit!r}); "
                "give every BOM line of an item the item master's unit"
            )
        totals[line.item] = totals.get(line.item, 0.0) + line.quantity
        when = line.need_by or need_by
        dates[line.item] = min(dates.get(line.item, when), when)
    return [
        GrossRequirement(item, round_quantity(qty, units[item]), units[item], dates[item])
        for item, qty in totals.items()
        if qty > 0
    ]


def net_requirements(gross: Iterable[GrossRequirement], free_stock: Mapping[str, float]) -> list[NetRequirement]:
    """Net each gross requirement against free stock (on hand minus reserved; missing items have none).

    The same item listed twice draws down the same stock once, so two lines never count a unit twice.
    """
    left = {item: max(0.0, qty) for item, qty in free_stock.items()}
    out: list[NetRequirement] = []
    for req in gross:
        available = left.get(req.item, 0.0)
        from_stock = min(req.quantity, available)
        if req.unit in COUNTED_UNITS:
            from_stock = float(math.floor(from_stock + _EPSILON))  # a counted unit is reserved whole
        left[req.item] = available - from_stock
        to_buy = round_quantity(max(0.0, req.quantity - from_stock), req.unit)
        out.append(NetRequirement(req.item, req.unit, req.quantity, from_stock, to_buy, req.need_by))
    return out


def need_id_for(order_id: str, item: str) -> str:
    """The stable id of an order's purchase need for an item (the base of the PO idempotency key)."""
    return f"{order_id}:{item}"
