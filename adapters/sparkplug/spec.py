"""The ``sparkplug`` line adapter as a plug-in: its settings (a line's ``status:`` block) and its factory.

Meant for the ``c2m.adapters.lines`` entry point group (``sparkplug =
"adapters.sparkplug.spec:SPARKPLUG_LINES"``). A line's ``status:`` block names the edge node in its
endpoint and may map metrics like the OPC UA adapter maps nodes::

    status: {adapter: sparkplug, endpoint: "mqtt://127.0.0.1:1883/c2m/plant"}   # device = line id

Its control sends job commands to the line's device as DCMD (docs/sparkplug.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import LineControl, LineStatusBinding, LineStatusSource, LineStatusSourceFactory


class SparkplugLineSettings(BaseModel):
    """A line's Sparkplug status settings (the keys of ``status:`` besides ``adapter``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str = Field(description="mqtt://host:port/<group id>/<edge node id>[/<device id>]")
    convention: Literal["c2m", "none"] = "c2m"
    namespace_index: int = Field(default=2, ge=0, description="kept for plant files shared with OPC UA lines")
    nodes: dict[str, str | None] = Field(default_factory=dict, description="our field -> metric name")
    states: dict[str, int | str] = Field(default_factory=dict)
    rebirth_every: float = Field(default=3.0, gt=0, description="seconds between rebirth requests while unborn")
    down_after: float = Field(default=10.0, gt=0, description="seconds without the line before 'down'")
    keepalive: int = Field(default=10, ge=1, le=600, description="MQTT keepalive, seconds")

    @field_validator("endpoint")
    @classmethod
    def _mqtt(cls, endpoint: str) -> str:
        if not endpoint.startswith(("mqtt://", "tcp://")):
            raise ValueError("expected an mqtt:// URL like mqtt://127.0.0.1:1883/c2m/plant")
        return endpoint


def _build(settings: SparkplugLineSettings, context: AdapterContext) -> LineStatusSourceFactory:
    from adapters.sparkplug import SparkplugLineStatusSource, SparkplugSettings
    from adapters.sparkplug.metrics import metric_name
    from orchestrator.ports.lines import LineStatusConfigError

    def open_source(binding: LineStatusBinding, *, known_completed: Iterable[str] | None = None) -> LineStatusSource:
        try:
            where = SparkplugSettings.from_endpoint(binding.line, binding.endpoint)
        except ValueError as exc:
            raise LineStatusConfigError(f"line {binding.line}: {exc}") from None
        tuned = where.model_copy(update={
            "rebirth_every": settings.rebirth_every, "down_after": settings.down_after,
            "keepalive": settings.keepalive,
        })
        return SparkplugLineStatusSource(
            tuned, binding.line, metrics={f: metric_name(n) for f, n in binding.nodes.items()},
            states=dict(binding.states), known_completed=known_completed, clock=context.clock,
        )

    return open_source


def _control(settings: SparkplugLineSettings, context: AdapterContext) -> LineControl:
    from adapters.sparkplug import SparkplugSettings, make_line_control

    where = SparkplugSettings.from_endpoint(context.target, settings.endpoint)  # ValueError names the problem
    return make_line_control(where.model_copy(update={"keepalive": settings.keepalive}))


SPARKPLUG_LINES: AdapterSpec[SparkplugLineSettings] = AdapterSpec(
    name="sparkplug", kind=AdapterKind.LINE, settings=SparkplugLineSettings, build=_build,
    summary="line status over MQTT Sparkplug B (births, DDATA, rebirth on seq gaps)",
    control=_control,
)
