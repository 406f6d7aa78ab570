"""How a supplier decides quantities and dates: lot sizing, sampled lead times, daily capacity.

Pure functions over plain values; time is plant time as Unix seconds, randomness comes from the
caller's seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from simulators.suppliers.config import LeadTime

DAY = 86_400.0
CAPACITY_HORIZON_DAYS = 366


def derived_rng(seed: int, *parts: object) -> random.Random:
    """A generator seeded by ``seed`` and the parts (e.g. supplier, PO id), so a document's dice
    do not depend on the order in which requests happened to arrive."""
    return random.Random("/".join(str(p) for p in (seed, *parts)))


def lot_size(quantity: Decimal, moq: Decimal, multiple: Decimal) -> Decimal:
    """The quantity the supplier will sell: at least the MOQ, rounded up to a whole multiple."""
    wanted = max(quantity, moq)
    lots = (wanted / multiple).to_integral_value(rounding=ROUND_CEILING)
    return lots * multiple


def sample_lead_days(lead: LeadTime, rng: random.Random) -> float:
    """A lead time drawn from the triangular distribution (plant days)."""
    if lead.min == lead.max:
        return lead.min
    return rng.triangular(lead.min, lead.max, lead.mode)


def plant_day(ts: float) -> date:
    """The plant calendar day (UTC) of a plant instant."""
    return datetime.fromtimestamp(ts, tz=UTC).date()


Allocation = tuple[date, Decimal]


def allocate_capacity(
    quantity: Decimal,
    capacity_per_day: Decimal | None,
    first_day: date,
    booked: Callable[[date], Decimal],
) -> list[Allocation] | None:
    """Spread ``quantity`` over the free capacity of consecutive days from ``first_day``.

    Returns the (day, quantity) allocations, or None when a year of capacity is not enough.
    """
    if capacity_per_day is None:
        return [(first_day, quantity)]
    remaining, out = quantity, []
    for offset in range(CAPACITY_HORIZON_DAYS):
        day = first_day + timedelta(days=offset)
        free = capacity_per_day - booked(day)
        if free > 0:
            take = min(free, remaining)
            out.append((day, take))
            remaining -= take
            if remaining <= 0:
                return out
    return None


@dataclass(frozen=True)
class DeliveryPlan:
    """When one PO line leaves the supplier and arrives at the buyer (plant Unix seconds)."""

    ship_ts: float
    deliver_ts: float
    allocations: list[Allocation]


def plan_delivery(
    now_ts: float,
    lead_days: float,
    transit_days: float,
    quantity: Decimal,
    capacity_per_day: Decimal | None,
    booked: Callable[[date], Decimal],
    not_before_ts: float | None = None,
) -> DeliveryPlan | None:
    """Plan a line: delivery after the lead time (not before the buyer's requested start), despatch
    one transit time earlier, pushed back by whole days while the despatch day's capacity is full."""
    deliver = now_ts + lead_days * DAY
    if not_before_ts is not None and not_before_ts > deliver:
        deliver = not_before_ts  # just in time: no earlier than asked
    # Transit never takes more than half of the time left, so despatch is never in the past.
    transit = min(transit_days * DAY, (deliver - now_ts) / 2)
    ship = deliver - transit
    first_day = plant_day(ship)
    allocations = allocate_capacity(quantity, capacity_per_day, first_day, booked)
    if allocations is None:
        return None
    shift = (allocations[-1][0] - first_day).days * DAY
    return DeliveryPlan(ship_ts=ship + shift, deliver_ts=deliver + shift, allocations=allocations)


def reliability_slip_days(reliability: float, lead_days: float, rng: random.Random) -> float:
    """Plant days a shipment slips because the supplier is not perfectly reliable (0 if on time)."""
    if rng.random() < reliability:
        return 0.0
    return max(lead_days, 0.1) * rng.uniform(0.1, 0.5)


def split_partial(quantity: Decimal, rng: random.Random) -> tuple[Decimal, Decimal] | None:
    """Cut a shipment into a first part (30-80 %, whole units) and the rest; None if too small."""
    first = (quantity * Decimal(str(round(rng.uniform(0.3, 0.8), 3)))).to_integral_value(rounding=ROUND_FLOOR)
    if first <= 0 or first >= quantity:
        return None
    return first, quantity - first
