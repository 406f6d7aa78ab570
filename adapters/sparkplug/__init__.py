"""MQTT Sparkplug B adapters: line status (:class:`SparkplugLineStatusSource`) and job control
(:class:`SparkplugLineControl`) for lines published as devices of a Sparkplug edge node.

Factories for a composition root or an adapter registry:

- :func:`make_line_status_source` (settings, line) -> a ``LineStatusSource``;
- :func:`open_line_status` (binding) -> the same, a ``LineStatusSourceFactory`` for plant-file
  bindings whose endpoint is ``mqtt://host:port/<group>/<edge node>[/<device>]``;
- :func:`make_line_control` (settings) -> a ``LineControl``.

See docs/sparkplug.md for the topics, metric names and rebirth rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from adapters.sparkplug.line_control import SparkplugLineControl
from adapters.sparkplug.line_status import SparkplugLineStatusSource
from adapters.sparkplug.metrics import metric_name
from adapters.sparkplug.settings import SparkplugSettings
from orchestrator.ports.lines import LineStatusBinding, LineStatusConfigError

__all__ = [
    "SparkplugLineControl",
    "SparkplugLineStatusSource",
    "SparkplugSettings",
    "make_line_control",
    "make_line_status_source",
    "open_line_status",
]


def make_line_status_source(
    settings: SparkplugSettings,
    line: str,
    *,
    known_completed: Iterable[str] | None = None,
    clock: Callable[[], datetime] | None = None,
    metrics: dict[str, str] | None = None,
    states: dict[str, int] | None = None,
) -> SparkplugLineStatusSource:
    """A new, not yet connected status source for ``line`` (``known_completed`` as in the factory contract)."""
    return SparkplugLineStatusSource(
        settings, line, metrics=metrics, states=states, known_completed=known_completed, clock=clock
    )


def open_line_status(
    binding: LineStatusBinding,
    *,
    known_completed: Iterable[str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> SparkplugLineStatusSource:
    """A ``LineStatusSourceFactory`` for plant-file bindings (adapter ``sparkplug``).

    The endpoint names the broker and the edge node (``mqtt://127.0.0.1:1883/c2m/plant``, the
    device defaulting to the line id, or ``.../c2m/plant/<device>``); the node mapping gives
    the metric names (c2m OPC UA node ids are read as their paths).
    """
    try:
        settings = SparkplugSettings.from_endpoint(binding.line, binding.endpoint)
    except ValueError as exc:
        raise LineStatusConfigError(f"line {binding.line}: {exc}") from None
    metrics = {field: metric_name(node) for field, node in binding.nodes.items()}
    return make_line_status_source(
        settings, binding.line, known_completed=known_completed, clock=clock, metrics=metrics,
        states=dict(binding.states),
    )


def make_line_control(settings: SparkplugSettings) -> SparkplugLineControl:
    """Job control over DCMD for the lines of the edge node in ``settings`` (connects on first use)."""
    return SparkplugLineControl(settings)
