"""The promise's date rules shared by the live promise and the simulation."""

from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.model import ItemKind
from orchestrator.orders.promising import (
    LeadTimeRange,
    PromisePolicy,
    fastest_planned_leads,
    material_leads,
    materials_needed_by,
    materials_ready,
    planned_lead_days,
    promised_delivery,
)

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


def test_a_planned_lead_time_is_the_quantile_of_the_suppliers_range() -> None:
    lead = LeadTimeRange("coil", min=5.0, mode=8.0, max=17.0)
    assert planned_lead_days(lead, 0.0) == 5.0
    assert planned_lead_days(lead, 1.0) == 17.0
    assert planned_lead_days(lead, 0.25) == pytest.approx(8.0)  # the mode sits at (8-5)/(17-5) = 25 %
    median = planned_lead_days(lead, 0.5)
    assert 8.0 < median < planned_lead_days(lead, 0.98) < 17.0
    assert planned_lead_days(LeadTimeRange("fixed", 4.0, 4.0, 4.0), 0.9) == 4.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        planned_lead_days(lead, 1.5)


def test_the_fastest_supplier_at_the_confidence_sets_an_items_plan() -> None:
    # The first supplier is faster on the typical quote, the second keeps its date more surely.
    leads = [LeadTimeRange("coil", 4.0, 5.0, 30.0), LeadTimeRange("coil", 8.0, 9.0, 10.0),
             LeadTimeRange("fan", 2.0, 3.0, 4.0)]
    assert fastest_planned_leads(leads, 0.2)["coil"] < 8.0
    assert fastest_planned_leads(leads, 0.98)["coil"] == pytest.approx(planned_lead_days(leads[1], 0.98))
    assert set(fastest_planned_leads(leads, 0.5)) == {"coil", "fan"}


def test_materials_are_needed_the_orders_work_before_the_production_due_time() -> None:
    now = datetime(2026, 1, 5, 6, tzinfo=UTC)
    promised = now + timedelta(days=20)
    need_by = materials_needed_by(promised, timedelta(hours=51), timedelta(hours=10), now)
    assert need_by == promised - timedelta(hours=61)
    assert materials_needed_by(now + timedelta(hours=60), timedelta(hours=51), timedelta(hours=10), now) \
        == now + timedelta(days=1)
