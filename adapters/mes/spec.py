"""The ``b2mml-http`` MES adapter as a plug-in: its settings and its factory.

Registered in the ``c2m.adapters.mes`` entry point group; the deployment's settings name it
(``C2M_MES_ADAPTER``, settings in ``C2M_MES_ADAPTER_SETTINGS`` as JSON).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.mes import MesPort


class B2mmlHttpSettings(BaseModel):
    """Where the MES's B2MML API lives; ``endpoint`` ``None``: the MES the deployment runs (``C2M_MES_URL``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str | None = Field(default=None, description="the MES's root URL, e.g. http://mes:8101")
    timeout: float = Field(default=10.0, gt=0, description="seconds per request")
    connect_timeout: float = Field(default=3.0, gt=0, description="seconds to connect")

    @field_validator("endpoint")
    @classmethod
    def _http(cls, endpoint: str | None) -> str | None:
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return endpoint


def _build(settings: B2mmlHttpSettings, context: AdapterContext) -> MesPort:
    from adapters.mes.http import HttpMesAdapter

    endpoint = settings.endpoint or context.default_endpoint
    if endpoint is None:
        raise ValueError("the b2mml-http MES adapter needs an endpoint")
    return HttpMesAdapter(endpoint, timeout=settings.timeout, connect_timeout=settings.connect_timeout,
                          journal=context.journal)


B2MML_HTTP: AdapterSpec[B2mmlHttpSettings] = AdapterSpec(
    name="b2mml-http", kind=AdapterKind.MES, settings=B2mmlHttpSettings, build=_build,
    summary="B2MML job orders over HTTP (the bundled MES simulator's API)",
)
