"""Running a what-if: the baseline and the variant, under each policy asked for, on the same customers.

Both sides serve the same drawn orders (the scenario's seed decides them, not the plant), plus the
orders known beforehand: the plant's open orders, and on the variant side the rush orders it adds.
The result is a JSON-ready report of figures side by side (docs/what-if.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from orchestrator.catalog import Catalog, UnknownProduct, quote
from orchestrator.simulation.demand import SimOrder, draw_orders
from orchestrator.simulation.figures import figures
from orchestrator.simulation.records import SimulationResult
from orchestrator.simulation.run import POLICIES, run_scenario
from orchestrator.simulation.whatif import WhatIfError, WhatIfScenario
from orchestrator.simulation.world import build_world

#: progress: (share done 0..1, what runs now, e.g. "variant, c2m policy")
WhatIfProgress = Callable[[float, str], None]
SIDES = ("baseline", "variant")


def known_sim_orders(case: WhatIfScenario, catalog: Catalog) -> list[SimOrder]:
    """The known orders, configured and exploded by the catalog (:class:`WhatIfError` names a bad one)."""
    out = []
    for order in case.known_orders:
        where = order.where or f"order {order.id}"
        try:
            q = quote(catalog, order.sku, order.options, order.quantity)
        except UnknownProduct as exc:
            raise WhatIfError(f"{where}.sku", str(exc)) from None
        except (TypeError, ValueError) as exc:
            raise WhatIfError(f"{where}.options", f"the options cannot be read: {exc}") from None
        if not q.valid:
            problems = "; ".join(f"{e.option}: {e.message}" for e in q.errors)
            raise WhatIfError(f"{where}.options", f"the configuration of {order.sku} is not valid ({problems}); "
                                                  "fix the options as the shop's configurator would")
        out.append(SimOrder(order.id, order.arrival, order.sku, dict(order.options), order.quantity, q,
                            promised=order.promised))
    return out


def order_stream(case: WhatIfScenario, catalog: Catalog, orders: int | None = None) -> list[SimOrder]:
    """Known orders and drawn orders in arrival order (a known order first among equal times)."""
    known = known_sim_orders(case, catalog)
    drawn = draw_orders(case.scenario, catalog, orders) if orders != 0 else []
    ranked = [(o.arrival, 0, n, o) for n, o in enumerate(known)] + [(o.arrival, 1, n, o) for n, o in enumerate(drawn)]
    return [o for *_, o in sorted(ranked, key=lambda r: r[:3])]


def lead_times(result: SimulationResult) -> dict[str, list[float]]:
    """Each order's promised and actual lead time in plant days, for the plots and the console."""
    return {
        "promised": [round(o.promised_lead_days, 3) for o in result.orders],
        "actual": [round(d, 3) for o in result.orders if (d := o.actual_lead_days) is not None],
    }


def run_what_if(
    baseline: WhatIfScenario, variant: WhatIfScenario, *, policies: Sequence[str] = ("c2m",),
    orders: int | None = None, progress: WhatIfProgress | None = None,
) -> dict[str, Any]:
    """Run both sides under each policy; the report holds their figures and lead times side by side."""
    policies = list(dict.fromkeys(policies))
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise WhatIfError("policies", f"unknown policy {unknown[0]!r}; policies are {', '.join(POLICIES)}")
    runs = len(policies) * len(SIDES)
    report: dict[str, Any] = {
        "scenario": baseline.scenario.name, "seed": baseline.scenario.seed,
        "start": baseline.scenario.start.isoformat(), "horizon_days": baseline.scenario.horizon_days,
        "policies": list(policies),
        "known_orders": {side: len(case.known_orders) for side, case in zip(SIDES, (baseline, variant), strict=True)},
        "figures": {p: {} for p in policies}, "lead_times": {p: {} for p in policies},
        "notes": list(dict.fromkeys(baseline.notes + variant.notes)),
    }
    step = 0
    for side, case in zip(SIDES, (baseline, variant), strict=True):
        world = build_world(case.scenario)
        stream = order_stream(case, world.catalog, orders)
        for policy in policies:
            label = f"{side}, {policy} policy"
            if progress is not None:
                progress(step / runs, label)

            def tick(done: int, total: int, step: int = step, label: str = label) -> None:
                if progress is not None and total:
                    progress((step + done / total) / runs, label)

            result = run_scenario(case.scenario, policy, progress=tick, world=world, stream=stream)
            report["figures"][policy][side] = figures(result)
            report["lead_times"][policy][side] = lead_times(result)
            step += 1
    if progress is not None:
        progress(1.0, "done")
    return report
