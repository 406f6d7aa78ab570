"""Orders and their event trail (the source of the live progress streams)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


class OrderRow(SQLModel, table=True):
    """A customer order and its projection of the workflow's state (stage, dates, plan)."""

    __tablename__ = "orders"

    id: str = Field(primary_key=True, max_length=40)
    sku: str = Field(index=True, max_length=80)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    quantity: int
    customer_id: str = Field(index=True, max_length=80)
    customer: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    special_requests: str | None = None
    notify_url: str | None = None
    stage: str = Field(index=True, max_length=40)
    stage_reason: str | None = None
    price_total: float
    currency: str = Field(max_length=3)
    promised_date: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    eta: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    tracking_token: str = Field(max_length=64)
    # The customer's consent to the processing of their personal data, as given with the order.
    consent: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Set when the customer's personal data was erased: the order keeps its manufacturing facts only.
    erased_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class EventRow(SQLModel, table=True):
    """One event in the append-only trail. ``id`` is the stream position clients resume from.

    ``dedupe_key`` makes writers idempotent: a retried activity that records the same step again is a
    no-op instead of a duplicate milestone.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_events_dedupe_key"),
        Index("ix_events_order_id_id", "order_id", "id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    order_id: str | None = Field(default=None, max_length=40)
    line: str | None = Field(default=None, max_length=40, index=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    plant_time: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    dedupe_key: str | None = Field(default=None, max_length=200)
