"""The report's plots (PNG, matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator.simulation.records import SimulationResult


def write_plots(report: dict[str, Any], results: dict[str, SimulationResult], out: Path) -> list[Path]:
    """Lead times, promise errors, work in progress, line loads and the load sweep; the files written."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    written = []

    def save(fig: Any, name: str) -> None:
        path = out / name
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in results.items():
        errors = sorted(o.error_days for o in r.orders if o.error_days is not None)
        ax.hist(errors, bins=30, alpha=0.5, label=name)
    ax.axvline(0, color="black", linewidth=1)
    ax.set(xlabel="delivered minus promised (days; right of 0 is late)", ylabel="orders", title="Promise error")
    ax.legend()
    save(fig, "promise_error.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in results.items():
        for attr, style in (("promised_lead_days", "--"), ("actual_lead_days", "-")):
            values = sorted(v for o in r.orders if (v := getattr(o, attr)) is not None)
            if values:
                ax.plot(values, [(i + 1) / len(values) for i in range(len(values))], style,
                        label=f"{name} {attr.split('_')[0]}")
    ax.set(xlabel="lead time (days)", ylabel="share of orders", title="Lead times: promised and actual")
    ax.legend()
    save(fig, "lead_times.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in results.items():
        if r.wip:
            ax.step([(t - r.start).total_seconds() / 86400 for t, _ in r.wip], [n for _, n in r.wip], where="post",
                    label=name)
    ax.set(xlabel="plant days from the start", ylabel="orders in the plant", title="Work in progress")
    ax.legend()
    save(fig, "wip.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(report["policies"])
    lines = list(next(iter(report["policies"].values()))["utilisation"]) if names else []
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        loads = report["policies"][name]["utilisation"]
        ax.bar([i + k * width for i in range(len(lines))], [loads[line] for line in lines], width, label=name)
    ax.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(lines))], lines)
    ax.set(ylabel="load (work / horizon)", title="Line loads")
    ax.legend()
    save(fig, "utilisation.png")

    sweep = report.get("sweep")
    if sweep:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
        for name in names:
            pts = [p["policies"][name] for p in sweep["points"] if name in p["policies"]]
            loads = [p["bottleneck_load"] for p in pts]
            left.plot(loads, [p["on_time_share"] for p in pts], "o-", label=name)
            right.plot(loads, [p["promised_lead_days"]["p50"] for p in pts], "o--", label=f"{name} promised p50")
            right.plot(loads, [p["actual_lead_days"]["p50"] for p in pts], "o-", label=f"{name} actual p50")
        left.set(xlabel=f"bottleneck load ({sweep['bottleneck']})", ylabel="delivered by the promised date",
                 title="On time vs load")
        right.set(xlabel=f"bottleneck load ({sweep['bottleneck']})", ylabel="days", title="Lead time vs load")
        left.legend()
        right.legend()
        save(fig, "sweep.png")
    return written
