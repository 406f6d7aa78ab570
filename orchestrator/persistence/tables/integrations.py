"""The adapter journal: the latest raw messages each adapter exchanged, for the integrator page.

A bounded log, not a history: ``adapter_journal`` keeps the newest few hundred rows per adapter
endpoint and deletes older ones as it writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Text
from sqlmodel import Field, SQLModel


class AdapterMessageRow(SQLModel, table=True):
    """One message an adapter sent or received.

    ``kind``: ``line``, ``mes``, ``supplier`` or ``webhook``; ``endpoint``: the line id, ``mes``, the
    supplier id or the webhook's name. ``direction``: ``sent`` or ``received``. ``summary`` is one
    line (method + path + status, or node + value), ``body`` the message cut to a few KB. ``ok`` is
    False for a failed exchange. ``at`` is wall time (UTC). Newest first is ``id`` descending.
    """

    __tablename__ = "adapter_messages"
    # Every read and the retention delete go through (kind, endpoint) newest first.
    __table_args__ = (Index("ix_adapter_messages_kind_endpoint_id", "kind", "endpoint", "id"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    kind: str = Field(max_length=20)
    endpoint: str = Field(max_length=100)
    direction: str = Field(max_length=10)
    summary: str = Field(max_length=300)
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ok: bool = True
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
