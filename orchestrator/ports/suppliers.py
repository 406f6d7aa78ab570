"""The supplier contract: what the core asks of a supplier's SCM endpoint.

Sourcing asks suppliers for quotes, places purchase orders, follows them and cancels them while
they have not shipped. An integrator who connects another supplier system implements
:class:`SupplierPort` (one instance per supplier); the bundled HTTP adapter speaks UBL-shaped JSON.

Quantities and prices are :class:`~decimal.Decimal`; units are the catalog's (``pcs``, ``m``,
``kg`` ...); every date is plant time and timezone-aware.

Errors: :class:`SupplierUnavailable` means "try again later" (transport failure, timeout, 5xx);
the other errors are answers that retrying cannot change. A supplier's business answer to a
purchase order, including a rejection, is a :class:`PurchaseOrderAck`, not an error.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

# Ids travel in URL paths and document references: characters that need no escaping anywhere.
DOCUMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$"


class QuoteRequest(BaseModel):
    """A request for a price and a date for one item (one RFQ line)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rfq_id: str = Field(min_length=1, max_length=100, pattern=DOCUMENT_ID_PATTERN)
    item: str = Field(min_length=1, description="the catalog item id")
    quantity: Decimal = Field(gt=0)
    unit: str = Field(default="pcs", min_length=1, description="catalog unit: pcs, m, m2, kg, l, pair, set")
    need_date: AwareDatetime | None = Field(default=None, description="deliver by (plant time)")
    issued_at: AwareDatetime | None = Field(default=None, description="plant time the RFQ is issued")


class Quote(BaseModel):
    """A supplier's offer. ``quantity`` may exceed the one asked (minimum order, multiples)."""

    model_config = ConfigDict(frozen=True)

    quote_id: str
    rfq_id: str
    supplier: str
    item: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    currency: str
    promised_date: datetime = Field(description="promised delivery (plant time)")
    valid_until: datetime

    @property
    def total(self) -> Decimal:
        """Price of the quoted quantity."""
        return self.unit_price * self.quantity


class PurchaseOrderLine(BaseModel):
    """One item of a purchase order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line_id: str = Field(default="1", min_length=1)
    item: str = Field(min_length=1)
    quantity: Decimal = Field(gt=0)
    unit: str = Field(default="pcs", min_length=1)
    unit_price: Decimal | None = Field(default=None, ge=0, description="the price expected (from the quote)")
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class PurchaseOrder(BaseModel):
    """A purchase order to one supplier. ``po_id`` is ours; ASNs come back to ``webhook_url``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    po_id: str = Field(min_length=1, max_length=100, pattern=DOCUMENT_ID_PATTERN)
    supplier: str = Field(min_length=1)
    lines: tuple[PurchaseOrderLine, ...] = Field(min_length=1)
    need_date: AwareDatetime = Field(description="deliver by (plant time)")
    webhook_url: str = Field(pattern=r"^https?://", description="where the supplier posts DespatchAdvice (ASN)")
    issued_at: AwareDatetime | None = None
    quote_id: str | None = Field(default=None, description="the quote whose price and date this PO takes up")
    buyer_id: str = "c2m"
    buyer_name: str = "C2M factory"

    @model_validator(mode="after")
    def _unique_lines(self) -> PurchaseOrder:
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValueError(f"purchase order {self.po_id!r}: line ids must be unique, got {ids}")
        return self


class AckState(StrEnum):
    """The supplier's answer to a PO: as ordered, refused, or taken with other quantity or date."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CHANGED = "changed"


class PurchaseOrderLineAck(BaseModel):
    """The supplier's answer for one line."""

    model_config = ConfigDict(frozen=True)

    line_id: str
    item: str
    quantity: Decimal = Field(description="the quantity the supplier will deliver")
    unit: str
    state: AckState
    promised_date: datetime | None = None
    unit_price: Decimal | None = None
    currency: str | None = None


class PurchaseOrderAck(BaseModel):
    """The supplier's answer to a PO (UBL OrderResponse). A ``changed`` PO stands unless cancelled."""

    model_config = ConfigDict(frozen=True)

    po_id: str
    supplier: str
    state: AckState
    lines: tuple[PurchaseOrderLineAck, ...] = ()
    reason: str | None = Field(default=None, description="why rejected or changed, in the supplier's words")
    supplier_reference: str | None = Field(default=None, description="the supplier's sales order number")
    issued_at: datetime | None = None

    @property
    def promised_date(self) -> datetime | None:
        """The latest promised delivery over all lines (None when rejected)."""
        dates = [line.promised_date for line in self.lines if line.promised_date is not None]
        return max(dates) if dates and self.state is not AckState.REJECTED else None


