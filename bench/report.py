"""The bench report: ``report.md`` (a table per benchmark), ``results.json`` and a PNG per plot.

Every figure is printed as median ± spread over repeated runs, beside the baseline measured in the same
run and the ratio to it; a missed target is said in plain words at the top and under its benchmark. A
benchmark that failed gets the end of its traceback instead of a table.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import BenchResult, Figure, Series

DEFAULT_OUT = Path(__file__).resolve().parent / "reports"


@dataclass
class Outcome:
    """One benchmark's run: its result, or the error that stopped it, and how long it took."""

    name: str
    seconds: float
    result: BenchResult | None = None
    error: str | None = None
    load: float | None = None  # the machine's 1-minute load average when it started


def number(value: float | None) -> str:
    """A figure with as many digits as its size deserves; '–' for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def verdict(figure: Figure) -> str:
    """✔ met, ✘ missed, – no target."""
    return "–" if figure.met is None else ("✔" if figure.met else "✘")


def missed(name: str, result: BenchResult) -> list[str]:
    """A plain sentence for every figure of ``result`` that misses its target."""
    sentences = []
    for f in result.figures:
        if f.met is False:
            note = f" {f.note[:1].upper()}{f.note[1:]}{'' if f.note.endswith('.') else '.'}" if f.note else ""
            sentences.append(f"{result.title} ({name}): {f.name} is {number(f.median)} {f.unit}, but the target is "
                             f"{f.target}.{note}")
    return sentences


def machine() -> dict[str, Any]:
    """The facts of the machine a reader needs to compare reports."""
    return {"cores": os.cpu_count(), "python": platform.python_version(), "implementation": sys.implementation.name,
            "system": f"{platform.system()} {platform.release()} {platform.machine()}",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def plot_file(plot: str) -> str:
    """The PNG file name of a plot."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", plot).strip("_") + ".png"


def _figure_row(f: Figure) -> str:
    ratio = "–" if f.ratio is None else f"{f.ratio:.2f}×"
    baseline = "–" if f.baseline_median is None else f"{number(f.baseline_median)} ({f.baseline_name or 'baseline'})"
    cells = [f.name, f"{number(f.median)} ± {number(f.spread)}", f.unit, baseline, ratio, f.target or "–",
             verdict(f), f.note]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _load(outcome: Outcome) -> str:
    return "" if outcome.load is None else f", load average {outcome.load:.1f} at its start"


def _section(outcome: Outcome) -> list[str]:
    if outcome.result is None:
        return [f"## {outcome.name}: FAILED after {outcome.seconds:.0f} s{_load(outcome)}", "",
                "The benchmark stopped with an error; the other benchmarks ran. The error and the code that led "
                "to it:", "",
                "```", (outcome.error or "no traceback").rstrip(), "```", ""]
    result = outcome.result
    lines = [f"## {result.title} ({outcome.name}, {outcome.seconds:.0f} s{_load(outcome)})", "",
             "| figure | median ± spread | unit | baseline median | ratio | target | met | note |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [_figure_row(f) for f in result.figures]
    lines.append("")
    sentences = missed(outcome.name, result)
    if sentences:
        lines += [f"- **Target missed.** {s}" for s in sentences] + [""]
    lines += [f"- {note}" for note in result.notes]
    if result.notes:
        lines.append("")
    for plot in dict.fromkeys(s.plot for s in result.series):
        lines += [f"![{plot}]({plot_file(plot)})", ""]
    return lines


def markdown(outcomes: list[Outcome], quick: bool, facts: dict[str, Any]) -> str:
    """The whole report as markdown."""
    lines = ["# c2m benchmark report", "",
             f"Measured {facts['date']} on {facts['cores']} cores ({facts['system']}), Python {facts['python']}, "
             f"{'quick mode (fewer repeats, shorter runs)' if quick else 'full mode'}. Every figure is the median "
             "± half the range over repeated runs; the ratio is the median over the baseline's median, both "
             "measured in the same run on the same servers. A load average above the core count means other "
             "work competed for the CPU: latencies then include waiting for a core.", ""]
    failed = [o.name for o in outcomes if o.result is None]
    sentences = [s for o in outcomes if o.result for s in missed(o.name, o.result)]
    if failed:
        lines += [f"**Failed:** {', '.join(failed)} (see below); the other benchmarks ran.", ""]
    if sentences:
        lines += ["**Targets missed:**", "", *[f"- {s}" for s in sentences], ""]
    elif not failed:
        lines += ["Every figure with a target met it.", ""]
    for outcome in outcomes:
        lines += _section(outcome)
    return "\n".join(lines)


def _finite(value: Any) -> Any:
    """JSON has no NaN: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def draw(plot: str, series: list[Series], path: Path) -> None:
    """One PNG with every series of ``plot`` (matplotlib, Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    try:
        for s in series:
            ax.plot(s.x, s.y, marker="o", markersize=3, label=s.label)
        ax.set_xlabel(series[0].xlabel)
        ax.set_ylabel(series[0].ylabel)
        ax.set_title(plot.replace("_", " "))
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def write_report(outcomes: list[Outcome], out: Path = DEFAULT_OUT, quick: bool = False) -> Path:
    """Write ``report.md``, ``results.json`` and the plots into ``out``; returns the markdown's path."""
    out.mkdir(parents=True, exist_ok=True)
    facts = machine()
    plots: dict[str, list[Series]] = defaultdict(list)
    for outcome in outcomes:
        for s in outcome.result.series if outcome.result else []:
            plots[s.plot].append(s)
    for plot, series in plots.items():
        draw(plot, series, out / plot_file(plot))
    document = {"machine": facts, "quick": quick,
                "benchmarks": {o.name: {"seconds": round(o.seconds, 1), "load_average": o.load, "error": o.error,
                                        "result": o.result.as_json() if o.result else None} for o in outcomes}}
    (out / "results.json").write_text(json.dumps(_finite(document), indent=2, default=str), encoding="utf-8")
    path = out / "report.md"
    path.write_text(markdown(outcomes, quick, facts), encoding="utf-8")
    return path


def text(result: BenchResult) -> str:
    """A benchmark's figures as a plain text table (what a module run alone prints)."""
    rows = [result.title, f"{'figure':<52}{'median ± spread':>22}  {'unit':<8}{'baseline':>12}{'ratio':>8}  target"]
    for f in result.figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
        target = f"{f.target} {verdict(f)}" if f.target else ""
        rows.append(f"{f.name[:51]:<52}{number(f.median) + ' ± ' + number(f.spread):>22}  {f.unit[:8]:<8}"
                    f"{number(f.baseline_median):>12}{ratio:>8}  {target}")
    rows += [f"  {note}" for note in result.notes]
    return "\n".join(rows)


def show(result: BenchResult) -> None:
    """Print ``result`` as a table, then as one JSON line (for scripts)."""
    print(text(result))
    print(json.dumps(_finite(result.as_json()), sort_keys=True))
