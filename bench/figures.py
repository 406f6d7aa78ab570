"""What every benchmark returns: figures (repeated samples, a same-run baseline, a target) and plot series.

The report (``bench/report.py``) turns these into markdown, JSON and PNG plots; benchmarks only measure.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured quantity over repeated runs, optionally beside a baseline measured in the same run.

    ``higher_is_better`` says how to read the ratio; ``target`` is a plain-words goal (e.g. "p99 < 250 ms")
    and ``met`` whether the median reached it (``None``: no target).
    """

    name: str
    unit: str
    samples: list[float]
    baseline: list[float] | None = None
    baseline_name: str = ""
    higher_is_better: bool = True
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def spread(self) -> float:
        """Half the range of the samples (0 for a single run): the report prints median ± spread."""
        return (max(self.samples) - min(self.samples)) / 2 if len(self.samples) > 1 else 0.0

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        """Our median over the baseline's median (None without a baseline)."""
        base = self.baseline_median
        if base is None or base == 0:
            return None
        return self.median / base

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "median": self.median, "spread": self.spread,
                "baseline_median": self.baseline_median, "ratio": self.ratio}


@dataclass
class Series:
    """A line on a plot: ``y`` against ``x`` (the report draws one PNG per ``plot`` name)."""

    plot: str
    label: str
    x: list[float]
    y: list[float]
    xlabel: str
    ylabel: str


@dataclass
class BenchResult:
    """A benchmark's outcome: its figures, its plot series and plain-words notes (e.g. a missed target)."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "figures": [f.as_json() for f in self.figures],
                "series": [asdict(s) for s in self.series], "notes": self.notes}
