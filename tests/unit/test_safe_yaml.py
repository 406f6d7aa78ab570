"""Every YAML file the system reads is plain data: a Python tag is refused with a clear error, never run.

Each loader gets its real shipped file with one more key whose value is a ``!!python/...`` tag that would
create a marker file if it were executed. The load must fail naming the file, and the marker must not
exist. Catalog rules are expressions, not code: a rule reaching for ``__import__`` is refused at load.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.suppliers.directory import load_supplier_endpoints
from orchestrator.catalog import CatalogInvalid, load_catalog
from orchestrator.inventory.stock_file import StockFileError, load_initial_stock
from orchestrator.inventory.supplier_list import SupplierFileError, load_supplier_listings
from orchestrator.plant import PlantFileError, load_plant
from orchestrator.settings import PROJECT_ROOT
from simulators.opcua_plant.plant_file import PlantFileError as SimPlantFileError
from simulators.opcua_plant.plant_file import read_lines
from simulators.suppliers.config import ConfigError, load_supplier_book
from tests.unit.catalog.helpers import widget, write_catalog

PLANT = PROJECT_ROOT / "plant" / "default.yaml"
SUPPLIERS = PROJECT_ROOT / "suppliers" / "default.yaml"
STOCK = PROJECT_ROOT / "stock" / "initial.yaml"

# (name, shipped file, loader, the error it must raise)
LOADERS: list[tuple[str, Path, Callable[[Path], Any], type[Exception]]] = [
    ("plant", PLANT, load_plant, PlantFileError),
    ("plant simulator", PLANT, read_lines, SimPlantFileError),
    ("supplier list", SUPPLIERS, load_supplier_listings, SupplierFileError),
    ("supplier endpoints", SUPPLIERS, lambda p: load_supplier_endpoints(p, "http://127.0.0.1:1"), ValueError),
    ("supplier simulator", SUPPLIERS, load_supplier_book, ConfigError),
    ("initial stock", STOCK, load_initial_stock, StockFileError),
]

TAGS = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/apply:subprocess.call [["touch", "{marker}"]]',
    "!!python/name:os.system",
]


def _hostile(original: Path, target: Path, tag: str, marker: Path) -> Path:
    """The original file with one more top-level key whose value is ``tag``."""
    target.write_text(original.read_text(encoding="utf-8") + f"\npwned: {tag.format(marker=marker)}\n",
                      encoding="utf-8")
    return target


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize(("name", "original", "load", "error"), LOADERS, ids=[entry[0] for entry in LOADERS])
def test_a_python_tag_is_refused_not_executed(tmp_path: Path, name: str, original: Path,
                                              load: Callable[[Path], Any], error: type[Exception],
                                              tag: str) -> None:
    marker = tmp_path / "pwned"
    path = _hostile(original, tmp_path / original.name, tag, marker)
    with pytest.raises(error) as refused:
        load(path)
    message = str(refused.value)
    assert str(path) in message, f"{name}: the error does not name the file: {message}"
    assert "python/" in message, f"{name}: the error does not name the refused tag: {message}"
    assert not marker.exists(), f"{name}: the YAML tag was executed"


def test_the_shipped_files_still_load(tmp_path: Path) -> None:
    """The hostile variants fail because of the tag alone: the same files without it load."""
    for name, original, load, _ in LOADERS:
        assert load(original), name
    assert load_catalog(PROJECT_ROOT / "catalog").products


@pytest.mark.parametrize("tag", TAGS)
def test_a_python_tag_in_a_catalog_file_is_refused_not_executed(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    catalog = tmp_path / "catalog"
    shutil.copytree(PROJECT_ROOT / "catalog", catalog)
    product = catalog / "aircon-split.yaml"
    _hostile(product, product, tag, marker)
    with pytest.raises(CatalogInvalid) as refused:
        load_catalog(catalog)
    message = str(refused.value)
    assert "aircon-split.yaml" in message and "python/" in message, message
    assert not marker.exists(), "the YAML tag in the catalog was executed"


@pytest.mark.parametrize("expression", [
    "__import__('os').system('touch {marker}')",
    "__import__('os')",
    "open('{marker}', 'w')",
    "eval('1')",
    "().__class__.__bases__[0].__subclasses__()",
])
def test_a_catalog_rule_reaching_for_python_is_refused_at_load(tmp_path: Path, expression: str) -> None:
    marker = tmp_path / "pwned"
    product = widget()
    product["bom"][1]["when"] = expression.format(marker=marker)  # the motor's condition
    with pytest.raises(CatalogInvalid) as refused:
        load_catalog(write_catalog(tmp_path / "catalog", {"widget": product}))
    message = str(refused.value)
    assert "widget.yaml" in message, message
    assert not marker.exists(), "the catalog expression was executed"