class PurchaseOrderState(StrEnum):
    """Where a PO stands at the supplier."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        """True while goods are still to come."""
        return self in (PurchaseOrderState.ACCEPTED, PurchaseOrderState.SHIPPED)


class DespatchLine(BaseModel):
    """One line of a shipment; ``outstanding_quantity`` follows in later shipments."""

    model_config = ConfigDict(frozen=True)

    line_id: str
    item: str
    shipped_quantity: Decimal
    outstanding_quantity: Decimal = Decimal(0)
    unit: str


class DespatchAdvice(BaseModel):
    """An advance shipping notice (ASN): goods of a PO have left the supplier.

    Suppliers deliver ASNs at least once; ``asn_id`` identifies one, so a receiver drops repeats.
    """

    model_config = ConfigDict(frozen=True)

    asn_id: str
    po_id: str
    supplier: str
    shipped_at: datetime
    estimated_delivery: datetime
    lines: tuple[DespatchLine, ...]
    supplier_reference: str | None = None

    @property
    def partial(self) -> bool:
        """True when part of the PO is still to follow."""
        return any(line.outstanding_quantity > 0 for line in self.lines)


class PurchaseOrderStatus(BaseModel):
    """A PO as the supplier reports it now, with every ASN sent so far."""

    model_config = ConfigDict(frozen=True)

    po_id: str
    supplier: str
    state: PurchaseOrderState
    ack: PurchaseOrderAck | None = None
    despatch_advices: tuple[DespatchAdvice, ...] = ()
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def despatch_advice(self) -> DespatchAdvice | None:
        """The latest ASN, if any."""
        return self.despatch_advices[-1] if self.despatch_advices else None


class SupplierError(Exception):
    """Base of the supplier errors; ``str(error)`` says what went wrong, in the supplier's words."""

    def __init__(self, supplier_id: str, detail: str) -> None:
        self.supplier_id = supplier_id
        self.detail = detail
        super().__init__(f"supplier {supplier_id!r}: {detail}")


class SupplierUnavailable(SupplierError):
    """Transport failure, timeout or 5xx: the call may be retried (with the same idempotency key)."""


class SupplierRejected(SupplierError):
    """The supplier refused to process the request (unknown item, invalid document)."""


class IdempotencyConflict(SupplierRejected):
    """The idempotency key or PO id was already used for a different purchase order."""


class SupplierProtocolError(SupplierError):
    """The supplier answered with a document we cannot read."""


class PurchaseOrderNotFound(SupplierError):
    """The supplier does not know this PO."""

    def __init__(self, supplier_id: str, po_id: str, detail: str | None = None) -> None:
        self.po_id = po_id
        super().__init__(supplier_id, detail or f"no purchase order {po_id!r}")


class CancelRefused(SupplierError):
    """The PO can no longer be cancelled (it has shipped)."""

    def __init__(self, supplier_id: str, po_id: str, detail: str | None = None) -> None:
        self.po_id = po_id
        super().__init__(supplier_id, detail or f"purchase order {po_id!r} can no longer be cancelled")


class UnknownSupplier(SupplierError, LookupError):
    """No endpoint is configured for this supplier id."""


@runtime_checkable
class SupplierPort(Protocol):
    """One supplier's SCM endpoint. Implementations must be safe to call concurrently."""

    @property
    def supplier_id(self) -> str:
        """The supplier this port talks to."""
        ...

    async def request_quote(self, request: QuoteRequest) -> Quote:
        """Ask for a price and a promised date (binds nothing; the quote is valid until ``valid_until``)."""
        ...

    async def place_order(self, po: PurchaseOrder, idempotency_key: str) -> PurchaseOrderAck:
        """Place a PO. Repeating the call with the same key returns the first answer and never creates a
        second order, so retry on :class:`SupplierUnavailable` with the same key. A key reused for another
        PO raises :class:`IdempotencyConflict`."""
        ...

    async def cancel_order(self, po_id: str, reason: str | None = None) -> PurchaseOrderStatus:
        """Cancel a PO that has not shipped (:class:`CancelRefused` once it has). Repeating is harmless;
        a rejected PO stays rejected."""
        ...

    async def order_status(self, po_id: str) -> PurchaseOrderStatus:
        """The PO's state and ASNs: the fallback when an ASN webhook never arrives."""
        ...


@runtime_checkable
class SupplierDirectory(Protocol):
    """The suppliers configured for this deployment, each behind its own port."""

    def supplier_ids(self) -> list[str]:
        """Ids of every configured supplier."""
        ...

    def supplier(self, supplier_id: str) -> SupplierPort:
        """The port of one supplier (:class:`UnknownSupplier` if not configured)."""
        ...

    def suppliers_of(self, item: str) -> list[str]:
        """Ids of the suppliers that offer ``item``: the ones to send an RFQ to."""
        ...
