"""MRP netting: gross requirements per item, netted against free stock."""

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.inventory import MaterialLine, NettingError, gross_requirements, need_id_for, net_requirements
from orchestrator.inventory.netting import round_quantity

NEED = datetime(2030, 1, 10, tzinfo=UTC)


def test_lines_of_one_item_add_up_and_take_the_earliest_need_date() -> None:
    early = NEED - timedelta(days=2)
    gross = gross_requirements(
        [MaterialLine("screw", 8), MaterialLine("panel", 1.5, "m2"), MaterialLine("screw", 4, need_by=early)], NEED
    )
    assert [(g.item, g.quantity, g.unit, g.need_by) for g in gross] == [
        ("screw", 12, "pcs", early),
        ("panel", 1.5, "m2", NEED),
    ]


def test_counted_units_round_up_to_whole_units_and_measured_ones_to_four_decimals() -> None:
    gross = gross_requirements([MaterialLine("screw", 2.2), MaterialLine("tube", 0.123449, "m")], NEED)
    assert [g.quantity for g in gross] == [3, 0.1235]
    assert round_quantity(3.0000000001, "pcs") == 3  # float dust does not cost a whole unit


def test_zero_lines_need_nothing() -> None:
    assert gross_requirements([MaterialLine("screw", 0)], NEED) == []


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([MaterialLine("screw", -1)], "finite number >= 0"),
        ([MaterialLine("screw", float("nan"))], "finite number >= 0"),
        ([MaterialLine("", 1)], "item id is empty"),
        ([MaterialLine("tube", 1, "m"), MaterialLine("tube", 100, "pcs")], "two units"),
    ],
)
def test_bad_lines_are_refused_with_the_item_named(lines: list[MaterialLine], message: str) -> None:
    with pytest.raises(NettingError, match=message):
        gross_requirements(lines, NEED)


def test_free_stock_covers_what_it_can_and_the_rest_is_to_buy() -> None:
    gross = gross_requirements(
        [MaterialLine("screw", 100), MaterialLine("motor", 2), MaterialLine("tube", 3.5, "m"),
         MaterialLine("board", 1)],
        NEED,
    )
    net = {n.item: n for n in net_requirements(gross, {"screw": 500, "motor": 1, "tube": 1.25, "board": 0})}
    assert (net["screw"].from_stock, net["screw"].to_buy, net["screw"].short) == (100, 0, False)
    assert (net["motor"].from_stock, net["motor"].to_buy) == (1, 1)
    assert (net["tube"].from_stock, net["tube"].to_buy) == (1.25, 2.25)
    assert (net["board"].from_stock, net["board"].to_buy, net["board"].short) == (0, 1, True)
    assert net["board"].need_by == NEED


def test_a_counted_item_is_never_taken_from_a_fraction_of_stock() -> None:
    [net] = net_requirements(gross_requirements([MaterialLine("motor", 2)], NEED), {"motor": 1.5})
    assert (net.from_stock, net.to_buy) == (1, 1)


def test_items_missing_from_stock_or_with_negative_stock_are_bought_in_full() -> None:
    gross = gross_requirements([MaterialLine("a", 3), MaterialLine("b", 2)], NEED)
    net = net_requirements(gross, {"b": -4})
    assert [(n.item, n.from_stock, n.to_buy) for n in net] == [("a", 0, 3), ("b", 0, 2)]


def test_need_ids_are_stable_per_order_and_item() -> None:
    assert need_id_for("ORD-1", "screw") == need_id_for("ORD-1", "screw") == "ORD-1:screw"
    assert need_id_for("ORD-1", "screw") != need_id_for("ORD-2", "screw")
