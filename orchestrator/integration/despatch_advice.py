"""Which adapter reads a supplier's ASN webhook: the ``read_despatch_advice`` of the supplier's adapter.

Each supplier in the supplier file names its adapter; the adapter's spec may offer a reader that turns
the webhook's body into our :class:`~orchestrator.ports.suppliers.DespatchAdvice`. A webhook posted to a
supplier's own URL is read by that supplier's adapter (:func:`read_for_supplier`). One posted to the
shared URL names its supplier only inside the document, so :func:`read_for_document` reads it with the
installed readers until one yields a supplier, and then lets that supplier's adapter decide; documents
of suppliers that are not configured are read by the default adapter's reader (``ubl-http``), found
through the registry like any other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from orchestrator.integration.registry import BadAdapter, UnknownAdapter, spec
from orchestrator.integration.spec import AdapterSpec
from orchestrator.integration.suppliers import DEFAULT_ADAPTER, SupplierConfig
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.suppliers import DespatchAdvice, SupplierProtocolError

DespatchAdviceReader = Callable[[bytes], DespatchAdvice]


class NoDespatchAdviceReader(LookupError):
    """The supplier's adapter offers no ``read_despatch_advice``, so its ASN webhooks cannot be read."""

    def __init__(self, adapter: str, supplier_id: str | None = None) -> None:
        self.adapter, self.supplier_id = adapter, supplier_id
        whose = f"supplier {supplier_id!r} uses the supplier adapter {adapter!r}, which" if supplier_id else \
            f"the supplier adapter {adapter!r}"
        super().__init__(
            f"{whose} cannot read despatch advices (its spec has no read_despatch_advice): its suppliers' ASNs "
            "are learnt from the PO status only; give the adapter a reader to accept their webhooks"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class SupplierMismatch(ValueError):
    """The document names another supplier than the one whose URL it was posted to."""

    def __init__(self, posted_to: str, asn: DespatchAdvice) -> None:
        self.posted_to, self.asn = posted_to, asn
        super().__init__(
            f"despatch advice {asn.asn_id} names supplier {asn.supplier!r} but was posted to the URL of "
            f"supplier {posted_to!r}; post it to /api/webhooks/suppliers/{asn.supplier}/despatch-advice"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def reader_of(adapter: AdapterSpec[Any], supplier_id: str | None = None) -> DespatchAdviceReader:
    """The adapter's reader (:class:`NoDespatchAdviceReader` when it has none)."""
    if adapter.read_despatch_advice is None:
        raise NoDespatchAdviceReader(adapter.name, supplier_id)
    return adapter.read_despatch_advice


def read_for_supplier(config: SupplierConfig, body: bytes) -> DespatchAdvice:
    """``body`` read by ``config``'s adapter, refused unless it names that supplier.

    Raises :class:`NoDespatchAdviceReader`, :class:`~orchestrator.ports.suppliers.SupplierProtocolError`
    (not a readable despatch advice) or :class:`SupplierMismatch`.
    """
    asn = reader_of(config.spec, config.supplier_id)(body)
    if asn.supplier != config.supplier_id:
        raise SupplierMismatch(config.supplier_id, asn)
    return asn


def read_for_document(configs: Mapping[str, SupplierConfig], body: bytes) -> DespatchAdvice:
    """``body`` read by the adapter of the supplier it names (see the module).

    The default adapter's reader is tried first, then each other configured adapter's; the first that
    reads the document names the supplier. When that supplier is configured with another adapter, its
    adapter reads the body again and its reading counts. Raises :class:`NoDespatchAdviceReader` (the
    named supplier's adapter has no reader) or ``SupplierProtocolError`` (no reader can read it; the
    default reader's complaint is given).
    """
    candidates = _readable_adapters(configs)
    if not candidates:
        raise SupplierProtocolError("?", f"no installed supplier adapter reads despatch advices (not even "
                                         f"{DEFAULT_ADAPTER!r}); use the supplier's own webhook URL")
    first_problem: SupplierProtocolError | None = None
    for adapter in candidates:
        try:
            asn = reader_of(adapter)(body)
        except SupplierProtocolError as exc:
            first_problem = first_problem or exc
            continue
        config = configs.get(asn.supplier)
        if config is None or config.spec.name == adapter.name:
            return asn
        return read_for_supplier(config, body)
    assert first_problem is not None
    raise first_problem


def _readable_adapters(configs: Mapping[str, SupplierConfig]) -> list[AdapterSpec[Any]]:
    """The default adapter (when installed), then every other configured adapter, each once, with a reader."""
    found: dict[str, AdapterSpec[Any]] = {}
    with contextlib.suppress(UnknownAdapter, BadAdapter):  # not installed: the configured ones may still read it
        found[DEFAULT_ADAPTER] = spec(AdapterKind.SUPPLIER, DEFAULT_ADAPTER)
    for config in configs.values():
        found.setdefault(config.spec.name, config.spec)
    return [adapter for adapter in found.values() if adapter.read_despatch_advice is not None]
