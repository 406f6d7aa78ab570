"""Catalog checking: every problem is found, with the file and line it is on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.catalog import CatalogInvalid, check_catalog, load_catalog
from tests.unit.catalog.helpers import problems, widget, write_catalog

# Line numbers below are counted in this text (line 1 is "sku: gadget").
GADGET = """\
sku: gadget
name: Gadget
options:
  - id: colour
    label: Colour
    type: choice
    default: red
    choices:
      - {id: red, label: Red}
      - {id: blue, label: Blue}
price: {currency: EUR, base: 10}
bom:
  - {item: panel, consumed_by: assemble}
  - {item: sheeet, quantity: 2}
  - {item: paint-red, when: colour == "whit"}
  - {item: paint-blue, when: finish == "matt"}
routing:
  - {id: assemble, name: Assemble, work_centre: assembly, run_minutes: 5}
  - {id: polish, name: Polish, work_centre: polishing, run_minutes: 5}
  - {id: pack, name: Pack, work_centre: packing, run_minutes: 1, after: [unwrap]}
assemblies:
  - item: panel
    bom:
      - {item: kit}
    routing:
      - {id: cut, name: Cut, work_centre: sheet_metal, run_minutes: 2}
  - item: kit
    bom:
      - {item: panel}
"""


def _by_code(found: list) -> dict[str, list[tuple[str, int, str]]]:
    result: dict[str, list[tuple[str, int, str]]] = {}
    for p in found:
        result.setdefault(p.code, []).append((Path(p.file).name, p.line, p.message))
    return result


def test_reports_every_broken_reference_with_its_file_and_line(tmp_path: Path) -> None:
    found = _by_code(problems(tmp_path, {"gadget": GADGET}))
    assert [(f, line) for f, line, _ in found["unknown_item"]] == [("gadget.yaml", 14)]
    assert "did you mean 'sheet'" in found["unknown_item"][0][2]
    assert [(f, line) for f, line, _ in found["unknown_choice"]] == [("gadget.yaml", 15)]
    assert "'whit'" in found["unknown_choice"][0][2] and "red, blue" in found["unknown_choice"][0][2]
    assert [(f, line) for f, line, _ in found["unknown_name"]] == [("gadget.yaml", 16)]
    assert "'finish'" in found["unknown_name"][0][2]
    assert [(f, line) for f, line, _ in found["unknown_work_centre"]] == [("gadget.yaml", 19)]
    assert [(f, line) for f, line, _ in found["unknown_operation"]] == [("gadget.yaml", 20)]
    (cycle,) = found["assembly_cycle"]
    assert cycle[:2] == ("gadget.yaml", 29) and "panel -> kit -> panel" in cycle[2]


def test_cli_style_rendering_names_file_and_line(tmp_path: Path) -> None:
    rendered = [str(p) for p in problems(tmp_path, {"gadget": GADGET})]
    assert any(r.startswith(f"{tmp_path / 'gadget.yaml'}:14: ") and "[unknown_item]" in r for r in rendered)


def test_structural_errors_point_at_the_offending_key(tmp_path: Path) -> None:
    text = """\
    sku: widget
    name: Widget
    options:
      - id: colour
        label: Colour
        type: choice
        default: red
        choices: [{id: red, label: Red}]
        colours: 3
    price: {currency: EUR, base: cheap}
    bom:
      - {quantity: 2}
      - {item: sheet, scarp: 0.1}
    routing:
      - {id: assemble, name: Assemble, work_centre: assembly, run_minutes: [5]}
    """
    found = {(p.code, p.line): p.message for p in problems(tmp_path, {"widget": text})}
    assert "unknown key 'colours'" in found["unknown_key", 9]
    assert "price.base" in found["wrong_type", 10]
    assert "required key 'item' is missing" in found["missing_key", 12]
    assert "did you mean 'scrap'" in found["unknown_key", 13]
    assert "run_minutes" in found["wrong_type", 15]


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    text = "sku: widget\nname: Widget\noptions:\n  - id: x\n    label: [unclosed\nprice: 1\n"
    (problem,) = problems(tmp_path, {"widget": text})
    assert problem.code == "yaml_syntax" and problem.line in (5, 6)


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = "sku: widget\nname: Widget\nname: Other\n"
    (problem,) = problems(tmp_path, {"widget": text})
    assert problem.code == "yaml_syntax" and problem.line == 3 and "duplicate key 'name'" in problem.message


def test_unquoted_yes_no_gets_a_hint(tmp_path: Path) -> None:
    product = widget()
    product["options"][0]["choices"].append({"id": "no", "label": "None"})
    # YAML 1.1 reads a bare no as false
    text = yaml.safe_dump(product, sort_keys=False).replace("id: 'no'", "id: no")
    found = problems(tmp_path, {"widget": text})
    assert any("quote the text" in p.message for p in found)


def test_product_without_routing_is_a_problem(tmp_path: Path) -> None:
    product = widget()
    product["routing"] = []
    product["bom"] = [line for line in product["bom"] if "consumed_by" not in line or line["item"] == "panel"]
    for line in product["bom"]:
        line.pop("consumed_by", None)
    codes = {p.code for p in problems(tmp_path, {"widget": product})}
    assert "no_routing" in codes


def test_manufactured_item_needs_an_assembly_and_unused_assemblies_are_flagged(tmp_path: Path) -> None:
    product = widget()
    panel = product["assemblies"].pop(0)
    panel["item"] = "motor"  # a purchased item cannot have an assembly, and nothing uses it here
    product["assemblies"].append(panel)
    codes = [p.code for p in problems(tmp_path, {"widget": product})]
    assert "missing_assembly" in codes and "unexpected_assembly" in codes


def test_routing_precedence_cycle_is_found(tmp_path: Path) -> None:
    product = widget()
    product["routing"][0]["after"] = ["pack"]
    found = [p for p in problems(tmp_path, {"widget": product}) if p.code == "routing_cycle"]
    assert len(found) == 1 and "assemble" in found[0].message and "pack" in found[0].message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda p: p["options"][2].update(default=103), "bad_default"),  # off the 5 cm step
        (lambda p: p["options"][2].pop("max"), "bad_option"),
        (lambda p: p["options"][0].update(min=3), "bad_option"),  # min on a choice option
        (lambda p: p["options"][4].pop("max_length"), "bad_option"),
        (lambda p: p["options"][4].update(pattern="[unclosed"), "bad_option"),
        (lambda p: (p["options"][1].update(required=True), p["options"][1].pop("default")), "bad_option"),
        (lambda p: p["options"][1].update(required=True), "bad_default"),
        (lambda p: p["options"].append(dict(p["options"][0])), "duplicate_id"),
        (lambda p: p["options"][0].update(id="Colour"), "bad_id"),
        (
            lambda p: p["constraints"].append({"requires": "motorised", "excludes": "motorised", "message": "x"}),
            "bad_constraint",
        ),
        (
            lambda p: p["constraints"].append({"allowed_values": ["green"], "option": "colour", "message": "x"}),
            "unknown_choice",
        ),
        (lambda p: p["constraints"].append({"relation": "width > 1", "message": " "}), "bad_constraint"),
        (
            lambda p: p["price"]["quantity_breaks"].extend(
                [{"min_quantity": 10, "discount_percent": 5}, {"min_quantity": 5, "discount_percent": 3}]
            ),
            "bad_price",
        ),
        (lambda p: p["bom"][0].update(scrap=1.5), "bad_quantity"),
        (lambda p: p["bom"][0].update(quantity=0), "bad_quantity"),
        (lambda p: p["bom"][0].update(unit="kg"), "unit_mismatch"),
        (lambda p: p["bom"][0].update(consumed_by="weld"), "unknown_operation"),
        (
            lambda p: p["assemblies"][1].update(
                routing=[{"id": "x", "name": "X", "work_centre": "assembly", "run_minutes": 1}]
            ),
            "unexpected_routing",
        ),
        (lambda p: p["routing"][0].update(run_minutes="width *"), "bad_expression"),
        (lambda p: p["routing"][0].update(setup_minutes=-1), "bad_time"),
        (lambda p: p.update(sku="gizmo"), "file_name"),
    ],
)
def test_each_kind_of_catalog_mistake_is_reported(tmp_path: Path, change, code: str) -> None:  # type: ignore[no-untyped-def]
    product = widget()
    change(product)
    found = problems(tmp_path, {"widget": product})
    assert code in {p.code for p in found}, [str(p) for p in found]
    assert all(p.line > 0 for p in found if p.code == code)


def test_item_master_problems(tmp_path: Path) -> None:
    items = {
        "items": [
            {"id": "bolt", "name": "Bolt", "kind": "purchased", "unit": "pcs"},
            {"id": "bolt", "name": "Bolt again", "kind": "stocked", "unit": "pcs"},
            {"id": "Nut_1", "name": "Nut", "kind": "stocked", "unit": "box"},
            {"id": "frame", "name": "Frame", "kind": "manufactured", "unit": "pcs", "lead_time_days": 3},
        ]
    }
    codes = {p.code for p in check_catalog(write_catalog(tmp_path, {}, items)).problems}
    assert {"missing_lead_time", "duplicate_id", "bad_id", "bad_unit", "bad_lead_time"} <= codes


def test_load_catalog_raises_with_every_problem_listed(tmp_path: Path) -> None:
    write_catalog(tmp_path, {"gadget": GADGET})
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(tmp_path)
    assert len(caught.value.problems) == 6
    assert "gadget.yaml:14" in str(caught.value)


def test_missing_folder_and_missing_item_master(tmp_path: Path) -> None:
    (missing,) = check_catalog(tmp_path / "nowhere").problems
    assert missing.code == "no_catalog"
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "widget.yaml").write_text("sku: widget\n")
    codes = {p.code for p in check_catalog(tmp_path / "only").problems}
    assert codes == {"missing_file", "products_not_checked"}


def test_the_shipped_catalog_is_clean() -> None:
    report = check_catalog(Path(__file__).resolve().parents[3] / "catalog")
    assert report.problems == ()
    assert report.catalog is not None and sorted(report.catalog.products) == ["aircon-split", "ebike-city", "suit-mtm"]
