"""Purchase orders, the supplier history behind the scorecard, and seen webhook signatures.

A purchase order row is written *before* the PO is sent, so an ASN that arrives faster than the
supplier's answer still finds the sourcing workflow to signal (``workflow_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


class PurchaseOrderRow(SQLModel, table=True):
    """One purchase order we sent (or tried to send) to a supplier, and where it stands.

    ``state``: ``placing`` (sent, no answer yet), ``accepted``, ``changed`` (accepted with other
    quantity or date), ``rejected``, ``refused`` (the supplier could not process the document),
    ``unanswered`` (no answer within the retries), ``shipped``, ``received``, ``cancelled``,
    ``surplus`` (cancelled too late: the goods came into free stock).
    """

    __tablename__ = "purchase_orders"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_purchase_orders_idempotency_key"),
        Index("ix_purchase_orders_need", "need_id", "attempt"),
    )

    po_id: str = Field(primary_key=True, max_length=100)
    supplier: str = Field(max_length=80, index=True)
    order_id: str = Field(max_length=40, index=True)
    need_id: str = Field(max_length=200)
    attempt: int = 1
    item: str = Field(max_length=80)
    unit: str = Field(max_length=10)
    need_quantity: float
    quantity: float
    unit_price: float | None = None
    currency: str | None = Field(default=None, max_length=3)
    quote_id: str | None = Field(default=None, max_length=100)
    idempotency_key: str = Field(max_length=255)
    state: str = Field(max_length=20, index=True)
    reason: str | None = None
    supplier_reference: str | None = Field(default=None, max_length=100)
    workflow_id: str = Field(max_length=200, index=True)
    need_by: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    promised_delivery: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    shipped_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    expected_delivery: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    received_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    received_quantity: float = 0.0
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SupplierHistoryRow(SQLModel, table=True):
    """One fact of a supplier's record (accepted, rejected, unanswered, delivered, cancelled).

    ``dedupe_key`` makes recording idempotent when an activity is retried.
    """

    __tablename__ = "supplier_history"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_supplier_history_dedupe_key"),
        Index("ix_supplier_history_supplier_at", "supplier", "at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    supplier: str = Field(max_length=80)
    kind: str = Field(max_length=20)
    po_id: str | None = Field(default=None, max_length=100)
    item: str | None = Field(default=None, max_length=80)
    promised_delivery: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    actual_delivery: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    dedupe_key: str = Field(max_length=200)


class WebhookDeliveryRow(SQLModel, table=True):
    """A webhook signature already accepted: the same signed request again is a replay.

    Rows older than the signature tolerance are pruned; the timestamp check refuses those anyway.
    """

    __tablename__ = "webhook_deliveries"

    signature: str = Field(primary_key=True, max_length=64, description="SHA-256 of the signature header")
    endpoint: str = Field(max_length=80)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
