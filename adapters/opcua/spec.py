"""The ``opcua`` line adapter as a plug-in: its settings (a line's ``status:`` block) and its factory.

Registered in the ``c2m.adapters.lines`` entry point group. The settings are the keys of ``status:``
in the plant file besides ``adapter`` (docs/plant.md, "Node mapping"), plus two tuning knobs. Its
control calls the c2m job methods (``Machines/<Line>/StoreAndStart``...) on the line's server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import LineControl, LineStatusBinding, LineStatusSource, LineStatusSourceFactory


class OpcUaLineSettings(BaseModel):
    """A line's OPC UA status settings; ``endpoint`` ``None``: the deployment's plant simulator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str | None = Field(default=None, description="opc.tcp://host:port/ of the line's server")
    convention: Literal["c2m", "none"] = "c2m"
    namespace_index: int = Field(default=2, ge=0)
    nodes: dict[str, str | None] = Field(default_factory=dict)
    states: dict[str, int | str] = Field(default_factory=dict)
    publishing_interval_ms: float = Field(default=50.0, gt=0, description="the subscription's publishing interval")
    down_after: float = Field(default=10.0, gt=0, description="seconds of failed reconnecting before 'down'")

    @field_validator("endpoint")
    @classmethod
    def _opc_tcp(cls, endpoint: str | None) -> str | None:
        if endpoint is not None and not endpoint.startswith("opc.tcp://"):
            raise ValueError("expected an opc.tcp:// URL")
        return endpoint


def _build(settings: OpcUaLineSettings, context: AdapterContext) -> LineStatusSourceFactory:
    from adapters.opcua.line_status import OpcUaLineStatusSource

    def open_source(binding: LineStatusBinding, *, known_completed: Iterable[str] | None = None) -> LineStatusSource:
        return OpcUaLineStatusSource(
            binding, known_completed=known_completed, clock=context.clock, journal=context.journal,
            publishing_interval_ms=settings.publishing_interval_ms, down_after=settings.down_after,
        )

    return open_source


def _control(settings: OpcUaLineSettings, context: AdapterContext) -> LineControl:
    from adapters.opcua.line_control import OpcUaLineControl

    endpoint = settings.endpoint or context.default_endpoint
    if not endpoint:
        raise ValueError(f"line {context.target}: the opcua adapter needs an endpoint to send commands to")
    return OpcUaLineControl(endpoint)


OPCUA_LINES: AdapterSpec[OpcUaLineSettings] = AdapterSpec(
    name="opcua", kind=AdapterKind.LINE, settings=OpcUaLineSettings, build=_build,
    summary="line status over an OPC UA subscription (c2m node convention or a node mapping)",
    control=_control,
)
