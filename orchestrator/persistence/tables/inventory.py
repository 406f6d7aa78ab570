"""Stock, reservations per order revision and item, and goods receipts.

``stock.reserved`` is the sum of the active reservations of an item. Every change to it is a single
conditional UPDATE (see ``inventory_repo``), and the check constraint is the last line of defence:
the database itself refuses a row with more reserved than on hand.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


class StockRow(SQLModel, table=True):
    """One item's stock: what is on hand and how much of it orders have reserved."""

    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("reserved >= 0 AND reserved <= on_hand + 0.000001", name="ck_stock_reserved_within_on_hand"),
    )

    item: str = Field(primary_key=True, max_length=80)
    unit: str = Field(max_length=10)
    on_hand: float = 0.0
    reserved: float = 0.0
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ReservationRow(SQLModel, table=True):
    """The stock one revision of an order holds of one item (from stock, plus goods received for it).

    One row per order, revision and item: reserving again for the same revision and item is a no-op,
    which makes the reservation step safe to retry, while a configuration change (the next revision)
    reserves afresh after the previous revision's rows were released. A row is closed, never deleted, so
    it stays as the trail: ``released_at`` when the order gives the stock back (cancel, change),
    ``issued_at`` when the stock leaves the store for the order's production. A row with neither is open
    and counts in ``stock.reserved``.
    """

    __tablename__ = "stock_reservations"
    __table_args__ = (
        UniqueConstraint("order_id", "revision", "item", name="uq_stock_reservations_order_revision_item"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    order_id: str = Field(max_length=40, index=True)
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                          description="the order's configuration revision (0 until its first change)")
    item: str = Field(max_length=80, index=True)
    unit: str = Field(max_length=10)
    quantity: float = 0.0
    from_stock: float = Field(default=0.0, description="part taken from free stock at reservation time")
    from_receipts: float = Field(default=0.0, description="part added by goods receipts for this order")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    released_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    issued_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class GoodsReceiptRow(SQLModel, table=True):
    """Goods that arrived: ``for_order`` of them reserved for the order, the rest free stock (surplus).

    ``receipt_key`` (purchase order + ASN) makes receiving idempotent: the same delivery is booked once.
    """

    __tablename__ = "goods_receipts"
    __table_args__ = (
        UniqueConstraint("receipt_key", name="uq_goods_receipts_receipt_key"),
        Index("ix_goods_receipts_po", "supplier", "po_id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    receipt_key: str = Field(max_length=200)
    order_id: str | None = Field(default=None, max_length=40, index=True)
    item: str = Field(max_length=80)
    unit: str = Field(max_length=10)
    quantity: float
    for_order: float = 0.0
    surplus: float = 0.0
    supplier: str | None = Field(default=None, max_length=80)
    po_id: str | None = Field(default=None, max_length=100)
    asn_id: str | None = Field(default=None, max_length=100)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
