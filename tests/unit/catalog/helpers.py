"""Small catalogs for catalog unit tests: a 'widget' product to vary per test, written to a temp folder."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import yaml

from orchestrator.catalog import Catalog, CatalogProblem, check_catalog, load_catalog

ITEMS: dict[str, Any] = {
    "items": [
        {"id": "panel", "name": "Painted panel", "kind": "manufactured", "unit": "pcs"},
        {"id": "sheet", "name": "Steel sheet", "kind": "purchased", "unit": "m2", "lead_time_days": 5},
        {"id": "paint-red", "name": "Red powder", "kind": "purchased", "unit": "kg", "lead_time_days": 3},
        {"id": "paint-blue", "name": "Blue powder", "kind": "purchased", "unit": "kg", "lead_time_days": 12},
        {"id": "screw", "name": "Screw", "kind": "stocked", "unit": "pcs", "lead_time_days": 2},
        {"id": "kit", "name": "Screw kit", "kind": "phantom", "unit": "set"},
        {"id": "motor", "name": "Motor", "kind": "purchased", "unit": "pcs", "lead_time_days": 20},
        {"id": "cloth", "name": "Cover cloth", "kind": "purchased", "unit": "m", "lead_time_days": 7},
    ]
}

WIDGET: dict[str, Any] = {
    "sku": "widget",
    "name": "Widget",
    "max_quantity": 100,
    "options": [
        {
            "id": "colour",
            "label": "Colour",
            "type": "choice",
            "default": "red",
            "choices": [{"id": "red", "label": "Red"}, {"id": "blue", "label": "Blue", "surcharge": 10}],
        },
        {"id": "motorised", "label": "Motorised", "type": "boolean", "default": False, "surcharge": 50},
        {
            "id": "width",
            "label": "Width",
            "type": "number",
            "unit": "cm",
            "min": 50,
            "max": 200,
            "step": 5,
            "default": 100,
        },
        {
            "id": "extras",
            "label": "Extras",
            "type": "multi_choice",
            "default": [],
            "max_selected": 2,
            "choices": [
                {"id": "a", "label": "A", "surcharge": 1.5},
                {"id": "b", "label": "B"},
                {"id": "c", "label": "C"},
            ],
        },
        {"id": "engraving", "label": "Engraving", "type": "text", "max_length": 5, "pattern": "[A-Z]*", "default": ""},
    ],
    "derived": [{"id": "area_m2", "expression": "width * 0.01"}],
    "constraints": [],
    "price": {"currency": "EUR", "base": 100, "surcharges": [], "quantity_breaks": []},
    "bom": [
        {"item": "panel", "quantity": 2, "consumed_by": "assemble"},
        {"item": "motor", "when": "motorised", "consumed_by": "fit_motor"},
        {"item": "kit", "consumed_by": "pack"},
        {"item": "cloth", "quantity": "area_m2 * 1.5", "scrap": 0.1, "consumed_by": "assemble"},
    ],
    "routing": [
        {"id": "assemble", "name": "Assemble", "work_centre": "assembly", "setup_minutes": 10, "run_minutes": 5},
        {"id": "fit_motor", "name": "Fit motor", "work_centre": "assembly", "when": "motorised", "run_minutes": 7},
        {"id": "test", "name": "Test", "work_centre": "testing", "run_minutes": 3},
        {"id": "pack", "name": "Pack", "work_centre": "packing", "run_minutes": 2},
    ],
    "assemblies": [
        {
            "item": "panel",
            "bom": [
                {"item": "sheet", "quantity": "area_m2", "scrap": 0.1, "consumed_by": "cut"},
                {"item": "paint-red", "quantity": 0.2, "when": 'colour == "red"', "consumed_by": "paint"},
                {"item": "paint-blue", "quantity": 0.2, "when": 'colour == "blue"', "consumed_by": "paint"},
            ],
            "routing": [
                {"id": "cut", "name": "Cut", "work_centre": "sheet_metal", "setup_minutes": 5, "run_minutes": 2},
                {"id": "paint", "name": "Paint", "work_centre": "painting", "setup_minutes": 20, "run_minutes": 1},
            ],
        },
        {"item": "kit", "bom": [{"item": "screw", "quantity": 4, "scrap": 0.05}]},
    ],
}


def widget() -> dict[str, Any]:
    """A fresh copy of the widget product to modify."""
    return copy.deepcopy(WIDGET)


def write_catalog(directory: Path, products: dict[str, Any | str], items: Any | str | None = None) -> Path:
    """Write items.yaml and ``<name>.yaml`` per product (dicts are dumped, strings written dedented)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in {"items": items if items is not None else ITEMS, **products}.items():
        text = textwrap.dedent(content) if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        (directory / f"{name}.yaml").write_text(text, encoding="utf-8")
    return directory


def build(directory: Path, product: dict[str, Any] | None = None) -> Catalog:
    """Load a catalog holding just the given widget variant (default: the widget as is)."""
    return load_catalog(write_catalog(directory, {"widget": product or widget()}))


def problems(directory: Path, products: dict[str, Any | str], items: Any | str | None = None) -> list[CatalogProblem]:
    """Every problem ``check_catalog`` finds in a catalog made of these files."""
    return list(check_catalog(write_catalog(directory, products, items)).problems)
