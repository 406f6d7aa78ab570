"""The starting-stock file: valid, and consistent with the item master."""

from pathlib import Path

import pytest
import yaml

from orchestrator.inventory.stock_file import (
    DEFAULT_STOCK_FILE,
    StockFileError,
    load_initial_stock,
    parse_initial_stock,
)

ITEMS = Path(__file__).resolve().parents[3] / "catalog" / "items.yaml"


def test_the_shipped_stock_file_matches_the_item_master() -> None:
    stock = load_initial_stock(DEFAULT_STOCK_FILE)
    items = {i["id"]: i for i in yaml.safe_load(ITEMS.read_text())["items"]}
    for entry in stock:
        assert entry.item in items, f"{entry.item} is not in catalog/items.yaml"
        assert entry.unit == items[entry.item]["unit"], f"{entry.item}: unit {entry.unit} != item master's"
        assert items[entry.item]["kind"] in ("purchased", "stocked"), f"{entry.item} is not bought"
    plentiful = [s for s in stock if s.on_hand >= 100]
    short = [s for s in stock if s.on_hand < 5]
    assert len(plentiful) >= 10 and len(short) >= 10  # some items plentiful, some short so sourcing happens


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stock": [{"item": "x", "on_hand": -1, "unit": "pcs"}]}, r"stock\[0\]\.on_hand"),
        ({"stock": [{"item": "x", "on_hand": 1}]}, r"stock\[0\]\.unit"),
        ({"stock": [{"item": "x", "on_hand": 1, "unit": "pcs"}] * 2}, "listed twice"),
        ({"stok": []}, "stok"),
    ],
)
def test_mistakes_are_reported_with_their_place(data: object, message: str) -> None:
    with pytest.raises(StockFileError, match=message):
        parse_initial_stock(data, "stock.yaml")


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(StockFileError, match="not found"):
        load_initial_stock(tmp_path / "nope.yaml")
