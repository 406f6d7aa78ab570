"""Supplier SCM endpoints over HTTP (httpx), speaking the UBL-shaped JSON of ``ubl.py``.

One :class:`HttpSupplierAdapter` per supplier implements :class:`SupplierPort`; an
:class:`HttpSupplierDirectory` holds the adapters of a deployment on one shared ``AsyncClient``
(connection reuse). Every call has a timeout; transport failures, timeouts and 5xx raise
:class:`SupplierUnavailable`, so the caller retries (``place_order`` with the same idempotency key).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from adapters.suppliers.ubl import encode, order_document, rfq_document
from adapters.suppliers.ubl_read import ack_from, parse_despatch_advice, quote_from, status_from
from orchestrator.ports.suppliers import (
    CancelRefused,
    IdempotencyConflict,
    PurchaseOrder,
    PurchaseOrderAck,
    PurchaseOrderNotFound,
    PurchaseOrderStatus,
    Quote,
    QuoteRequest,
    SupplierError,
    SupplierProtocolError,
    SupplierRejected,
    SupplierUnavailable,
)

__all__ = ["DEFAULT_TIMEOUT", "HttpSupplierAdapter", "parse_despatch_advice"]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16)
_RETRYABLE_4XX = {408, 425, 429}

ErrorFactory = Callable[[str], SupplierError]


def new_client(timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """An AsyncClient suited to supplier calls (timeouts, pooled keep-alive connections)."""
    return httpx.AsyncClient(
        timeout=timeout, limits=DEFAULT_LIMITS, headers={"Accept": "application/json", "User-Agent": "c2m"}
    )


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        return detail if isinstance(detail, str) else json.dumps(detail)[:500]
    return json.dumps(body)[:500]


class HttpSupplierAdapter:
    """One supplier's SCM endpoint at ``base_url`` (e.g. ``http://127.0.0.1:8102/suppliers/acme``).

    Pass a shared ``client`` to reuse connections across suppliers; otherwise the adapter owns one
    and closes it in :meth:`aclose`.
    """

    def __init__(
        self,
        supplier_id: str,
        base_url: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        buyer_id: str = "c2m",
        buyer_name: str = "C2M factory",
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"supplier {supplier_id!r}: endpoint {base_url!r} must start with http:// or https://")
        self._supplier_id = supplier_id
        self.base_url = base_url.rstrip("/")
        self._client = client or new_client(timeout)
        self._owns_client = client is None
        self.buyer_id = buyer_id
        self.buyer_name = buyer_name

    @property
    def supplier_id(self) -> str:
        """The supplier this adapter talks to."""
        return self._supplier_id

    async def aclose(self) -> None:
        """Close the HTTP client if this adapter owns it."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> HttpSupplierAdapter:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def request_quote(self, request: QuoteRequest) -> Quote:
        """POST a RequestForQuotation, read the Quotation."""
        doc = await self._call("POST", "/rfqs", body=encode(rfq_document(request, self.buyer_id, self.buyer_name)))
        return quote_from(doc, self._supplier_id, request)

    async def place_order(self, po: PurchaseOrder, idempotency_key: str) -> PurchaseOrderAck:
        """POST an Order with the Idempotency-Key, read the OrderResponse (AP, CA or RE)."""
        if not idempotency_key:
            raise ValueError(f"purchase order {po.po_id!r}: an idempotency key is required")
        if po.supplier != self._supplier_id:
            raise ValueError(
                f"purchase order {po.po_id!r} is for supplier {po.supplier!r}, not {self._supplier_id!r}"
            )
        doc = await self._call(
            "POST", "/purchase-orders", body=encode(order_document(po)),
            headers={"Idempotency-Key": idempotency_key},
            on_conflict=lambda detail: IdempotencyConflict(self._supplier_id, detail),
        )
        ack = ack_from(doc, self._supplier_id)
        if ack.po_id != po.po_id:
            raise SupplierProtocolError(
                self._supplier_id, f"OrderResponse refers to PO {ack.po_id!r}, but {po.po_id!r} was placed"
            )
        return ack

    async def cancel_order(self, po_id: str, reason: str | None = None) -> PurchaseOrderStatus:
        """POST .../cancel; a shipped PO raises CancelRefused, an unknown one PurchaseOrderNotFound."""
        body = encode({"ID": f"{po_id}-cancel", "CancellationNote": reason or "cancelled by the buyer"})
        doc = await self._call(
            "POST", f"/purchase-orders/{quote(po_id, safe='')}/cancel", body=body,
            on_not_found=lambda detail: PurchaseOrderNotFound(self._supplier_id, po_id, detail),
            on_conflict=lambda detail: CancelRefused(self._supplier_id, po_id, detail),
        )
        return status_from(doc, self._supplier_id)

    async def order_status(self, po_id: str) -> PurchaseOrderStatus:
        """GET the PO's status with its OrderResponse and ASNs."""
        doc = await self._call(
            "GET", f"/purchase-orders/{quote(po_id, safe='')}",
            on_not_found=lambda detail: PurchaseOrderNotFound(self._supplier_id, po_id, detail),
        )
        return status_from(doc, self._supplier_id)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        on_not_found: ErrorFactory | None = None,
        on_conflict: ErrorFactory | None = None,
    ) -> dict[str, Any]:
        """One HTTP exchange, with every failure mapped to a typed supplier error."""
        url = self.base_url + path
        all_headers = {"Content-Type": "application/json", **(headers or {})} if body is not None else headers
        try:
            response = await self._client.request(method, url, content=body, headers=all_headers)
        except httpx.TimeoutException as exc:
            raise SupplierUnavailable(self._supplier_id, f"{method} {url} timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise SupplierUnavailable(self._supplier_id, f"{method} {url} failed: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status >= 500 or status in _RETRYABLE_4XX:
            raise SupplierUnavailable(self._supplier_id, f"{method} {url} answered {status}: {_detail(response)}")
        if status == 404 and on_not_found is not None:
            raise on_not_found(_detail(response))
        if status == 409 and on_conflict is not None:
            raise on_conflict(_detail(response))
        if status >= 400:
            raise SupplierRejected(self._supplier_id, f"{method} {url} answered {status}: {_detail(response)}")
        try:
            doc = response.json()
        except ValueError:
            raise SupplierProtocolError(
                self._supplier_id, f"{method} {url} answered {status} with a body that is not JSON"
            ) from None
        if not isinstance(doc, dict):
            raise SupplierProtocolError(self._supplier_id, f"{method} {url} answered with JSON that is not an object")
        return doc
