"""Supplier adapters: implementations of :class:`orchestrator.ports.suppliers.SupplierPort`.

``HttpSupplierAdapter`` speaks UBL-shaped JSON to one supplier's SCM endpoint over HTTP;
``HttpSupplierDirectory`` holds every configured supplier on one shared client;
``parse_despatch_advice`` reads the body of an ASN webhook (verify its signature first with
:func:`orchestrator.webhooks.verify`).
"""

from adapters.suppliers.directory import HttpSupplierDirectory, SupplierEndpoint, load_supplier_endpoints
from adapters.suppliers.http import HttpSupplierAdapter
from adapters.suppliers.ubl_read import parse_despatch_advice

__all__ = [
    "HttpSupplierAdapter",
    "HttpSupplierDirectory",
    "SupplierEndpoint",
    "load_supplier_endpoints",
    "parse_despatch_advice",
]
