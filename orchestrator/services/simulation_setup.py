"""What a planner asks for in a what-if, and turning it into the baseline and the variant to run.

The base is the shipped standard scenario, a scenario written inline in the request (on this
installation's catalog, plant, supplier and stock files: an inline scenario cannot name files), or
"current": the running plant, its stock and its open orders (:mod:`orchestrator.simulation.current_plant`).
The baseline is the base; the variant is the base with the request's changes. Everything that can be
refused is refused here, before anything runs: :class:`WhatIfError` names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine

from orchestrator.catalog import Catalog
from orchestrator.persistence import simulations_repo
from orchestrator.persistence.inventory_repo.stock import stock_levels
from orchestrator.security.vault import Vault
from orchestrator.settings import Settings
from orchestrator.simulation.current_plant import OpenOrder, StockNow, current_plant_scenario
from orchestrator.simulation.scenario import PROJECT, Scenario, ScenarioError, load_scenario, parse_scenario
from orchestrator.simulation.whatif import Change, KnownOrder, WhatIfError, WhatIfScenario, apply_changes
from orchestrator.simulation.whatif_run import known_sim_orders

STANDARD_SCENARIO = PROJECT / "scenarios" / "standard.yaml"
FILE_KEYS = ("catalog", "plant", "suppliers", "stock")
MAX_ORDERS = 1000  # drawn orders per run: a bigger market is a job for `c2m simulate`
MAX_HORIZON_DAYS = 365
Policy = Literal["c2m", "baseline"]


class SimulationRequest(BaseModel):
    """``POST /api/simulations``: a base scenario, the changes of the variant, and how much to simulate."""

    model_config = ConfigDict(extra="forbid")

    scenario: Literal["standard", "current"] | dict[str, Any] = Field(
        default="standard", description="'standard' (scenarios/standard.yaml), 'current' (the running plant and "
                                        "its open orders), or a scenario written inline (docs/simulation.md)")
    changes: list[Change] = Field(default_factory=list, max_length=50, description="the variant's changes")
    orders: int | None = Field(default=None, ge=1, le=1000, description="drawn orders (default: the scenario's)")
    seed: int | None = Field(default=None, description="the market's seed (default: the scenario's)")
    policies: list[Policy] = Field(
        default_factory=lambda: list[Policy](["c2m"]), min_length=1, max_length=2,
        description="'c2m', and 'baseline' for the stock-driven policy too")


@dataclass(frozen=True)
class Cases:
    """The two sides of a what-if."""

    baseline: WhatIfScenario
    variant: WhatIfScenario


def build_cases(request: SimulationRequest, *, settings: Settings, engine: Engine, catalog: Catalog,
                vault: Vault | None, now: datetime, folder: Path) -> Cases:
    """The baseline and the variant of ``request``; derived files go to ``folder``."""
    base = _base(request, settings, engine, catalog, vault, now, folder)
    _bounded(base.scenario, request.orders)
    variant = apply_changes(base, request.changes, folder)
    known_sim_orders(variant, catalog)  # a rush order the catalog refuses is refused now, not mid-run
    return Cases(base, variant)


def _base(request: SimulationRequest, settings: Settings, engine: Engine, catalog: Catalog, vault: Vault | None,
          now: datetime, folder: Path) -> WhatIfScenario:
    if request.scenario == "current":
        standard = _seeded(load_scenario(STANDARD_SCENARIO), request.seed)
        return _current(standard, settings, engine, catalog, vault, now, folder)
    if request.scenario == "standard":
        return WhatIfScenario(scenario=_seeded(load_scenario(STANDARD_SCENARIO), request.seed))
    return WhatIfScenario(scenario=_seeded(_inline(request.scenario, settings), request.seed))


def _bounded(scenario: Scenario, orders: int | None) -> None:
    """A what-if runs inside the API's machine: refuse a market too big to simulate there."""
    if scenario.horizon_days > MAX_HORIZON_DAYS:
        raise WhatIfError("scenario.horizon_days", f"{scenario.horizon_days:g} days is longer than a what-if "
                                                   f"simulates; use at most {MAX_HORIZON_DAYS}")
    expected = orders if orders is not None else scenario.arrivals.expected_orders(scenario.horizon_days)
    if expected > MAX_ORDERS:
        raise WhatIfError("orders", f"the scenario draws about {expected:.0f} orders; a what-if runs at most "
                                    f"{MAX_ORDERS}: send \"orders\" or a smaller arrival rate")


def _seeded(scenario: Scenario, seed: int | None) -> Scenario:
    return scenario if seed is None else scenario.model_copy(update={"seed": seed})


def _inline(data: dict[str, Any], settings: Settings) -> Scenario:
    named = [key for key in FILE_KEYS if key in data]
    if named:
        raise WhatIfError(f"scenario.{named[0]}", "an inline scenario runs on this installation's files and "
                                                  "cannot name its own; leave out " + ", ".join(named))
    files = {"catalog": settings.catalog_dir, "plant": settings.plant_file, "suppliers": settings.suppliers_file,
             "stock": settings.stock_file}
    try:
        return parse_scenario({**data, **files}, "scenario")
    except ScenarioError as exc:
        raise WhatIfError("scenario", str(exc).removeprefix("scenario: ")) from None


def _utc(value: datetime) -> datetime:
    """A stored time with its zone (SQLite gives it back without; it is always UTC here)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _current(standard: Scenario, settings: Settings, engine: Engine, catalog: Catalog, vault: Vault | None,
             now: datetime, folder: Path) -> WhatIfScenario:
    stock = [StockNow(s.item, s.on_hand, s.unit) for s in stock_levels(engine).values()]
    orders, skipped = [], []
    for row in simulations_repo.open_orders(engine, vault):
        order = OpenOrder(row.id, row.sku, dict(row.options), row.quantity, _utc(row.promised_date))
        probe = KnownOrder(id=row.id, sku=row.sku, options=order.options, quantity=row.quantity, arrival=now)
        try:  # an order whose configuration the catalog no longer takes (or erased options) is left out
            known_sim_orders(WhatIfScenario(scenario=standard, known_orders=(probe,)), catalog)
        except WhatIfError:
            skipped.append(row.id)
            continue
        orders.append(order)
    case = current_plant_scenario(standard, now=now, plant_file=settings.plant_file,
                                  suppliers_file=settings.suppliers_file, catalog_dir=settings.catalog_dir,
                                  stock=stock, open_orders=orders, workdir=folder)
    if skipped:
        note = f"open order(s) left out, their configuration is no longer valid: {', '.join(skipped[:10])}"
        case = case.model_copy(update={"notes": (*case.notes, note)})
    return case
