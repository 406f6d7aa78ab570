"""A scenario of "the plant as it is now": the running system's plant, suppliers, stock and open orders.

What it takes from the running system, and what it simplifies (docs/what-if.md says the same):

* the plant file, supplier file and catalog the installation runs on;
* the stock on hand now (reserved stock included: the open orders it is held for are planned again);
* the open orders (not delivered, cancelled, rejected or failed) as the first arrivals, all at the
  start, each with the promise its customer already holds: the simulation keeps that date (it does not
  promise the order again), so a what-if that takes capacity away shows which given promises break;
* then the base scenario's market (arrival process, product mix, special requests) over its horizon,
  starting at the plant's present time, with its seed and policy parameters.

Not carried over: work already done on open orders, purchase orders already placed, and line faults
in progress; an open order's work and materials are planned again from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.whatif import KnownOrder, WhatIfScenario

STOCK_FILE_NAME = "stock-now.yaml"
SIMPLIFICATIONS = (
    "open orders keep the promises already given to their customers, but their work and materials are "
    "planned again from scratch at the start (work done and purchases placed are not carried over)",
    "stock is what is on hand now, reserved stock included",
    "line faults in progress are not carried over; future faults follow the plant file's MTBF/MTTR",
)


@dataclass(frozen=True)
class StockNow:
    """One item's stock on hand now."""

    item: str
    on_hand: float
    unit: str


@dataclass(frozen=True)
class OpenOrder:
    """An order of the running system that is still open."""

    id: str
    sku: str
    options: dict[str, Any]
    quantity: int
    promised: datetime | None = None  # the delivery date its customer was promised (kept by the simulation)


def current_plant_scenario(
    base: Scenario, *, now: datetime, plant_file: Path, suppliers_file: Path, catalog_dir: Path,
    stock: Sequence[StockNow], open_orders: Sequence[OpenOrder], workdir: Path,
) -> WhatIfScenario:
    """The plant as it is at ``now`` with ``base``'s market after it; writes the stock file to ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    stock_file = workdir / STOCK_FILE_NAME
    entries = [{"item": s.item, "on_hand": max(0.0, float(s.on_hand)), "unit": s.unit} for s in stock]
    stock_file.write_text(f"# stock on hand at plant time {now.isoformat()}\n"
                          + yaml.safe_dump({"stock": entries}, sort_keys=False), encoding="utf-8")
    scenario = base.model_copy(update={
        "name": "current plant", "start": now, "plant": plant_file, "suppliers": suppliers_file,
        "catalog": catalog_dir, "stock": stock_file,
    })
    known = tuple(KnownOrder(id=o.id, sku=o.sku, options=dict(o.options), quantity=o.quantity, arrival=now,
                             origin="open", where=f"open order {o.id}", promised=o.promised)
                  for o in open_orders)
    notes = (f"{len(known)} open order(s) of the plant arrive at the start", *SIMPLIFICATIONS)
    return WhatIfScenario(scenario=scenario, known_orders=known, notes=notes)
