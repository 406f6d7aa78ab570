"""The live run beside the discrete-event run of the same orders: figures, the agreement verdict, the document.

Both sides are reduced to :class:`OrderRecord` lists in scenario time and measured by the same code
(``figures.percentile`` and the records' own on-time rule), so a difference is a difference in what
happened, never in how it was counted. Agreement (docs/simulation-live.md): the on-time shares within
5 points and the actual lead time p50s within 10 % of the simulation's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.simulation.figures import percentile
from orchestrator.simulation.records import OrderRecord

ON_TIME_POINTS = 5.0  # percentage points
LEAD_P50_SHARE = 0.10  # of the simulation's p50


def side_figures(records: Sequence[OrderRecord]) -> dict[str, Any]:
    """The compared figures of one side (days are plant days, shares 0..1)."""
    delivered = [r for r in records if r.delivered is not None]
    actual = [d for r in delivered if (d := r.actual_lead_days) is not None]
    promised = [r.promised_lead_days for r in records]
    slips = [r for r in records if r.slipped]
    return {
        "orders": len(records),
        "delivered": len(delivered),
        "on_time_share": _round(sum(1 for r in records if r.on_time) / len(records)) if records else None,
        "actual_lead_days": {"p50": _round(percentile(actual, 50)), "p90": _round(percentile(actual, 90))},
        "promised_lead_days": {"p50": _round(percentile(promised, 50)), "p90": _round(percentile(promised, 90))},
        "slips": len(slips),
        "slips_announced_before_promise": sum(1 for r in slips if r.announced_early),
        "orders_with_notice": sum(1 for r in records if r.first_notice is not None),
    }


@dataclass
class Verdict:
    """Whether the two runs agree, figure by figure."""

    on_time_points: float | None
    lead_p50_share: float | None
    agrees: bool
    reasons: list[str] = field(default_factory=list)


def verdict(simulated: dict[str, Any], live: dict[str, Any]) -> Verdict:
    """Compare the on-time shares (points) and the lead time p50s (share of the simulation's)."""
    reasons = []
    points = share = None
    if live["delivered"] < live["orders"] or live["orders"] < simulated["orders"]:
        reasons.append(f"the live run delivered {live['delivered']} of {simulated['orders']} orders")
    if simulated["on_time_share"] is not None and live["on_time_share"] is not None:
        points = round(100 * (live["on_time_share"] - simulated["on_time_share"]), 2)
        if abs(points) > ON_TIME_POINTS:
            reasons.append(f"on-time share differs by {points:+.1f} points (at most ±{ON_TIME_POINTS:g})")
    sim_p50, live_p50 = simulated["actual_lead_days"]["p50"], live["actual_lead_days"]["p50"]
    if sim_p50 and live_p50 is not None:
        share = round((live_p50 - sim_p50) / sim_p50, 4)
        if abs(share) > LEAD_P50_SHARE:
            reasons.append(f"lead time p50 differs by {100 * share:+.1f} % (at most ±{100 * LEAD_P50_SHARE:g} %)")
    else:
        reasons.append("no lead time p50 to compare")
    return Verdict(points, share, not reasons, reasons)


@dataclass
class Comparison:
    """Everything a live validation leaves behind."""

    scenario: str
    seed: int
    orders: int
    time_scale: float
    simulated: dict[str, Any]
    live: dict[str, Any]
    verdict: Verdict
    per_order: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    notes: list[str]
    wall_seconds: float

    def to_json(self) -> dict[str, Any]:
        """The JSON document (``live.json``)."""
        v = self.verdict
        return {
            "scenario": self.scenario, "seed": self.seed, "orders": self.orders, "time_scale": self.time_scale,
            "tolerances": {"on_time_points": ON_TIME_POINTS, "lead_p50_share": LEAD_P50_SHARE},
            "simulation": self.simulated, "live": self.live,
            "verdict": {"agrees": v.agrees, "on_time_points": v.on_time_points, "lead_p50_share": v.lead_p50_share,
                        "reasons": v.reasons},
            "per_order": self.per_order, "faults": self.faults, "notes": self.notes,
            "wall_seconds": round(self.wall_seconds, 1),
        }

    def to_markdown(self) -> str:
        """The human-readable document (``live.md``)."""
        s, live, v = self.simulated, self.live, self.verdict
        rows = [
            ("orders delivered", f"{s['delivered']} / {s['orders']}", f"{live['delivered']} / {live['orders']}"),
            ("on-time share", _pct(s["on_time_share"]), _pct(live["on_time_share"])),
            ("actual lead time p50 (days)", _num(s["actual_lead_days"]["p50"]), _num(live["actual_lead_days"]["p50"])),
            ("actual lead time p90 (days)", _num(s["actual_lead_days"]["p90"]), _num(live["actual_lead_days"]["p90"])),
            ("promised lead time p50 (days)", _num(s["promised_lead_days"]["p50"]),
             _num(live["promised_lead_days"]["p50"])),
            ("promised lead time p90 (days)", _num(s["promised_lead_days"]["p90"]),
             _num(live["promised_lead_days"]["p90"])),
            ("slips (announced before the promise)", f"{s['slips']} ({s['slips_announced_before_promise']})",
             f"{live['slips']} ({live['slips_announced_before_promise']})"),
            ("orders that got a delay notice", str(s["orders_with_notice"]), str(live["orders_with_notice"])),
        ]
        out = [f"# Live validation: {self.scenario} (seed {self.seed}), first {self.orders} orders", "",
               f"The same orders through the discrete-event simulation (c2m policy) and through the running stack "
               f"(plant clock ×{self.time_scale:g}, {self.wall_seconds / 60:.1f} wall minutes).", "",
               "| figure | simulation | live stack |", "|---|---:|---:|"]
        out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        out += ["", "## Verdict", ""]
        diff = (f"on-time share {_signed(v.on_time_points, ' points')}, lead time p50 "
                f"{_signed(None if v.lead_p50_share is None else 100 * v.lead_p50_share, ' %')}")
        if v.agrees:
            out.append(f"**Agree** within the tolerances (on-time share ±{ON_TIME_POINTS:g} points, lead time p50 "
                       f"±{100 * LEAD_P50_SHARE:g} %): {diff}.")
        else:
            out.append(f"**Disagree** ({diff}): " + "; ".join(v.reasons) + ".")
        out += ["", "## Orders", "", "| order | product | qty | approval | promised lead (sim / live) | "
                "actual lead (sim / live) | on time (sim / live) |", "|---|---|---:|---|---:|---:|---|"]
        for o in self.per_order:
            out.append(f"| {o['id']} | {o['sku']} | {o['quantity']} | {'yes' if o['needs_approval'] else ''} | "
                       f"{_num(o['sim_promised_lead'])} / {_num(o['live_promised_lead'])} | "
                       f"{_num(o['sim_actual_lead'])} / {_num(o['live_actual_lead'])} | "
                       f"{_yes(o['sim_on_time'])} / {_yes(o['live_on_time'])} |")
        if self.faults:
            held = sum(1 for f in self.faults if f["held"])
            out += ["", "## Line faults", "", f"{held} of {len(self.faults)} scenario faults held a line in the live "
                    "run (a line idle for the whole stop has no job to hold).", "",
                    "| line | start (scenario time) | hours | live |", "|---|---|---:|---|"]
            out += [f"| {f['line']} | {f['start']} | {f['hours']:.2f} | {f['answer']} |" for f in self.faults]
        if self.notes:
            out += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def write(self, out_dir: Path) -> tuple[Path, Path]:
        """Write ``live.md`` and ``live.json`` into ``out_dir``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        md, js = out_dir / "live.md", out_dir / "live.json"
        md.write_text(self.to_markdown(), encoding="utf-8")
        js.write_text(json.dumps(self.to_json(), indent=2, default=str), encoding="utf-8")
        return md, js


def per_order(simulated: Sequence[OrderRecord], live: Sequence[OrderRecord]) -> list[dict[str, Any]]:
    """Each order's promise and lead time on both sides."""
    by_id = {r.id: r for r in live}
    out = []
    for s in simulated:
        lr = by_id.get(s.id)
        out.append({
            "id": s.id, "sku": s.sku, "quantity": s.quantity, "needs_approval": s.needs_approval,
            "sim_promised_lead": _round(s.promised_lead_days), "sim_actual_lead": _round(s.actual_lead_days),
            "sim_on_time": s.on_time,
            "live_promised_lead": None if lr is None else _round(lr.promised_lead_days),
            "live_actual_lead": None if lr is None else _round(lr.actual_lead_days),
            "live_on_time": None if lr is None else lr.on_time,
            "live_first_notice": None if lr is None or lr.first_notice is None else lr.first_notice.isoformat(),
        })
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _yes(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


def _signed(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:+.1f}{unit}"
