"""Supplier adapters that differ from ``ubl-http`` only in how they read ASN webhooks, for the webhook tests.

- ``plain-text-asn``: its suppliers post ASNs as ``key=value`` lines (``asn``, ``po``, ``supplier``,
  ``item``, ``quantity``, ``shipped``, ``eta``), not as UBL JSON: a third party's own format.
- ``no-asn-reader``: offers no ``read_despatch_advice``; its suppliers' ASNs cannot be read.

:func:`asn_adapters_installed` registers them next to the installed adapters (as entry points would)
for the duration of a block, the way :mod:`tests.support.broken_adapters` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib.metadata import EntryPoint
from unittest import mock

from adapters.suppliers.spec import UBL_HTTP, UblHttpSettings
from orchestrator.integration import registry
from orchestrator.integration.spec import AdapterSpec
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.suppliers import DespatchAdvice, DespatchLine, SupplierProtocolError

_KEYS = ("asn", "po", "supplier", "item", "quantity", "shipped", "eta")


def plain_text_asn(asn: str, po: str, supplier: str, item: str, quantity: int, shipped: str, eta: str) -> bytes:
    """An ASN in the ``plain-text-asn`` format."""
    values = dict(zip(_KEYS, (asn, po, supplier, item, quantity, shipped, eta), strict=True))
    return "\n".join(f"{key}={value}" for key, value in values.items()).encode()


def read_plain_text_asn(body: bytes) -> DespatchAdvice:
    """The ``plain-text-asn`` reader: ``key=value`` lines, every key of the format required."""
    try:
        pairs = dict(line.split("=", 1) for line in body.decode().splitlines() if line.strip())
    except (UnicodeDecodeError, ValueError):
        raise SupplierProtocolError("?", "expected key=value lines") from None
    missing = [key for key in _KEYS if key not in pairs]
    if missing:
        raise SupplierProtocolError(pairs.get("supplier", "?"), f"missing {', '.join(missing)}")
    try:
        quantity = Decimal(pairs["quantity"])
        shipped, eta = datetime.fromisoformat(pairs["shipped"]), datetime.fromisoformat(pairs["eta"])
    except (InvalidOperation, ValueError) as exc:
        raise SupplierProtocolError(pairs["supplier"], f"unreadable quantity or time: {exc}") from None
    return DespatchAdvice(
        asn_id=pairs["asn"], po_id=pairs["po"], supplier=pairs["supplier"], shipped_at=shipped,
        estimated_delivery=eta, lines=(DespatchLine(line_id="1", item=pairs["item"], shipped_quantity=quantity,
                                                    unit="EA"),),
    )


PLAIN_TEXT: AdapterSpec[UblHttpSettings] = AdapterSpec(
    "plain-text-asn", AdapterKind.SUPPLIER, UblHttpSettings, UBL_HTTP.build,
    "ubl-http for orders; ASNs as key=value lines", read_despatch_advice=read_plain_text_asn)
NO_READER: AdapterSpec[UblHttpSettings] = AdapterSpec(
    "no-asn-reader", AdapterKind.SUPPLIER, UblHttpSettings, UBL_HTTP.build, "ubl-http for orders; reads no ASNs")

_GROUP = registry.ENTRY_POINT_GROUPS[AdapterKind.SUPPLIER]
_ENTRY_POINTS = [EntryPoint(PLAIN_TEXT.name, f"{__name__}:PLAIN_TEXT", _GROUP),
                 EntryPoint(NO_READER.name, f"{__name__}:NO_READER", _GROUP)]


@contextmanager
def asn_adapters_installed() -> Iterator[None]:
    """Within the block, the registry finds these adapters next to the installed ones."""
    real = registry.entry_points

    def with_ours(*, group: str) -> list[EntryPoint]:
        return [*real(group=group), *(_ENTRY_POINTS if group == _GROUP else [])]

    registry.forget()
    with mock.patch.object(registry, "entry_points", with_ours):
        try:
            yield
        finally:
            registry.forget()
