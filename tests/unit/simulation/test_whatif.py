"""What-if changes on the standard scenario: each gives the expected scenario; bad ones say what and where."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from orchestrator.catalog import load_catalog
from orchestrator.plant import load_plant
from orchestrator.simulation import load_scenario
from orchestrator.simulation.current_plant import OpenOrder, StockNow, current_plant_scenario
from orchestrator.simulation.run import run_scenario
from orchestrator.simulation.whatif import Change, WhatIfError, WhatIfScenario, apply_changes
from orchestrator.simulation.whatif_run import order_stream, run_what_if
from orchestrator.simulation.world import build_world

PROJECT = Path(__file__).resolve().parents[3]
STANDARD = load_scenario(PROJECT / "scenarios" / "standard.yaml")
CHANGES = TypeAdapter(list[Change])


def _apply(changes: list[dict[str, object]], tmp_path: Path) -> WhatIfScenario:
    return apply_changes(STANDARD, CHANGES.validate_python(changes), tmp_path)


def test_no_changes_leave_the_scenario_as_it_was(tmp_path: Path) -> None:
    case = _apply([], tmp_path)
    assert case.scenario == STANDARD
    assert case.known_orders == ()


def test_removing_a_line_takes_it_out_of_the_simulated_plant(tmp_path: Path) -> None:
    case = _apply([{"kind": "remove_line", "line": "ASM2"}], tmp_path)
    assert case.scenario.line_changes["ASM2"].available is False
    assert "ASM2" not in build_world(case.scenario).plant.lines
    assert "ASM2" not in STANDARD.line_changes  # the base scenario is left as it was


def test_line_speed_multiplies_the_plant_files_speed(tmp_path: Path) -> None:
    case = _apply([{"kind": "line_speed", "line": "ASM2", "factor": 1.5}], tmp_path)
    assert case.scenario.line_changes["ASM2"].speed_factor == pytest.approx(0.8 * 1.5)


def test_adding_a_line_copies_its_model_into_a_derived_plant_file(tmp_path: Path) -> None:
    case = _apply([{"kind": "add_line", "line": "ASM3", "like": "ASM1", "speed_factor": 1.1}], tmp_path)
    assert case.scenario.plant.parent == tmp_path
    plant = load_plant(case.scenario.plant)
    assert plant.lines["ASM3"].capabilities == plant.lines["ASM1"].capabilities
    assert plant.lines["ASM3"].speed_factor == 1.1
    assert STANDARD.plant.name == "default.yaml"


def test_shift_changes_give_the_line_its_own_calendar(tmp_path: Path) -> None:
    case = _apply([{"kind": "remove_shift", "line": "ASM1", "shift": "night"},
                   {"kind": "add_shift", "line": "ASM1", "name": "night-short", "start": "22:00", "end": "02:00"}],
                  tmp_path)
    plant = load_plant(case.scenario.plant)
    start = STANDARD.start
    asm1 = plant.calendar_for("ASM1").working_time(start, start + timedelta(days=1))
    assert asm1 == timedelta(hours=20)
    assert plant.calendar_for("ASM2").working_time(start, start + timedelta(days=1)) == timedelta(hours=24)


def test_supplier_changes_go_into_the_scenario(tmp_path: Path) -> None:
    case = _apply([{"kind": "supplier_lead_time", "supplier": "ningbo-global", "factor": 2},
                   {"kind": "supplier_availability", "supplier": "nordtherm", "available": False}], tmp_path)
    ningbo = case.scenario.supplier_changes["ningbo-global"]
    assert ningbo.lead_time_factor == 2 and ningbo.reject_rate == 0.05  # the scenario's own change is kept
    assert case.scenario.supplier_changes["nordtherm"].available is False
    world = build_world(case.scenario)
    assert all(p.supplier != "nordtherm" for parts in world.parts.values() for p in parts)


def test_a_rush_order_joins_the_stream_at_its_day(tmp_path: Path) -> None:
    case = _apply([{"kind": "rush_order", "sku": "suit-mtm", "quantity": 3, "at_day": 2,
                    "options": {"fabric": "wool_navy", "height": 178, "chest": 100, "waist": 88, "seat": 102,
                                "shoulder": 46, "sleeve": 64, "jacket_length": 76, "inseam": 82}}], tmp_path)
    [rush] = case.known_orders
    assert rush.arrival == STANDARD.start + timedelta(days=2) and rush.origin == "rush"
    stream = order_stream(case, load_catalog(STANDARD.catalog), orders=20)
    assert len(stream) == 21
    assert [o.arrival for o in stream] == sorted(o.arrival for o in stream)
    assert any(o.id == "RUSH-1" and o.quantity == 3 for o in stream)


@pytest.mark.parametrize(("change", "where", "words"), [
    ({"kind": "remove_line", "line": "ASM9"}, "changes[0].line", ["unknown line 'ASM9'", "FAB1"]),
    ({"kind": "line_speed", "line": "XX", "factor": 2}, "changes[0].line", ["unknown line 'XX'"]),
    ({"kind": "add_line", "line": "ASM1", "like": "ASM2"}, "changes[0].line", ["already exists"]),
    ({"kind": "add_line", "line": "ASM3", "like": "ASM9"}, "changes[0].like", ["unknown line 'ASM9'"]),
    ({"kind": "remove_shift", "line": "ASM1", "shift": "weekend"}, "changes[0].shift", ["no shift 'weekend'", "night"]),
    ({"kind": "line_calendar", "line": "ASM1", "calendar": "nine_to_five"}, "changes[0].calendar",
     ["unknown calendar", "around_the_clock"]),
    ({"kind": "supplier_lead_time", "supplier": "acme", "factor": 2}, "changes[0].supplier",
     ["unknown supplier 'acme'", "ningbo-global"]),
    ({"kind": "remove_line", "line": "PNT1"}, "changes[0].line", ["'PNT1'", "no line able to do painting"]),
])
def test_bad_changes_name_what_and_where(tmp_path: Path, change: dict[str, object], where: str,
                                         words: list[str]) -> None:
    with pytest.raises(WhatIfError) as raised:
        _apply([change], tmp_path)
    assert raised.value.where == where
    for word in words:
        assert word in str(raised.value)


def test_removing_the_last_assembly_line_names_the_change_that_did_it(tmp_path: Path) -> None:
    with pytest.raises(WhatIfError) as raised:
        _apply([{"kind": "remove_line", "line": "ASM1"}, {"kind": "remove_line", "line": "ASM2"}], tmp_path)
    assert raised.value.where == "changes[1].line"
    assert "assembly" in raised.value.message and "add_line" in raised.value.message


def test_a_line_added_first_may_replace_the_one_removed(tmp_path: Path) -> None:
    case = _apply([{"kind": "add_line", "line": "PNT2", "like": "PNT1"}, {"kind": "remove_line", "line": "PNT1"}],
                  tmp_path)
    assert [line.id for line in build_world(case.scenario).plant.lines_for("painting")] == ["PNT2"]


def test_dropping_every_supplier_of_an_item_is_refused(tmp_path: Path) -> None:
    world = build_world(STANDARD)
    item, parts = next((i, p) for i, p in world.parts.items() if len(p) >= 2)
    changes = [{"kind": "supplier_availability", "supplier": p.supplier, "available": False} for p in parts]
    with pytest.raises(WhatIfError) as raised:
        _apply(changes, tmp_path)
    assert raised.value.where.endswith(".supplier") and "nobody sells" in raised.value.message
    assert item in raised.value.message or "…" in raised.value.message


def test_an_unknown_kind_is_refused_by_the_model() -> None:
    with pytest.raises(ValidationError) as raised:
        CHANGES.validate_python([{"kind": "close_plant"}])
    assert "remove_line" in str(raised.value)


def test_a_rush_order_with_a_bad_configuration_names_the_change(tmp_path: Path) -> None:
    case = _apply([{"kind": "rush_order", "sku": "aircon-split", "options": {"colour": "tartan"}}], tmp_path)
    with pytest.raises(WhatIfError) as raised:
        order_stream(case, load_catalog(STANDARD.catalog), orders=0)
    assert raised.value.where == "changes[0].options" and "colour" in raised.value.message


def test_the_current_plant_scenario_starts_now_with_the_open_orders_first(tmp_path: Path) -> None:
    now = STANDARD.start + timedelta(days=300)
    case = current_plant_scenario(
        STANDARD, now=now, plant_file=STANDARD.plant, suppliers_file=STANDARD.suppliers,
        catalog_dir=STANDARD.catalog, stock=[StockNow("ac-evaporator-9k", 2, "pcs")],
        open_orders=[OpenOrder("ORD-1", "ebike-city", {}, 1)], workdir=tmp_path)
    assert case.scenario.start == now and case.scenario.arrivals == STANDARD.arrivals
    assert build_world(case.scenario).stock == {"ac-evaporator-9k": 2}
    stream = order_stream(case, load_catalog(STANDARD.catalog), orders=5)
    assert stream[0].id == "ORD-1" and stream[0].arrival == now
    assert any("from scratch" in note for note in case.notes)


def _plant_now(tmp_path: Path, open_orders: list[OpenOrder]) -> WhatIfScenario:
    """The plant now with every item plentiful in stock, so that lines, not materials, decide the dates."""
    catalog = load_catalog(STANDARD.catalog)
    stock = [StockNow(item.id, 100_000, item.unit) for item in catalog.items.values()]
    return current_plant_scenario(
        STANDARD, now=STANDARD.start + timedelta(days=30), plant_file=STANDARD.plant,
        suppliers_file=STANDARD.suppliers, catalog_dir=STANDARD.catalog, stock=stock, open_orders=open_orders,
        workdir=tmp_path)


@pytest.mark.parametrize("policy", ["c2m", "baseline"])
def test_an_open_order_keeps_the_promise_its_customer_holds(tmp_path: Path, policy: str) -> None:
    now = STANDARD.start + timedelta(days=30)
    given = now + timedelta(days=2, hours=5)
    case = _plant_now(tmp_path, [OpenOrder("ORD-1", "ebike-city", {}, 2, given),
                                 OpenOrder("ORD-2", "ebike-city", {}, 2)])
    assert case.known_orders[0].promised == given and case.known_orders[1].promised is None
    assert any("keep the promises" in note for note in case.notes)
    world = build_world(case.scenario)
    result = run_scenario(case.scenario, policy, world=world, stream=order_stream(case, world.catalog, orders=0))
    records = {o.id: o for o in result.orders}
    assert records["ORD-1"].promised == given  # the date the customer holds, not the policy's new one
    assert records["ORD-2"].promised != given  # no promise given yet: the policy promises it


def test_removing_a_line_breaks_promises_already_given_to_open_orders(tmp_path: Path) -> None:
    orders = [OpenOrder(f"ORD-{n}", "ebike-city", {}, 4) for n in range(1, 7)]
    # The promises the plant gave with both assembly lines: what the c2m policy promises on the plant now.
    fresh = _plant_now(tmp_path / "fresh", orders)
    world = build_world(fresh.scenario)
    given = {o.id: o.promised for o in run_scenario(fresh.scenario, "c2m", world=world,
                                                    stream=order_stream(fresh, world.catalog, orders=0)).orders}
    held = [OpenOrder(o.id, o.sku, o.options, o.quantity, given[o.id]) for o in orders]
    baseline = _plant_now(tmp_path / "held", held)
    variant = apply_changes(baseline, CHANGES.validate_python([{"kind": "remove_line", "line": "ASM1"}]),
                            tmp_path / "variant")
    report = run_what_if(baseline, variant, policies=("c2m",), orders=0)
    before, after = report["figures"]["c2m"]["baseline"], report["figures"]["c2m"]["variant"]
    assert before["orders"] == after["orders"] == 6
    assert after["on_time_share"] < before["on_time_share"]
    assert after["actual_lead_days"]["p50"] > before["actual_lead_days"]["p50"]
    assert after["promised_lead_days"] == before["promised_lead_days"]  # the same promises, kept on both sides
    assert after["slips"] > before["slips"]
    assert after["slips_announced_before_promise"] > 0  # delay notices judge against the kept promise
