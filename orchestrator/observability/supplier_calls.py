"""Counting supplier calls by supplier, operation and outcome, on the worker's Temporal meter.

:class:`MeteredSupplierPort` wraps a :class:`~orchestrator.ports.suppliers.SupplierPort` and counts each
call in ``c2m_supplier_calls_total``: ``outcome`` is ``ok`` or the kind of failure (``unavailable`` for
"try again later", then the answers retrying cannot change). A retried call counts once per attempt, so
the error rate is that of the supplier's endpoint, not of the activities.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from temporalio.common import MetricCounter, MetricMeter

from orchestrator.observability.worker_metrics import SUPPLIER_CALLS
from orchestrator.ports.suppliers import (
    CancelRefused,
    IdempotencyConflict,
    PurchaseOrder,
    PurchaseOrderAck,
    PurchaseOrderNotFound,
    PurchaseOrderStatus,
    Quote,
    QuoteRequest,
    SupplierPort,
    SupplierProtocolError,
    SupplierRejected,
    SupplierUnavailable,
)

T = TypeVar("T")

# Most specific first: IdempotencyConflict is a SupplierRejected.
OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (SupplierUnavailable, "unavailable"),
    (IdempotencyConflict, "idempotency_conflict"),
    (SupplierRejected, "rejected"),
    (SupplierProtocolError, "protocol_error"),
    (PurchaseOrderNotFound, "not_found"),
    (CancelRefused, "cancel_refused"),
)


def outcome_of(error: Exception) -> str:
    """The ``outcome`` label of a failed call."""
    return next((label for kind, label in OUTCOMES if isinstance(error, kind)), "error")


class MeteredSupplierPort:
    """A supplier's port that counts its calls; behaves exactly like the port it wraps."""

    def __init__(self, port: SupplierPort, meter: MetricMeter) -> None:
        self._port = port
        self._calls: MetricCounter = meter.with_additional_attributes({"supplier": port.supplier_id}).create_counter(
            SUPPLIER_CALLS, "Calls to supplier endpoints by supplier, operation and outcome (ok or the failure)")

    @property
    def supplier_id(self) -> str:
        """The supplier behind the port."""
        return self._port.supplier_id

    async def request_quote(self, request: QuoteRequest) -> Quote:
        """As :meth:`SupplierPort.request_quote`, counted as ``request_quote``."""
        return await self._counted("request_quote", self._port.request_quote(request))

    async def place_order(self, po: PurchaseOrder, idempotency_key: str) -> PurchaseOrderAck:
        """As :meth:`SupplierPort.place_order`, counted as ``place_order``."""
        return await self._counted("place_order", self._port.place_order(po, idempotency_key))

    async def cancel_order(self, po_id: str, reason: str | None = None) -> PurchaseOrderStatus:
        """As :meth:`SupplierPort.cancel_order`, counted as ``cancel_order``."""
        return await self._counted("cancel_order", self._port.cancel_order(po_id, reason))

    async def order_status(self, po_id: str) -> PurchaseOrderStatus:
        """As :meth:`SupplierPort.order_status`, counted as ``order_status``."""
        return await self._counted("order_status", self._port.order_status(po_id))

    async def _counted(self, operation: str, call: Awaitable[T]) -> T:
        try:
            result = await call
        except Exception as exc:  # counted, then raised unchanged: the caller decides what it means
            self._calls.add(1, {"operation": operation, "outcome": outcome_of(exc)})
            raise
        self._calls.add(1, {"operation": operation, "outcome": "ok"})
        return result
