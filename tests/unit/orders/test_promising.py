"""The promise's date rules shared by the live promise and the simulation."""

from datetime import UTC, datetime, timedelta

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.model import ItemKind
from orchestrator.orders.promising import PromisePolicy, material_leads, materials_ready, promised_delivery

NOW = datetime(2026, 1, 5, 6, 20, tzinfo=UTC)


def _row(item: str, quantity: float, kind: ItemKind = ItemKind.PURCHASED, lead: float | None = 9) -> BomRow:
    return BomRow(1, item, item, kind, quantity, quantity, "pcs", "sku", 0.0, None, lead)


def test_stock_covers_whole_rows_in_bom_order_and_the_rest_comes_after_its_lead_time() -> None:
    free = {"core": 3.0}
    rows = [_row("core", 2), _row("core", 2), _row("board", 1), _row("screw", 4, ItemKind.MANUFACTURED)]
    leads = material_leads(rows, free, {"core": 5.0}, NOW)
    by_cover = sorted((m.item, m.covered_by_stock, m.lead_time_days) for m in leads)
    assert by_cover == [("board", False, 9.0), ("core", False, 5.0), ("core", True, 0.0)]
    assert free == {"core": 1.0}  # drawn down in place by the covered row only
    assert leads[0].item == "board"  # the longest lead first


def test_materials_ready_adds_receiving_only_when_something_is_bought() -> None:
    policy = PromisePolicy(receiving=timedelta(hours=4))
    bought = material_leads([_row("board", 1)], {}, {}, NOW)
    assert materials_ready(bought, NOW, policy) == NOW + timedelta(days=9, hours=4)
    covered = material_leads([_row("board", 1)], {"board": 1.0}, {}, NOW)
    assert materials_ready(covered, NOW, policy) == NOW


def test_the_promise_adds_after_production_and_margin_and_rounds_up_to_the_hour() -> None:
    policy = PromisePolicy(after_production=timedelta(hours=51), safety=timedelta(hours=12))
    assert promised_delivery(NOW, policy) == datetime(2026, 1, 7, 22, tzinfo=UTC)  # 21:20 rounded up
    assert promised_delivery(datetime(2026, 1, 5, 6, tzinfo=UTC), policy) == datetime(2026, 1, 7, 21, tzinfo=UTC)
