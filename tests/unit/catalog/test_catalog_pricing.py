"""Pricing: base, option surcharges, conditional and formula surcharges, quantity breaks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from orchestrator.catalog import Product, configure, price_configuration
from tests.unit.catalog.helpers import build, widget


@pytest.fixture
def product(tmp_path: Path) -> Product:
    doc = widget()
    doc["price"] = {
        "currency": "EUR",
        "base": 100,
        "surcharges": [
            {"label": "Oversize", "when": "width > 150", "amount": "(width - 150) * 0.333"},
            {"label": "Engraving", "when": 'engraving != ""', "amount": 7.5},
        ],
        "quantity_breaks": [
            {"min_quantity": 10, "discount_percent": 5},
            {"min_quantity": 50, "discount_percent": 12.5},
        ],
    }
    return build(tmp_path, doc).product("widget")


def test_base_price_alone(product: Product) -> None:
    price = price_configuration(configure(product, {}))
    assert (price.currency, price.unit, price.total) == ("EUR", Decimal("100.00"), Decimal("100.00"))
    assert [line.code for line in price.breakdown] == ["base"]


def test_surcharges_from_choices_booleans_multi_choices_and_rules(product: Product) -> None:
    config = configure(
        product,
        {"colour": "blue", "motorised": True, "extras": ["a", "b"], "width": 175, "engraving": "AB"},
        quantity=2,
    )
    price = price_configuration(config)
    assert [(line.code, line.amount) for line in price.breakdown] == [
        ("base", Decimal("100.00")),
        ("option:colour", Decimal("10.00")),
        ("option:motorised", Decimal("50.00")),
        ("option:extras", Decimal("1.50")),
        ("surcharge", Decimal("8.33")),  # 25 cm * 0.333, rounded half-up to cents
        ("surcharge", Decimal("7.50")),
    ]
    assert price.unit == Decimal("177.33")
    assert price.total == Decimal("354.66")


@pytest.mark.parametrize(
    ("quantity", "discount", "unit"),
    [(9, None, "100.00"), (10, "-5.00", "95.00"), (49, "-5.00", "95.00"), (50, "-12.50", "87.50")],
)
def test_quantity_breaks_apply_the_largest_reached(
    product: Product, quantity: int, discount: str | None, unit: str
) -> None:
    price = price_configuration(configure(product, {}, quantity))
    discounts = [line.amount for line in price.breakdown if line.code == "discount"]
    assert discounts == ([Decimal(discount)] if discount else [])
    assert price.unit == Decimal(unit)
    assert price.total == Decimal(unit) * quantity


def test_breakdown_always_adds_up_to_the_unit_price(product: Product) -> None:
    for width in range(50, 205, 5):
        price = price_configuration(configure(product, {"width": width, "colour": "blue"}, 50))
        assert sum(line.amount for line in price.breakdown) == price.unit


def test_invalid_configuration_cannot_be_priced(product: Product) -> None:
    with pytest.raises(ValueError, match="only a valid configuration"):
        price_configuration(configure(product, {"width": 1}))
