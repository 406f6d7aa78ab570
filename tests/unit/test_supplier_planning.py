"""The simulated supplier's planning rules: lot sizing, lead-time sampling, daily capacity."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from simulators.suppliers.config import LeadTime
from simulators.suppliers.planning import (
    DAY,
    allocate_capacity,
    derived_rng,
    lot_size,
    plan_delivery,
    sample_lead_days,
    split_partial,
)

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC).timestamp()


def nothing_booked(day: date) -> Decimal:
    return Decimal(0)


@pytest.mark.parametrize(
    "quantity, moq, multiple, expected",
    [(7, 100, 50, 100), (120, 100, 50, 150), (100, 100, 50, 100), (3, 1, 1, 3), (2.5, 1, 0.5, 2.5), (2.6, 1, 0.5, 3)],
)
def test_lot_size_takes_the_moq_and_rounds_up_to_the_multiple(
    quantity: float, moq: float, multiple: float, expected: float
) -> None:
    q = lot_size(Decimal(str(quantity)), Decimal(str(moq)), Decimal(str(multiple)))
    assert q == Decimal(str(expected))


def test_lead_times_stay_within_the_triangle_and_follow_the_seed() -> None:
    lead = LeadTime(min=5, mode=7, max=12)
    draws = [sample_lead_days(lead, random.Random(n)) for n in range(500)]
    assert all(5 <= d <= 12 for d in draws)
    assert 7 < sum(draws) / len(draws) < 8.5  # the triangle's mean is 8
    assert sample_lead_days(lead, derived_rng(1, "a", "PO-1")) == sample_lead_days(lead, derived_rng(1, "a", "PO-1"))
    assert sample_lead_days(LeadTime(min=3, mode=3, max=3), random.Random(0)) == 3


def test_a_lead_time_triangle_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="min <= mode <= max"):
        LeadTime(min=5, mode=4, max=6)


def test_capacity_spreads_a_large_quantity_over_days() -> None:
    booked = {date(2030, 3, 4): Decimal(8)}
    out = allocate_capacity(Decimal(25), Decimal(10), date(2030, 3, 4), lambda d: booked.get(d, Decimal(0)))
    assert out == [(date(2030, 3, 4), Decimal(2)), (date(2030, 3, 5), Decimal(10)), (date(2030, 3, 6), Decimal(10)),
                   (date(2030, 3, 7), Decimal(3))]
    assert allocate_capacity(Decimal(5), None, date(2030, 3, 4), nothing_booked) == [(date(2030, 3, 4), Decimal(5))]


def test_capacity_gives_up_after_a_year() -> None:
    assert allocate_capacity(Decimal(10_000), Decimal(1), date(2030, 1, 1), nothing_booked) is None


def test_delivery_plan_despatches_one_transit_before_delivery() -> None:
    plan = plan_delivery(NOW, 5.0, 1.0, Decimal(10), None, nothing_booked)
    assert plan is not None
    assert plan.deliver_ts == NOW + 5 * DAY
    assert plan.ship_ts == NOW + 4 * DAY


def test_transit_never_puts_despatch_in_the_past() -> None:
    plan = plan_delivery(NOW, 0.5, 20.0, Decimal(1), None, nothing_booked)
    assert plan is not None and plan.ship_ts == NOW + 0.25 * DAY


def test_a_full_despatch_day_pushes_despatch_and_delivery_by_whole_days() -> None:
    full = datetime.fromtimestamp(NOW + 4 * DAY, tz=UTC).date()
    plan = plan_delivery(NOW, 5.0, 1.0, Decimal(10), Decimal(10), lambda d: Decimal(10) if d == full else Decimal(0))
    assert plan is not None
    assert plan.deliver_ts == NOW + 6 * DAY and plan.ship_ts == NOW + 5 * DAY


def test_delivery_is_not_earlier_than_the_requested_start() -> None:
    plan = plan_delivery(NOW, 1.0, 0.5, Decimal(1), None, nothing_booked, not_before_ts=NOW + 10 * DAY)
    assert plan is not None and plan.deliver_ts == NOW + 10 * DAY


def test_partial_split_keeps_the_total_and_leaves_small_quantities_whole() -> None:
    for seed in range(50):
        parts = split_partial(Decimal(10), random.Random(seed))
        assert parts is not None and parts[0] + parts[1] == Decimal(10) and parts[0] > 0 and parts[1] > 0
    assert split_partial(Decimal(1), random.Random(0)) is None
