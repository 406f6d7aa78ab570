"""The factory's data a run starts from: catalog, plant, suppliers' behaviour and the starting stock.

Loaded once per scenario with the same loaders production uses; the scenario's changes (a line's
speed, a supplier's reliability, a line or supplier taken away) are applied on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestrator.catalog import Catalog, load_catalog
from orchestrator.inventory.lot_sizing import LotSizingRule
from orchestrator.inventory.stock_file import load_initial_stock
from orchestrator.inventory.supplier_list import load_supplier_listings
from orchestrator.plant import Plant, load_plant
from orchestrator.simulation.scenario import Scenario, ScenarioError, Triangular


@dataclass(frozen=True)
class SupplierPart:
    """What one supplier sells of one item, and how it behaves when it does."""

    supplier: str
    item: str
    price: float
    currency: str
    lot: LotSizingRule
    lead_days: Triangular
    reliability: float
    reject_rate: float


@dataclass(frozen=True)
class World:
    """The data of one scenario, ready to simulate."""

    catalog: Catalog
    plant: Plant
    parts: dict[str, list[SupplierPart]]  # item -> the suppliers selling it, in file order
    stock: dict[str, float]  # item -> on hand at the start

    def offers_for(self, item: str) -> list[SupplierPart]:
        """Every supplier part for ``item`` (empty when nobody sells it)."""
        return self.parts.get(item, [])

    def unit_price(self, item: str) -> float:
        """The cheapest listed price of ``item`` (0 when nobody sells it): what stock is valued at."""
        return min((p.price for p in self.offers_for(item)), default=0.0)


def build_world(scenario: Scenario) -> World:
    """Load the scenario's files and apply its changes."""
    catalog = load_catalog(scenario.catalog)
    plant = _plant(scenario)
    stock = {s.item: s.on_hand for s in load_initial_stock(scenario.stock)}
    return World(catalog, plant, _parts(scenario), stock)


def _plant(scenario: Scenario) -> Plant:
    plant = load_plant(scenario.plant)
    unknown = sorted(set(scenario.line_changes) - set(plant.lines))
    if unknown:
        raise ScenarioError(f"line_changes: unknown line(s) {unknown}; the plant's lines are {plant.line_ids}")
    lines = {}
    for line_id, line in plant.lines.items():
        change = scenario.line_changes.get(line_id)
        if change is None:
            lines[line_id] = line
            continue
        if not change.available:
            continue
        reliability = line.reliability.model_copy(update={
            k: v for k, v in (("mtbf_hours", change.mtbf_hours), ("mttr_minutes", change.mttr_minutes)) if v is not None
        })
        update: dict[str, object] = {"reliability": reliability}
        if change.speed_factor is not None:
            update["speed_factor"] = change.speed_factor
        lines[line_id] = line.model_copy(update=update)
    return plant.model_copy(update={"lines": lines})


def _parts(scenario: Scenario) -> dict[str, list[SupplierPart]]:
    listings = {s.id: s for s in load_supplier_listings(scenario.suppliers)}
    unknown = sorted(set(scenario.supplier_changes) - set(listings))
    if unknown:
        raise ScenarioError(f"supplier_changes: unknown supplier(s) {unknown}; suppliers are {sorted(listings)}")
    raw = yaml.safe_load(Path(scenario.suppliers).read_text(encoding="utf-8"))
    parts: dict[str, list[SupplierPart]] = {}
    for n, entry in enumerate(raw["suppliers"]):
        sid = str(entry["id"])
        change = scenario.supplier_changes.get(sid)
        if change is not None and not change.available:
            continue
        faults = entry.get("faults") or {}
        reliability = float(entry.get("reliability", 1.0))
        reject = float(faults.get("reject_rate", 0.0))
        factor = 1.0
        if change is not None:
            reliability = change.reliability if change.reliability is not None else reliability
            reject = change.reject_rate if change.reject_rate is not None else reject
            factor = change.lead_time_factor
        for m, part in enumerate(entry.get("parts") or []):
            listing = listings[sid].part(str(part["item"]))
            where = f"{scenario.suppliers}: suppliers[{n}].parts[{m}]"
            if listing is None or listing.price is None or listing.lead_time_days is None:
                raise ScenarioError(f"{where}: needs a price and lead_time_days {{min, mode, max}} to be simulated")
            low, mode, high = listing.lead_time_days
            days = Triangular(min=low * factor, mode=mode * factor, max=high * factor)
            parts.setdefault(listing.item, []).append(SupplierPart(
                sid, listing.item, listing.price, listing.currency or "EUR", listing.lot_rule, days, reliability,
                reject))
    return parts
