"""The bundled supplier file: valid, and giving sourcing a real choice for every bought item."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from adapters.suppliers.directory import load_supplier_endpoints
from adapters.suppliers.ubl import unit_code
from simulators.suppliers.config import ConfigError, PartOffer, load_supplier_book, parse_supplier_book

ROOT = Path(__file__).resolve().parents[2]
SUPPLIERS = ROOT / "suppliers" / "default.yaml"
ITEMS = ROOT / "catalog" / "items.yaml"


def _items(kind: str) -> dict[str, dict[str, object]]:
    data = yaml.safe_load(ITEMS.read_text(encoding="utf-8"))
    return {i["id"]: i for i in data["items"] if i["kind"] == kind}


def _offers() -> dict[str, list[tuple[str, PartOffer]]]:
    offers: dict[str, list[tuple[str, PartOffer]]] = defaultdict(list)
    for supplier in load_supplier_book(SUPPLIERS).suppliers:
        for part in supplier.parts:
            offers[part.item].append((supplier.id, part))
    return offers


def test_the_default_file_has_four_to_six_suppliers() -> None:
    book = load_supplier_book(SUPPLIERS)
    assert 4 <= len(book.suppliers) <= 6
    assert all(0.5 <= s.reliability <= 1 for s in book.suppliers)


def test_every_purchased_item_has_a_cheap_slow_and_a_fast_dear_supplier() -> None:
    offers = _offers()
    for item in _items("purchased"):
        sources = offers.get(item, [])
        assert len({sid for sid, _ in sources}) >= 2, f"{item} is offered by {len(sources)} supplier(s)"
        trade_off = any(
            a.price < b.price and a.lead_time_days.mode > b.lead_time_days.mode for _, a in sources for _, b in sources
        )
        assert trade_off, f"{item}: no cheaper-but-slower versus dearer-but-faster choice among {sources}"


def test_stocked_items_can_be_replenished_from_two_suppliers() -> None:
    offers = _offers()
    for item in _items("stocked"):
        assert len(offers.get(item, [])) >= 2, f"stocked item {item} has fewer than two suppliers"


def test_suppliers_offer_only_catalog_items_in_the_catalog_unit() -> None:
    bought = _items("purchased") | _items("stocked")
    for item, sources in _offers().items():
        assert item in bought, f"suppliers offer {item!r}, which is not a purchased or stocked catalog item"
        for sid, part in sources:
            assert part.unit == unit_code(str(bought[item]["unit"])), f"{sid} sells {item} in {part.unit}"


def test_the_buyer_side_directory_reads_the_same_file() -> None:
    endpoints = {e.supplier_id: e for e in load_supplier_endpoints(SUPPLIERS, "http://127.0.0.1:8102")}
    assert endpoints["nordtherm"].base_url == "http://127.0.0.1:8102/suppliers/nordtherm"
    assert "ac-self-cleaning-module" in endpoints["nordtherm"].items


@pytest.mark.parametrize(
    "data, where",
    [
        ({"suppliers": []}, "suppliers: List should have at least 1 item"),
        ({"suppliers": [{"id": "a", "name": "A", "parts": [
            {"item": "x", "price": 1, "lead_time_days": {"min": 3, "mode": 2, "max": 4}}]}]},
         "suppliers[0].parts[0].lead_time_days: Value error, min <= mode <= max"),
        ({"suppliers": [{"id": "a", "name": "A", "parts": [
            {"item": "x", "price": -1, "lead_time_days": {"min": 1, "mode": 2, "max": 4}}]}]},
         "suppliers[0].parts[0].price"),
        ({"suppliers": [{"id": "Bad Id", "name": "A", "parts": []}]}, "suppliers[0].id"),
        ({"suppliers": [{"id": "a", "name": "A", "faults": {"error_rate": 2},
                         "parts": [{"item": "x", "price": 1, "lead_time_days": {"min": 1, "mode": 1, "max": 1}}]}]},
         "suppliers[0].faults.error_rate"),
        ({"suppliers": [{"id": "a", "name": "A", "colour": "red",
                         "parts": [{"item": "x", "price": 1, "lead_time_days": {"min": 1, "mode": 1, "max": 1}}]}]},
         "suppliers[0].colour: Extra inputs are not permitted"),
    ],
    ids=["empty", "triangle", "negative-price", "bad-id", "bad-rate", "unknown-field"],
)
def test_configuration_errors_name_the_place(data: object, where: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_supplier_book(data, "test.yaml")
    assert where in str(err.value)
    assert str(err.value).startswith("test.yaml: invalid supplier configuration")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found; pass --config"):
        load_supplier_book(tmp_path / "nope.yaml")
