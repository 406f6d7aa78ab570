"""The worker's own metrics, recorded on the Temporal runtime's meter so they share the SDK's ``/metrics``.

Activities take the meter from :func:`temporalio.activity.metric_meter` (it carries the namespace, task
queue and activity type); outside an activity the meter is a no-op. Histograms of the Temporal runtime
default to millisecond buckets: :data:`HISTOGRAM_BUCKETS` gives ours their own, in seconds, and must be
passed to the runtime's Prometheus exporter (``orchestrator.temporal_client.metrics_runtime`` does).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from temporalio import activity
from temporalio.common import MetricMeter

from orchestrator.clock import PlantClock

LINE_EVENT_LAG = "c2m_line_event_lag_seconds"
SUPPLIER_CALLS = "c2m_supplier_calls_total"

#: Bucket bounds of the worker's histograms, by metric name (seconds).
HISTOGRAM_BUCKETS: dict[str, list[float]] = {
    LINE_EVENT_LAG: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0],
}


def current_meter() -> MetricMeter:
    """The running activity's meter, or a no-op meter outside activities (unit tests, scripts)."""
    return activity.metric_meter() if activity.in_activity() else MetricMeter.noop


class Stamped(Protocol):
    """A trail row with the plant time its line event was observed."""

    @property
    def plant_time(self) -> datetime:
        """When the line event behind the row happened (plant time)."""
        ...


class LineEventLag:
    """Records, for each trail row written, the wall seconds since its line event was observed.

    The event's time is stamped by the line status source when the change arrives (plant time, turned back
    into wall time with the plant clock); the lag is what the monitor adds: queueing, coalescing of progress
    rows, translation and the database commit.
    """

    def __init__(self, meter: MetricMeter, clock: PlantClock, line: str) -> None:
        self.clock = clock
        self.histogram = meter.with_additional_attributes({"line": line}).create_histogram_float(
            LINE_EVENT_LAG, "Wall seconds from a line event's observation to its trail row's commit", "s")

    def __call__(self, rows: Iterable[Stamped]) -> None:
        """Record the lag of ``rows``, just committed."""
        now = time.time()
        for row in rows:
            self.histogram.record(max(0.0, now - self.clock.wall_at(row.plant_time)))
