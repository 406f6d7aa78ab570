"""The buyer's view of the supplier file (``suppliers/default.yaml``): who sells which item, MOQs, and
the lead times the supplier's catalogue states.

The file is shared with the supplier simulator, which reads more from it (reliability, fault modes);
this reader keeps only what a buyer knows from a supplier's catalogue and ignores the rest. A lead time
is ``{min, mode, max}`` in days (the shortest, the most likely and the longest quote) or one number
(a fixed lead time).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestrator.inventory.lot_sizing import LotSizingRule


class SupplierFileError(ValueError):
    """The supplier file is missing or malformed; the message names the entry."""


@dataclass(frozen=True)
class PartListing:
    """One item in a supplier's catalogue."""

    item: str
    name: str | None
    price: float | None
    currency: str | None
    unit: str | None
    moq: float = 1.0
    multiple: float = 1.0
    lead_time_days: tuple[float, float, float] | None = None  # (min, mode, max); None when not stated

    @property
    def lot_rule(self) -> LotSizingRule:
        """The MOQ and order multiple as a lot-sizing rule."""
        return LotSizingRule(self.moq, self.multiple)


@dataclass(frozen=True)
class SupplierListing:
    """A supplier and its catalogue."""

    id: str
    name: str
    country: str | None
    currency: str | None
    parts: tuple[PartListing, ...]

    def part(self, item: str) -> PartListing | None:
        """The listing of ``item``, if this supplier sells it."""
        return next((p for p in self.parts if p.item == item), None)


def load_supplier_listings(path: Path | str) -> list[SupplierListing]:
    """Read the suppliers and their parts from the supplier YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SupplierFileError(f"{path}: supplier file not found; set C2M_SUPPLIERS_FILE") from None
    except yaml.YAMLError as exc:
        raise SupplierFileError(f"{path}: not valid YAML: {exc}") from None
    suppliers = data.get("suppliers") if isinstance(data, dict) else None
    if not isinstance(suppliers, list):
        raise SupplierFileError(f"{path}: expected a 'suppliers:' list at the top level")
    return [_supplier(entry, f"{path}: suppliers[{n}]") for n, entry in enumerate(suppliers)]


def lot_rules(listings: list[SupplierListing]) -> dict[tuple[str, str], LotSizingRule]:
    """Each (supplier, item)'s lot-sizing rule."""
    return {(s.id, p.item): p.lot_rule for s in listings for p in s.parts}


def _supplier(entry: Any, where: str) -> SupplierListing:
    if not isinstance(entry, dict) or not entry.get("id"):
        raise SupplierFileError(f"{where}: needs an 'id'")
    parts = []
    for m, part in enumerate(entry.get("parts") or []):
        if not isinstance(part, dict) or not part.get("item"):
            raise SupplierFileError(f"{where}.parts[{m}]: needs an 'item'")
        try:
            listing = PartListing(
                item=str(part["item"]), name=part.get("name"),
                price=float(part["price"]) if part.get("price") is not None else None,
                currency=part.get("currency") or entry.get("currency"), unit=part.get("unit"),
                moq=float(part.get("moq", 1)), multiple=float(part.get("multiple", 1)),
                lead_time_days=_lead_days(part.get("lead_time_days")),
            )
            listing.lot_rule  # noqa: B018 - validates moq and multiple
        except (TypeError, ValueError) as exc:
            raise SupplierFileError(f"{where}.parts[{m}]: {exc}") from None
        parts.append(listing)
    return SupplierListing(
        id=str(entry["id"]), name=str(entry.get("name") or entry["id"]), country=entry.get("country"),
        currency=entry.get("currency"), parts=tuple(parts),
    )


def _lead_days(value: Any) -> tuple[float, float, float] | None:
    """``{min, mode, max}`` (a missing min or max is the mode) or one number, as (min, mode, max)."""
    if value is None:
        return None
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"min", "mode", "max"})
        if unknown:
            raise ValueError(f"lead_time_days: unknown key(s) {unknown}; expected min, mode and max (days)")
        if value.get("mode") is None and value.get("max") is None:
            raise ValueError("lead_time_days: needs at least a 'mode' or a 'max' (days)")
        mode = float(value["mode"] if value.get("mode") is not None else value["max"])
        low = float(value["min"]) if value.get("min") is not None else mode
        high = float(value["max"]) if value.get("max") is not None else mode
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"lead_time_days: expected days as a number or {{min, mode, max}}, got {value!r}")
    else:
        low = mode = high = float(value)
    if not 0 <= low <= mode <= high:
        raise ValueError(f"lead_time_days: expected 0 <= min <= mode <= max, got min {low:g}, mode {mode:g}, "
                         f"max {high:g}")
    return low, mode, high
