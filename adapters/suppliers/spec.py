"""The ``ubl-http`` supplier adapter as a plug-in: its settings and its factory.

Registered in the ``c2m.adapters.suppliers`` entry point group; the default adapter of every supplier
in the supplier file. The factory puts each supplier's adapter on the context's shared client and,
with a journal, records that supplier's exchanges on it. Its reader reads the suppliers' ASN webhooks
(UBL DespatchAdvice as JSON).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.suppliers import DespatchAdvice, SupplierPort


class UblHttpSettings(BaseModel):
    """One supplier's SCM endpoint; ``None``: ``<C2M_SUPPLIERS_URL>/suppliers/<id>`` (the simulator's layout)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str | None = Field(default=None, description="the supplier's base URL, e.g. https://scm.acme/c2m")

    @field_validator("endpoint")
    @classmethod
    def _http(cls, endpoint: str | None) -> str | None:
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return endpoint


def _build(settings: UblHttpSettings, context: AdapterContext) -> SupplierPort:
    from adapters.http_journal import endpoint_by_prefix, install_journal_hooks
    from adapters.suppliers.http import HttpSupplierAdapter

    base_url = settings.endpoint or context.default_endpoint
    if base_url is None:
        raise ValueError(f"supplier {context.target!r}: the ubl-http adapter needs an endpoint")
    if context.http is not None and context.journal is not None:
        install_journal_hooks(context.http, context.journal, AdapterKind.SUPPLIER,
                              endpoint_by_prefix({context.target: base_url}))
    return HttpSupplierAdapter(context.target, base_url, client=context.http)


def _read_despatch_advice(body: bytes) -> DespatchAdvice:
    from adapters.suppliers.ubl_read import parse_despatch_advice

    return parse_despatch_advice(body)


UBL_HTTP: AdapterSpec[UblHttpSettings] = AdapterSpec(
    name="ubl-http", kind=AdapterKind.SUPPLIER, settings=UblHttpSettings, build=_build,
    summary="UBL-shaped JSON documents over HTTP (RFQ, order, status, cancel)",
    read_despatch_advice=_read_despatch_advice,
)
