"""Small statistics the benchmarks share: percentiles, repeat windows and latency distribution curves."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.figures import Series

CURVE_PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(len(ordered), rank) - 1]


def windows(pairs: Sequence[tuple[float, float]], count: int) -> list[list[float]]:
    """Values of ``(time, value)`` pairs split into ``count`` consecutive windows of equal size by time.

    Repeating a measurement on the same running servers: each window is one run, so a figure gets a
    median and spread over runs without paying the start-up again.
    """
    ordered = [value for _, value in sorted(pairs)]
    if not ordered:
        return []
    count = max(1, min(count, len(ordered)))
    size = len(ordered) / count
    return [ordered[round(i * size):round((i + 1) * size)] for i in range(count)]


def per_window(chunks: Sequence[Sequence[float]], p: float, scale: float = 1.0) -> list[float]:
    """The ``p``-th percentile of each window, times ``scale`` (e.g. 1000 for seconds to ms)."""
    return [percentile(chunk, p) * scale for chunk in chunks if chunk]


def curve(plot: str, label: str, values: Sequence[float], unit: str, scale: float = 1.0) -> Series:
    """A latency distribution as a plot line: value at each of :data:`CURVE_PERCENTILES`."""
    xs = [p for p in CURVE_PERCENTILES if values]
    return Series(plot=plot, label=label, x=list(xs), y=[percentile(values, p) * scale for p in xs],
                  xlabel="percentile", ylabel=unit)
