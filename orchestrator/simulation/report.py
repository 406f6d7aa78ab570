"""The promise report: figures per policy side by side, the load sweep, the targets; JSON and markdown.

:func:`build_report` turns results into a JSON-ready dict (what ``report.json`` holds and an API can
return); :func:`markdown` renders it; :func:`write_report` writes both and the plots to a folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from orchestrator.simulation.figures import figures
from orchestrator.simulation.records import SimulationResult
from orchestrator.simulation.scenario import Scenario
from orchestrator.simulation.targets import check_targets

# (label, path into a policy's figures, format)
ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("orders", ("orders",), "{:d}"),
    ("delivered by the promised date", ("on_time_share",), "{:.1%}"),
    ("promised lead time p50 (days)", ("promised_lead_days", "p50"), "{:.1f}"),
    ("promised lead time p90 (days)", ("promised_lead_days", "p90"), "{:.1f}"),
    ("actual lead time p50 (days)", ("actual_lead_days", "p50"), "{:.1f}"),
    ("actual lead time p90 (days)", ("actual_lead_days", "p90"), "{:.1f}"),
    ("promise error p10 / p50 / p90 (days, + is late)", ("promise_error_days",), "errors"),
    ("slips", ("slips",), "{:d}"),
    ("slips announced before the promised date", ("slips_announced_share",), "{:.1%}"),
    ("notice before the promised date, p50 (days)", ("notice_days_before_promise", "p50"), "{:.1f}"),
    ("bottleneck load", ("bottleneck",), "bottleneck"),
    ("work in progress, average (orders)", ("wip", "average"), "{:.1f}"),
    ("average inventory value (EUR)", ("average_inventory_value",), "{:,.0f}"),
    ("stock-outs (requirement lines stock could not cover)", ("stock_out_share",), "{:.1%}"),
    ("purchase orders (rejected)", ("purchase_orders",), "pos"),
    ("re-plans", ("replans",), "{:d}"),
    ("run time (s)", ("wall_seconds",), "{:.1f}"),
)


def build_report(
    scenario: Scenario, results: dict[str, SimulationResult], sweep: dict[str, Any] | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """The report as plain data: scenario, figures per policy, the sweep and the targets."""
    policies = {name: figures(result) for name, result in results.items()}
    return {
        "scenario": {"name": scenario.name, "seed": scenario.seed, "start": scenario.start.isoformat(),
                     "horizon_days": scenario.horizon_days,
                     "orders": next(iter(policies.values()))["orders"] if policies else 0,
                     "policies": scenario.policies.model_dump(mode="json")},
        "command": command,
        "policies": policies,
        "sweep": sweep,
        "targets": [asdict(t) for t in check_targets(policies, sweep)],
    }


def deterministic(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what depends on the machine (run and solve times, the command line)."""
    out = json.loads(json.dumps(report))
    out.pop("command", None)
    for f in out["policies"].values():
        f.pop("wall_seconds", None)
        f.pop("solve_seconds", None)
    for point in (out.get("sweep") or {}).get("points", []):
        for f in point["policies"].values():
            f.pop("wall_seconds", None)
    out["targets"] = [t for t in out["targets"] if t["name"] != "run_time"]
    return out


def markdown(report: dict[str, Any], plots: list[str] | None = None) -> str:
    """The report in markdown: the side-by-side table, the targets in plain words, the sweep, the plots."""
    s, policies = report["scenario"], report["policies"]
    names = list(policies)
    lines = [f"# Promise report: {s['name']}", "",
             f"Seed {s['seed']}, {s['orders']} orders over {s['horizon_days']:g} plant days from {s['start']}."]
    if report.get("command"):
        lines += ["", f"Command: `{report['command']}`"]
    lines += ["", "## Targets", ""]
    for t in report["targets"]:
        mark = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        lines.append(f"- **{t['target']}** ({mark}): {t['words']}")
    lines += ["", "## Side by side", "", "| figure | " + " | ".join(names) + " |",
              "|---|" + "---|" * len(names)]
    for label, _, _ in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(policies[n], label) for n in names) + " |")
    lines += ["", "Utilisation per line (work done over the whole run per minute of the arrival horizon):", "",
              "| line | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for line in next(iter(policies.values()))["utilisation"] if policies else {}:
        lines.append(f"| {line} | " + " | ".join(f"{policies[n]['utilisation'][line]:.0%}" for n in names) + " |")
    lines += ["", "Promise error (delivered minus promised, days):", "", "| bin | " + " | ".join(names) + " |",
              "|---|" + "---|" * len(names)]
    for label in next(iter(policies.values()))["promise_error_days"]["histogram"] if policies else {}:
        lines.append(f"| {label} | " + " | ".join(
            str(policies[n]["promise_error_days"]["histogram"][label]) for n in names) + " |")
    sweep = report.get("sweep")
    if sweep:
        lines += ["", "## Load sweep", "", f"Bottleneck: {sweep['bottleneck']}, loads calibrated on the "
                  f"{sweep.get('calibrated_on', 'first')} policy. Each point runs the same scenario with more or "
                  "fewer orders over the same horizon; the loads shown are measured per policy.", "",
                  "| target load | orders | " + " | ".join(f"{n} load | {n} on time | {n} promised p50 | "
                                                          f"{n} actual p50" for n in names) + " |",
                  "|---|---|" + "---|---|---|---|" * len(names)]
        for p in sweep["points"]:
            cells = []
            for n in names:
                f = p["policies"].get(n)
                cells += ["-"] * 4 if f is None else [
                    f"{f['bottleneck_load']:.0%}", f"{f['on_time_share']:.1%}",
                    _num(f["promised_lead_days"]["p50"]), _num(f["actual_lead_days"]["p50"])]
            lines.append(f"| {p['target_load']:.0%} | {p['orders']} | " + " | ".join(cells) + " |")
    if plots:
        lines += ["", "## Plots", ""] + [f"![{Path(p).stem}]({Path(p).name})" for p in plots]
    return "\n".join(lines) + "\n"


def cell(f: dict[str, Any], label: str) -> str:
    """One figure of the side-by-side table, formatted."""
    _, path, fmt = next(r for r in ROWS if r[0] == label)
    value: Any = f
    for key in path:
        value = value[key]
    if fmt == "errors":
        return " / ".join(_num(value[k]) for k in ("p10", "p50", "p90"))
    if fmt == "bottleneck":
        return f"{value['line']} {value['utilisation']:.0%}"
    if fmt == "pos":
        return f"{value} ({f['rejected_purchase_orders']})"
    return "-" if value is None else fmt.format(value)


def write_report(report: dict[str, Any], results: dict[str, SimulationResult], out: Path) -> list[Path]:
    """Write report.json, the plots and report.md under ``out``; the paths written."""
    from orchestrator.simulation.plots import write_plots

    out.mkdir(parents=True, exist_ok=True)
    plots = write_plots(report, results, out)
    json_path = out / "report.json"
    json_path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    md_path = out / "report.md"
    md_path.write_text(markdown(report, [str(p) for p in plots]), encoding="utf-8")
    return [md_path, json_path, *plots]


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
