"""Both policies on one order, one line, one supplier: every date worked out by hand.

The fixture (tests/fixtures/simulation/one-order.yaml): a widget needs one bought core (two-day lead
time, always on time unless a test says otherwise) and 60 minutes on the only line, which never fails.
After production come 51 plant hours (quality check 2, packing 1, transit 48).
"""

from datetime import timedelta
from pathlib import Path

import pytest

from orchestrator.simulation import Scenario, load_scenario, run_scenario
from orchestrator.simulation.figures import figures
from orchestrator.simulation.scenario import LineChange, SupplierChange

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "simulation" / "one-order.yaml"
AFTER_PRODUCTION = timedelta(hours=51)


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario(FIXTURE)


def _ceil_minute(t):  # the schedule's grid starts at the next whole minute
    return t if t.second == 0 and t.microsecond == 0 else t.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _ceil_hour(t):
    return t if t.minute == 0 and t.second == 0 and t.microsecond == 0 else (
        t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))


def test_c2m_promises_at_entry_buys_at_once_and_books_at_the_goods_receipt(scenario: Scenario) -> None:
    order = run_scenario(scenario, "c2m").orders[0]
    # Promised at entry as the live API does: the core's planned two days plus 4 h receiving, then the
    # 60-minute operation on the free line, then after-production and the 12 h margin.
    planned_start = _ceil_minute(order.arrival + timedelta(days=2, hours=4))
    assert order.promised == _ceil_hour(planned_start + timedelta(minutes=60) + AFTER_PRODUCTION + timedelta(hours=12))
    # Bought at once; the work is booked and released when the goods arrive, two days later.
    start = _ceil_minute(order.arrival + timedelta(days=2))
    assert order.production_finish == start + timedelta(minutes=60)
    assert order.delivered == order.production_finish + AFTER_PRODUCTION
    assert order.on_time and order.first_notice is None


def test_the_baseline_quotes_its_fixed_lead_time_and_buys_after_the_next_mrp_run(scenario: Scenario) -> None:
    order = run_scenario(scenario, "baseline").orders[0]
    assert order.promised == order.arrival + timedelta(days=10)  # quoted_lead_days: {widget: 10}
    mrp_run = scenario.start + timedelta(days=1)  # daily at 06:00; the order came in after the first
    assert order.production_finish == mrp_run + timedelta(days=2, minutes=60)
    assert order.delivered == order.production_finish + AFTER_PRODUCTION
    assert order.on_time


@pytest.fixture
def late(scenario: Scenario, tmp_path: Path) -> Scenario:
    path = tmp_path / "suppliers.yaml"
    path.write_text((FIXTURE.parent / "suppliers.yaml").read_text().replace(
        "{min: 2, mode: 2, max: 2}", "{min: 10, mode: 10, max: 10}"))
    return scenario.model_copy(update={
        "suppliers": path, "supplier_changes": {"exact-parts": SupplierChange(reliability=0.0)}})


def test_c2m_tells_the_customer_of_a_late_supply_before_the_promised_date(late: Scenario) -> None:
    result = run_scenario(late, "c2m")
    order = result.orders[0]
    assert order.delivered is not None and order.delivered > order.promised  # the slip is real
    # The supplier's date passed without goods: its follow-up's new date projected the slip, told at once.
    assert order.first_notice == order.arrival + timedelta(days=10)
    assert order.announced_early
    assert figures(result)["slips_announced_share"] == 1.0


def test_the_baseline_customer_learns_of_the_slip_on_the_promised_date(late: Scenario) -> None:
    late = late.model_copy(update={"policies": late.policies.model_copy(update={
        "baseline": late.policies.baseline.model_copy(update={"quoted_lead_days": {"widget": 5}})})})
    order = run_scenario(late, "baseline").orders[0]
    assert order.slipped and order.first_notice == order.promised and not order.announced_early


def test_a_rejecting_supplier_is_replaced_by_the_next_ranked_one(scenario: Scenario, tmp_path: Path) -> None:
    # The backup comes a day after the refused quote: worth it (``worth_placing_after_rejection``).
    path = tmp_path / "suppliers.yaml"
    path.write_text((FIXTURE.parent / "suppliers.yaml").read_text() + """
  - id: backup-parts
    name: Backup Parts
    reliability: 1.0
    currency: EUR
    parts:
      - {item: widget-core, price: 12.0, lead_time_days: {min: 3, mode: 3, max: 3}}
""")
    both = scenario.model_copy(update={"suppliers": path,
                                       "supplier_changes": {"exact-parts": SupplierChange(reject_rate=1.0)}})
    result = run_scenario(both, "c2m")
    order = result.orders[0]
    assert (result.purchase_orders, result.rejected_purchase_orders) == (2, 1)
    start = _ceil_minute(order.arrival + timedelta(days=3))  # the backup's three days
    assert order.production_finish == start + timedelta(minutes=60)


def test_c2m_replans_on_faults_and_announces_every_slip_before_its_date(scenario: Scenario, tmp_path: Path) -> None:
    stock = tmp_path / "stock.yaml"
    stock.write_text("stock:\n  - {item: widget-core, on_hand: 100, unit: pcs}\n")  # work starts at once
    shaky = scenario.model_copy(update={"horizon_days": 2.0, "stock": stock, "line_changes": {
        "ASM1": LineChange(mtbf_hours=3.0, mttr_minutes=240.0)}})
    result = run_scenario(shaky, "c2m", orders=25)
    assert result.line_faults["ASM1"] > 0 and result.replans > 0
    assert len(result.orders) == 25 and all(o.delivered is not None for o in result.orders)
    slipped = [o for o in result.orders if o.slipped]
    assert slipped and all(o.announced_early for o in slipped)  # four-hour repairs make some late


def test_after_a_rejection_c2m_asks_again_rather_than_wait_weeks_for_a_slow_supplier(
        scenario: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "suppliers.yaml"
    path.write_text((FIXTURE.parent / "suppliers.yaml").read_text() + """
  - id: sea-freight
    name: Sea Freight Parts
    reliability: 1.0
    currency: EUR
    parts:
      - {item: widget-core, price: 2.0, lead_time_days: {min: 30, mode: 30, max: 30}}
""")
    refusing = scenario.model_copy(update={"suppliers": path,
                                           "supplier_changes": {"exact-parts": SupplierChange(reject_rate=1.0)}})
    result = run_scenario(refusing, "c2m")
    order = result.orders[0]
    # Two more rounds a day apart ask the refusing supplier again; only the last round falls back.
    assert (result.purchase_orders, result.rejected_purchase_orders) == (4, 3)
    start = _ceil_minute(order.arrival + timedelta(days=2 + 30))  # two days of asking, then sea freight
    assert order.production_finish == start + timedelta(minutes=60)
    assert order.announced_early  # the sea freight's confirmation told the customer at once
