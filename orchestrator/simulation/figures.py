"""The report's figures for one policy's run: promise keeping, lead times, notices, lines, stock.

Plain numbers in a JSON-ready dict, computed from a :class:`SimulationResult` alone, so the report,
the what-if and the tests read the same figures. Days are plant days; shares are 0..1.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from orchestrator.simulation.records import DAY, SimulationResult

ERROR_BINS = (-math.inf, -7, -3, -1, 0, 1, 3, 7, math.inf)  # promise error (delivered - promised), days


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0..100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def utilisation(result: SimulationResult) -> dict[str, float]:
    """Each line's offered load: the work it did over the whole run, per minute of the arrival horizon."""
    horizon = (result.horizon_end - result.start) / timedelta(minutes=1)
    return {line: round(busy / horizon, 4) for line, busy in result.line_busy_minutes.items()}


def bottleneck(result: SimulationResult) -> tuple[str, float]:
    """The most loaded line and its utilisation."""
    loads = utilisation(result)
    line = max(loads, key=lambda k: (loads[k], k))
    return line, loads[line]


def figures(result: SimulationResult) -> dict[str, Any]:
    """Every figure of the report for one run."""
    orders = result.orders
    delivered = [o for o in orders if o.delivered is not None]
    promised = [o.promised_lead_days for o in orders]
    actual = [o.actual_lead_days for o in delivered if o.actual_lead_days is not None]
    errors = [o.error_days for o in delivered if o.error_days is not None]
    slips = [o for o in orders if o.slipped]
    early = [o for o in slips if o.announced_early]
    warning = [(o.promised - o.first_notice) / DAY for o in early if o.first_notice is not None]
    line, load = bottleneck(result)
    return {
        "orders": len(orders),
        "delivered": len(delivered),
        "on_time_share": _share(len(orders) - len(slips), len(orders)),
        "promised_lead_days": {"p50": _r(percentile(promised, 50)), "p90": _r(percentile(promised, 90))},
        "actual_lead_days": {"p50": _r(percentile(actual, 50)), "p90": _r(percentile(actual, 90))},
        "promise_error_days": {
            "p10": _r(percentile(errors, 10)), "p50": _r(percentile(errors, 50)), "p90": _r(percentile(errors, 90)),
            "histogram": _histogram(errors),
        },
        "slips": len(slips),
        "slips_announced_before_promise": len(early),
        "slips_announced_share": _share(len(early), len(slips)) if slips else 1.0,
        "notice_days_before_promise": {"p50": _r(percentile(warning, 50)), "min": _r(min(warning, default=None))},
        "utilisation": utilisation(result),
        "bottleneck": {"line": line, "utilisation": load},
        "wip": {"average": _r(_average_wip(result)), "max": max((n for _, n in result.wip), default=0)},
        "average_inventory_value": round(result.average_inventory_value, 2),
        "stock_outs": result.stock_outs,
        "requirement_lines": result.requirement_lines,
        "stock_out_share": _share(result.stock_outs, result.requirement_lines),
        "purchase_orders": result.purchase_orders,
        "rejected_purchase_orders": result.rejected_purchase_orders,
        "late_deliveries": result.late_deliveries,
        "line_faults": dict(result.line_faults),
        "replans": result.replans,
        "solver_methods": dict(result.solver_methods),
        "solve_seconds": round(result.solve_seconds, 2),
        "wall_seconds": round(result.wall_seconds, 2),
    }


def _average_wip(result: SimulationResult) -> float | None:
    """Orders in the plant (arrived, production not finished), averaged over the arrival horizon."""
    if not result.wip:
        return None
    total, (t0, n0) = 0.0, result.wip[0]
    end = result.horizon_end
    for t, n in result.wip[1:]:
        if t0 >= end:
            break
        total += n0 * (min(t, end) - t0).total_seconds()
        t0, n0 = t, n
    if t0 < end:
        total += n0 * (end - t0).total_seconds()
    return total / (end - result.start).total_seconds()


def _histogram(errors: Sequence[float]) -> dict[str, int]:
    out = {}
    for lo, hi in itertools.pairwise(ERROR_BINS):
        label = f"{'' if lo == -math.inf else f'{lo:g}'}..{'' if hi == math.inf else f'{hi:g}'}"
        out[label] = sum(1 for e in errors if lo < e <= hi)
    return out


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
