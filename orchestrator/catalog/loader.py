"""Reading a catalog folder: ``items.yaml`` (the item master) and one ``<sku>.yaml`` per product.

``check_catalog`` reports every problem with file and line and never raises for bad content;
``load_catalog`` returns a usable ``Catalog`` or raises ``CatalogInvalid`` with all the problems.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from orchestrator.catalog.build_product import build_product
from orchestrator.catalog.marked_yaml import YamlSyntaxError, line_at, load_marked
from orchestrator.catalog.model import UNITS, Catalog, Item, ItemKind, Product, Source
from orchestrator.catalog.problems import CatalogInvalid, CatalogProblem
from orchestrator.catalog.schema import Doc, ItemsFile, ProductFile
from orchestrator.catalog.scope import FileContext
from orchestrator.catalog.texts import texts_of

ITEMS_FILE = "items.yaml"
ITEM_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_KNOWN_KEYS = sorted({name for cls in Doc.__subclasses__() for name in cls.model_fields})
DocT = TypeVar("DocT", bound=BaseModel)


@dataclass(frozen=True)
class CatalogReport:
    """The outcome of checking a catalog folder: the catalog when it is usable, and every problem."""

    catalog: Catalog | None
    problems: tuple[CatalogProblem, ...]
    item_count: int = 0

    @property
    def ok(self) -> bool:
        """True when the catalog has no problems."""
        return not self.problems


def load_catalog(directory: Path) -> Catalog:
    """The checked catalog in ``directory``; ``CatalogInvalid`` (listing every problem) if anything is wrong."""
    report = check_catalog(directory)
    if report.problems or report.catalog is None:
        raise CatalogInvalid(report.problems)
    return report.catalog


def check_catalog(directory: Path) -> CatalogReport:
    """Read and check every file of a catalog folder, collecting problems instead of stopping at the first."""
    problems: list[CatalogProblem] = []
    if not directory.is_dir():
        problems.append(
            CatalogProblem(
                str(directory),
                0,
                "no_catalog",
                "catalog folder does not exist; point "
                "C2M_CATALOG_DIR (or --dir) at a folder with items.yaml and product files",
            )
        )
        return CatalogReport(None, tuple(problems))
    items = _load_items(directory / ITEMS_FILE, problems)
    products: dict[str, Product] = {}
    if items is None:
        # Without the item master every product line would look wrong; report the items file alone.
        problems.append(
            CatalogProblem(
                str(directory / ITEMS_FILE),
                0,
                "products_not_checked",
                "product files are checked once items.yaml can be read",
            )
        )
        return CatalogReport(None, tuple(sorted(problems, key=lambda p: (p.file, p.line, p.code))))
    for path in sorted(directory.glob("*.y*ml")):
        if path.name == ITEMS_FILE:
            continue
        if path.suffix != ".yaml":
            problems.append(CatalogProblem(str(path), 0, "file_name", "catalog files must end in .yaml"))
            continue
        product = _load_product(path, items, problems)
        if product is None:
            continue
        if product.sku in products:
            problems.append(
                CatalogProblem.at(
                    product.source,
                    "duplicate_sku",
                    f"SKU {product.sku!r} is also defined in {products[product.sku].source}",
                )
            )
            continue
        products[product.sku] = product
    if not products and not problems:
        problems.append(CatalogProblem(str(directory), 0, "no_products", "the catalog has no product files"))
    ordered = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.code)))
    catalog = Catalog(items=items, products=products, directory=directory)
    return CatalogReport(catalog, ordered, len(items))


def _parse(path: Path, model: type[DocT], problems: list[CatalogProblem]) -> DocT | None:
    try:
        tree = load_marked(path)
    except FileNotFoundError:
        problems.append(CatalogProblem(str(path), 0, "missing_file", f"{path.name} is missing"))
        return None
    except YamlSyntaxError as exc:
        problems.append(CatalogProblem(str(path), exc.line, "yaml_syntax", exc.message))
        return None
    try:
        return model.model_validate(tree)
    except ValidationError as exc:
        problems.extend(schema_problems(str(path), tree, exc))
        return None


def schema_problems(file: str, tree: Any, error: ValidationError) -> list[CatalogProblem]:
    """Pydantic's structural errors as catalog problems, each at the line of the offending key."""
    result = []
    for detail in error.errors():
        loc: Sequence[Any] = detail["loc"]
        where = _render_loc(loc) or "file"
        kind = detail["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            code, message = "unknown_key", f"{where}: unknown key {key!r}{hint}"
        elif kind == "missing":
            code, message = "missing_key", f"{where}: required key {str(loc[-1])!r} is missing"
        else:
            text = str(detail["msg"]).removeprefix("Value error, ")
            code, message = "wrong_type", f"{where}: {text}"
            if detail.get("input") in (True, False) and "string" in text:
                message += " (YAML reads unquoted yes/no/on/off/true/false as booleans: quote the text)"
        result.append(CatalogProblem(file, line_at(tree, loc), code, message))
    return result


def _render_loc(loc: Sequence[Any]) -> str:
    text = ""
    for step in loc:
        if isinstance(step, int):
            text += f"[{step}]"
        elif isinstance(step, str) and not any(c in step for c in "[]()-"):
            text += f".{step}" if text else step
    return text


def _load_items(path: Path, problems: list[CatalogProblem]) -> dict[str, Item] | None:
    doc = _parse(path, ItemsFile, problems)
    if doc is None:
        return None
    context = FileContext(str(path), problems)
    items: dict[str, Item] = {}
    for item_doc in doc.items:
        if not ITEM_ID.match(item_doc.id):
            context.problem(
                item_doc,
                "id",
                "bad_id",
                f"item id {item_doc.id!r} must be lower-case letters and digits in words joined by '-'",
            )
        if item_doc.id in items:
            context.problem(
                item_doc,
                "id",
                "duplicate_id",
                f"item {item_doc.id!r} is defined twice (first at line {items[item_doc.id].source.line})",
            )
            continue
        kind = ItemKind(item_doc.kind)
        if item_doc.unit not in UNITS:
            context.problem(
                item_doc,
                "unit",
                "bad_unit",
                f"item {item_doc.id!r}: unit {item_doc.unit!r} is unknown; use one of {', '.join(sorted(UNITS))}",
            )
        lead = item_doc.lead_time_days
        if kind is ItemKind.PURCHASED and (lead is None or lead <= 0):
            context.problem(
                item_doc,
                None,
                "missing_lead_time",
                f"purchased item {item_doc.id!r} needs a positive "
                "lead_time_days (the fallback when no supplier quotes one)",
            )
        elif kind in (ItemKind.MANUFACTURED, ItemKind.PHANTOM) and lead is not None:
            context.problem(
                item_doc,
                "lead_time_days",
                "bad_lead_time",
                f"{kind.value} item {item_doc.id!r} is not "
                "bought: its time comes from its routing; remove lead_time_days",
            )
        elif lead is not None and lead < 0:
            context.problem(
                item_doc, "lead_time_days", "bad_lead_time", f"item {item_doc.id!r}: lead_time_days cannot be negative"
            )
        items[item_doc.id] = Item(
            item_doc.id,
            item_doc.name,
            kind,
            item_doc.unit,
            Source(str(path), item_doc.line),
            lead,
            item_doc.description,
            texts_of(item_doc.i18n),
        )
    return items


def _load_product(path: Path, items: Mapping[str, Item], problems: list[CatalogProblem]) -> Product | None:
    doc = _parse(path, ProductFile, problems)
    if doc is None:
        return None
    return build_product(FileContext(str(path), problems), doc, items, path.stem)
