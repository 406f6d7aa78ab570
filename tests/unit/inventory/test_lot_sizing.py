"""Lot sizing by the supplier's minimum order quantity and order multiple."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.inventory import LotSizingRule, lot_size


@pytest.mark.parametrize(
    ("quantity", "moq", "multiple", "lot"),
    [
        (7, 10, 5, 10),  # below the MOQ: the MOQ
        (12, 10, 5, 15),  # above it: the next whole multiple
        (15, 10, 5, 15),  # already a multiple
        (3, 1, 1, 3),
        (0.25, 0.1, 0.1, 0.3),  # decimal multiples stay exact
        (2.35, 1, 0.5, 2.5),
        (0, 10, 5, 0),  # nothing needed, nothing bought
    ],
)
def test_lot_size(quantity: float, moq: float, multiple: float, lot: float) -> None:
    assert lot_size(quantity, moq, multiple) == lot
    if quantity:
        assert LotSizingRule(moq, multiple).apply(quantity) == lot


@given(
    quantity=st.floats(min_value=0.001, max_value=10_000),
    moq=st.sampled_from([1, 5, 10, 0.5, 100]),
    multiple=st.sampled_from([1, 2, 5, 0.25, 50]),
)
def test_a_lot_covers_the_need_and_the_moq_in_whole_multiples(quantity: float, moq: float, multiple: float) -> None:
    lot = lot_size(quantity, moq, multiple)
    assert lot >= quantity - 1e-9 and lot >= moq - 1e-9
    assert abs(lot / multiple - round(lot / multiple)) < 1e-6
    assert lot - multiple < max(quantity, moq)  # the smallest such lot


@pytest.mark.parametrize(("moq", "multiple"), [(0, 1), (1, 0), (-1, 1)])
def test_bad_rules_are_refused(moq: float, multiple: float) -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        LotSizingRule(moq, multiple)


def test_negative_quantities_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        lot_size(-1)
