"""BOM and routing explosion: conditions, formulas, scrap, levels, phantoms, precedence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.catalog import Catalog, CatalogRuleError, ItemKind, load_catalog, quote
from tests.unit.catalog.helpers import ITEMS, build, widget, write_catalog


def _quote(catalog: Catalog, options: dict[str, Any] | None = None, quantity: int = 1):  # type: ignore[no-untyped-def]
    result = quote(catalog, "widget", options or {}, quantity)
    assert result.valid, result.errors
    return result


def test_multi_level_bom_with_scrap_formulas_and_rounding(tmp_path: Path) -> None:
    result = _quote(build(tmp_path), {"width": 120}, quantity=3)
    rows = [(r.level, r.item, r.quantity, r.parent) for r in result.bom]
    assert rows == [
        (1, "panel", 6.0, "widget"),  # 2 per widget
        (2, "sheet", pytest.approx(7.92), "panel"),  # 1.2 m² per panel * 6 * 1.1 scrap
        (2, "paint-red", pytest.approx(1.2), "panel"),
        (1, "screw", 13.0, "widget"),  # phantom kit blown through: 4 * 3 * 1.05 = 12.6, counted: rounded up
        (1, "cloth", pytest.approx(5.94), "widget"),  # 1.2 * 1.5 * 3 * 1.1
    ]
    screw = result.bom[3]
    assert screw.via_phantom == "kit" and screw.kind is ItemKind.STOCKED and screw.consumed_by == "pack"


def test_conditions_pick_lines_and_operations(tmp_path: Path) -> None:
    catalog = build(tmp_path)
    plain = _quote(catalog, {"colour": "blue"})
    motor = _quote(catalog, {"motorised": True})
    assert "paint-blue" in [r.item for r in plain.bom] and "paint-red" not in [r.item for r in plain.bom]
    assert "motor" not in [r.item for r in plain.bom] and "motor" in [r.item for r in motor.bom]
    assert "fit_motor" not in [op.id for op in plain.routing]
    assert [op.id for op in motor.routing] == ["panel/cut", "panel/paint", "assemble", "fit_motor", "test", "pack"]


def test_skipped_operation_passes_its_predecessors_on(tmp_path: Path) -> None:
    routing = {op.id: op for op in _quote(build(tmp_path)).routing}
    assert routing["test"].predecessors == ("assemble",)  # fit_motor does not apply: test follows assemble
    with_motor = {op.id: op for op in _quote(build(tmp_path / "m"), {"motorised": True}).routing}
    assert with_motor["test"].predecessors == ("fit_motor",)


def test_subassembly_finishes_before_the_operation_that_consumes_it(tmp_path: Path) -> None:
    routing = {op.id: op for op in _quote(build(tmp_path)).routing}
    assert routing["panel/paint"].predecessors == ("panel/cut",)
    assert routing["assemble"].predecessors == ("panel/paint",)
    assert routing["panel/cut"].item == "panel" and routing["assemble"].item == "widget"


def test_operation_times_follow_the_quantity_it_processes(tmp_path: Path) -> None:
    routing = {op.id: op for op in _quote(build(tmp_path), quantity=4).routing}
    assert routing["assemble"].quantity == 4 and routing["assemble"].total_minutes == 10 + 4 * 5
    assert routing["panel/cut"].quantity == 8 and routing["panel/cut"].total_minutes == 5 + 8 * 2


def test_subassembly_used_twice_is_built_once_for_the_total(tmp_path: Path) -> None:
    doc = widget()
    doc["bom"].append({"item": "panel", "quantity": 1, "when": "motorised", "consumed_by": "fit_motor"})
    result = _quote(build(tmp_path, doc), {"motorised": True}, quantity=2)
    assert [r.quantity for r in result.bom if r.item == "panel"] == [4.0, 2.0]
    routing = {op.id: op for op in result.routing}
    assert routing["panel/cut"].quantity == 6
    assert "panel/paint" in routing["fit_motor"].predecessors and "panel/paint" in routing["assemble"].predecessors


def test_consumer_that_does_not_apply_hands_the_subassembly_to_its_successor(tmp_path: Path) -> None:
    doc = widget()
    doc["bom"][0]["consumed_by"] = "fit_motor"  # panel needed at fit_motor, which only motorised widgets have
    routing = {op.id: op for op in _quote(build(tmp_path, doc)).routing}
    assert set(routing["test"].predecessors) == {"assemble", "panel/paint"}


def test_explicit_parallel_start_and_join(tmp_path: Path) -> None:
    doc = widget()
    doc["routing"][1].update(after=[], when=True)  # fit_motor in parallel with assemble
    doc["routing"][2]["after"] = ["assemble", "fit_motor"]
    routing = {op.id: op for op in _quote(build(tmp_path, doc)).routing}
    assert routing["fit_motor"].predecessors == ()
    assert routing["test"].predecessors == ("assemble", "fit_motor")


def test_zero_quantity_from_a_formula_drops_the_line(tmp_path: Path) -> None:
    doc = widget()
    doc["bom"][3]["quantity"] = "0 if width < 100 else area_m2"
    assert "cloth" not in [r.item for r in _quote(build(tmp_path, doc), {"width": 60}).bom]


def test_negative_formula_is_a_catalog_defect_naming_the_line(tmp_path: Path) -> None:
    doc = widget()
    doc["bom"][3]["quantity"] = "area_m2 - 1.5"
    catalog = build(tmp_path, doc)
    with pytest.raises(CatalogRuleError, match=r"widget\.yaml:\d+: BOM line 'cloth'"):
        quote(catalog, "widget", {"width": 100})


def test_five_level_chain_keeps_levels_and_parents(tmp_path: Path) -> None:
    items = [{"id": f"sub{n}", "name": f"Sub {n}", "kind": "manufactured", "unit": "pcs"} for n in range(1, 5)]
    doc = widget()
    doc["bom"] = [{"item": "sub1", "quantity": 2}]
    doc["assemblies"] = [
        {
            "item": f"sub{n}",
            "bom": [{"item": f"sub{n + 1}" if n < 4 else "screw", "quantity": 2}],
            "routing": [{"id": "make", "name": f"Make {n}", "work_centre": "assembly", "run_minutes": 1}],
        }
        for n in range(1, 5)
    ]
    catalog = load_catalog(write_catalog(tmp_path, {"widget": doc}, {"items": ITEMS["items"] + items}))
    result = _quote(catalog)
    assert [(r.level, r.item, r.quantity, r.parent) for r in result.bom] == [
        (1, "sub1", 2.0, "widget"),
        (2, "sub2", 4.0, "sub1"),
        (3, "sub3", 8.0, "sub2"),
        (4, "sub4", 16.0, "sub3"),
        (5, "screw", 32.0, "sub4"),
    ]
    assert [op.id for op in result.routing] == [
        "sub4/make",
        "sub3/make",
        "sub2/make",
        "sub1/make",
        "assemble",
        "test",
        "pack",
    ]
    assert result.routing[1].predecessors == ("sub4/make",)
