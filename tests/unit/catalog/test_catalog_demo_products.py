"""The three demo products behave as a planner expects, starting with the seed's worked example."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.catalog import Catalog, load_catalog, quote

CATALOG_DIR = Path(__file__).resolve().parents[3] / "catalog"
SUIT_BODY = {
    "height": 180,
    "chest": 100,
    "waist": 88,
    "seat": 100,
    "shoulder": 46,
    "sleeve": 64,
    "jacket_length": 76,
    "inseam": 82,
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG_DIR)


def test_seed_example_white_aircon_with_self_cleaning(catalog: Catalog) -> None:
    result = quote(catalog, "aircon-split", {"colour": "white", "self_cleaning": True})
    assert result.valid, result.errors
    items = {row.item: row for row in result.bom}
    assert items["ac-housing-white"].kind.value == "manufactured"
    assert items["powder-ral9016"].parent == "ac-housing-white"  # the white powder paints that housing
    assert items["ac-self-cleaning-module"].consumed_by == "install_self_cleaning_module"
    assert not {"ac-housing-silver", "powder-ral9006"} & set(items)
    routing = {op.id: op for op in result.routing}
    install = routing["install_self_cleaning_module"]
    assert install.work_centre_type == "assembly" and "self-cleaning module" in install.name
    colour_change = routing["ac-housing-white/powder_coat"]
    assert colour_change.work_centre_type == "painting" and "white" in colour_change.name
    assert routing["ac-housing-white/punch_and_bend"].work_centre_type == "sheet_metal"
    assert {"assembly", "wiring", "testing", "packing"} <= {op.work_centre_type for op in result.routing}
    assert routing["assemble_indoor_unit"].predecessors == ("ac-housing-white/powder_coat",)


def test_aircon_without_self_cleaning_has_neither_module_nor_install_step(catalog: Catalog) -> None:
    result = quote(catalog, "aircon-split", {"colour": "silver"})
    assert "ac-self-cleaning-module" not in {row.item for row in result.bom}
    assert "install_self_cleaning_module" not in {op.id for op in result.routing}
    wiring = next(op for op in result.routing if op.id == "wire_control_electronics")
    assert set(wiring.predecessors) == {"assemble_indoor_unit", "assemble_outdoor_unit"}


def test_18k_requires_the_inverter(catalog: Catalog) -> None:
    rejected = quote(catalog, "aircon-split", {"capacity": "18k"})
    assert [(e.option, e.code) for e in rejected.errors] == [("inverter", "requires_unmet")]
    accepted = quote(catalog, "aircon-split", {"capacity": "18k", "inverter": True})
    assert "ac-compressor-inverter-18k" in {row.item for row in accepted.bom}


def test_suit_cloth_length_follows_the_measurements(catalog: Catalog) -> None:
    short = quote(catalog, "suit-mtm", {"fabric": "wool_navy", **SUIT_BODY})
    tall = quote(catalog, "suit-mtm", {"fabric": "wool_navy", **SUIT_BODY, "inseam": 90, "jacket_length": 82})
    cloth = [next(r.quantity for r in q.bom if r.item == "fabric-wool-navy-s110") for q in (short, tall)]
    assert 2.8 < cloth[0] < cloth[1] < 4.0
    assert [op.work_centre_type for op in short.routing] == [
        "cutting",
        "sewing",
        "sewing",
        "pressing",
        "testing",
        "packing",
    ]


def test_suit_measurement_relation_and_monogram_rules(catalog: Catalog) -> None:
    result = quote(catalog, "suit-mtm", {"fabric": "wool_navy", **SUIT_BODY, "waist": 104, "monogram": "A" * 13})
    assert {(e.option, e.code) for e in result.errors} == {("chest", "relation_violated"), ("monogram", "too_long")}
    monogrammed = quote(catalog, "suit-mtm", {"fabric": "wool_navy", **SUIT_BODY, "monogram": "J.D."})
    assert "embroider_monogram" in {op.id for op in monogrammed.routing}
    assert "thread-embroidery-silk" in {r.item for r in monogrammed.bom}


def test_ebike_is_multi_level_with_wheel_and_battery_subassemblies(catalog: Catalog) -> None:
    result = quote(catalog, "ebike-city", {"battery": "540wh", "motor": "mid_drive"})
    assert result.valid, result.errors
    levels = {row.item: row.level for row in result.bom}
    assert levels["eb-battery-540wh"] == 1 and levels["cell-21700-5000"] == 2
    assert levels["eb-wheel-rear"] == 1 and levels["eb-hub-rear-freehub"] == 2
    cells = next(r for r in result.bom if r.item == "cell-21700-5000")
    assert cells.quantity == 30 and cells.parent == "eb-battery-540wh"
    kinds = {op.id: op.work_centre_type for op in result.routing}
    assert kinds["eb-battery-540wh/spot_weld_cells"] == "welding"
    assert kinds["eb-battery-540wh/fit_bms"] == "wiring"
    assert kinds["eb-wheel-front/lace_and_true"] == "assembly"
    assert kinds["eb-frame-m/weld_frame"] == "welding" and kinds["eb-frame-m/powder_coat_frame"] == "painting"


def test_ebike_frame_size_must_fit_the_rider(catalog: Catalog) -> None:
    result = quote(catalog, "ebike-city", {"frame_size": "s", "rider_height": 185, "battery": "720wh"})
    assert {(e.option, e.code) for e in result.errors} == {
        ("frame_size", "relation_violated"),
        ("battery", "excluded_combination"),
        ("motor", "requires_unmet"),
    }
