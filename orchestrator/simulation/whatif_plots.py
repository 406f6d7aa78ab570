"""The what-if report's plots (PNG, matplotlib): lead times and line utilisation, baseline beside variant.

Drawn on :class:`matplotlib.figure.Figure` directly (no pyplot), so it is safe off the main thread and
needs no display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

COLOURS = {"baseline": "#4c72b0", "variant": "#dd8452"}


def write_plots(report: dict[str, Any], folder: Path) -> list[str]:
    """Write each policy's plots into ``folder``; returns their names (file names without ``.png``)."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for policy in report["policies"]:
        name = f"{policy}-lead-times"
        _lead_times(report["lead_times"][policy], policy).savefig(folder / f"{name}.png", dpi=110)
        names.append(name)
        name = f"{policy}-utilisation"
        _utilisation(report["figures"][policy], policy).savefig(folder / f"{name}.png", dpi=110)
        names.append(name)
    return names


def _lead_times(sides: dict[str, dict[str, list[float]]], policy: str) -> Figure:
    """Share of orders delivered within N days (solid) and promised within N days (dashed)."""
    fig = Figure(figsize=(6.4, 3.8), layout="constrained")
    ax = fig.subplots()
    for side, data in sides.items():
        for kind, style in (("actual", "-"), ("promised", "--")):
            values = sorted(data[kind])
            if not values:
                continue
            shares = [(n + 1) / len(values) for n in range(len(values))]
            ax.step(values, shares, style, where="post", color=COLOURS.get(side), label=f"{side}: {kind}")
    ax.set_xlabel("lead time (plant days)")
    ax.set_ylabel("share of orders")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Lead times, {policy} policy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _utilisation(sides: dict[str, dict[str, Any]], policy: str) -> Figure:
    """Each line's load (work done per minute of the arrival horizon), baseline and variant side by side."""
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    lines = list(dict.fromkeys(line for figures in sides.values() for line in figures["utilisation"]))
    width = 0.8 / max(1, len(sides))
    for n, (side, figures) in enumerate(sides.items()):
        xs = [i + n * width for i in range(len(lines))]
        ys = [100 * (figures["utilisation"].get(line) or 0.0) for line in lines]
        ax.bar(xs, ys, width, color=COLOURS.get(side), label=side)
    ax.axhline(100, color="#888", linewidth=0.8, linestyle=":")
    ax.set_xticks([i + width * (len(sides) - 1) / 2 for i in range(len(lines))], lines)
    ax.set_ylabel("load (% of the horizon)")
    ax.set_title(f"Line load, {policy} policy")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return fig
