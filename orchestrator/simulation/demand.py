"""The market: which orders arrive when, drawn from the scenario's distributions with its seed.

The order stream depends on the scenario alone, never on the policy, so both policies serve exactly
the same customers. A drawn configuration the catalog refuses (e.g. a 720 Wh battery in a small
frame) is drawn again; a product whose distributions give no valid configuration in 50 draws is an
error in the scenario.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from orchestrator.catalog import Catalog, Quote, UnknownProduct, quote
from orchestrator.simulation.scenario import ProductMix, Scenario, ScenarioError, Triangular, Weighted

MAX_DRAWS = 50


@dataclass(frozen=True)
class SimOrder:
    """One customer order of the simulation, already configured and exploded by the catalog."""

    id: str
    arrival: datetime
    sku: str
    options: dict[str, Any]
    quantity: int
    quote: Quote = field(repr=False)
    approval_delay: timedelta | None = None  # None: no special request, planning starts at once
    promised: datetime | None = None  # a promise the customer already holds (an open order), kept as given

    @property
    def needs_approval(self) -> bool:
        """Whether a planner must approve the order before it is planned."""
        return self.approval_delay is not None


def draw_orders(scenario: Scenario, catalog: Catalog, orders: int | None = None) -> list[SimOrder]:
    """The scenario's order stream: Poisson arrivals over the horizon (``orders`` overrides the count)."""
    rng = random.Random(f"{scenario.seed}:demand")
    horizon = timedelta(days=scenario.horizon_days)
    times = _arrival_times(scenario, rng, orders)
    weights = [m.share for m in scenario.mix]
    out = []
    for n, offset in enumerate(times, start=1):
        mix = rng.choices(scenario.mix, weights)[0]
        options, quantity, q = _configure(mix, catalog, rng)
        special = rng.random() < scenario.special_requests.share
        delay = timedelta(hours=_triangular(scenario.special_requests.approval_hours, rng)) if special else None
        arrival = scenario.start + min(offset, horizon)
        out.append(SimOrder(f"SIM-{n:04d}", arrival, mix.sku, options, quantity, q, delay))
    return out


def _arrival_times(scenario: Scenario, rng: random.Random, orders: int | None) -> list[timedelta]:
    """Poisson process: a fixed count spread uniformly (order statistics), or exponential gaps at a rate."""
    days = scenario.horizon_days
    if orders is not None or scenario.arrivals.rate_per_day is None:
        count = orders if orders is not None else int(scenario.arrivals.orders or 0)
        return sorted(timedelta(days=rng.uniform(0, days)) for _ in range(count))
    rate, t = scenario.arrivals.rate_per_day, 0.0
    out: list[timedelta] = []
    while True:
        t += rng.expovariate(rate)
        if t >= days:
            return out
        out.append(timedelta(days=t))


def _configure(mix: ProductMix, catalog: Catalog, rng: random.Random) -> tuple[dict[str, Any], int, Quote]:
    last: Quote | None = None
    for _ in range(MAX_DRAWS):
        options = {name: _pick(values, rng) for name, values in sorted(mix.options.items())}
        quantity = int(_pick(mix.quantity, rng))
        try:
            last = quote(catalog, mix.sku, options, quantity)
        except UnknownProduct:
            raise ScenarioError(f"mix: unknown product {mix.sku!r}; products are {sorted(catalog.products)}") from None
        if last.valid:
            return options, quantity, last
    problems = "; ".join(f"{e.option}: {e.message}" for e in (last.errors if last else ()))
    raise ScenarioError(f"mix[{mix.sku}]: no valid configuration in {MAX_DRAWS} draws ({problems}); "
                        "fix the option distributions")


def _pick(values: list[Weighted], rng: random.Random) -> Any:
    return rng.choices([v.value for v in values], [v.weight for v in values])[0]


def _triangular(t: Triangular, rng: random.Random) -> float:
    return t.min if t.min == t.max else rng.triangular(t.min, t.max, t.mode)
