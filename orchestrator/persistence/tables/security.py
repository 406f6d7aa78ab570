"""Accounts' API keys and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer
from sqlmodel import Field, SQLModel


class ApiKeyRow(SQLModel, table=True):
    """One API key. The secret is kept only as a hash; a revoked key stays for the audit trail."""

    __tablename__ = "api_keys"

    key_id: str = Field(primary_key=True, max_length=24)
    role: str = Field(max_length=20)
    name: str = Field(max_length=120)
    customer_id: str | None = Field(default=None, max_length=80, index=True)
    secret_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class AuditRow(SQLModel, table=True):
    """Who did what to which target, when, with the state before and after. Never updated or deleted:
    database triggers refuse both (migration 0005)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target", "id"), Index("ix_audit_log_actor", "actor", "id"))

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor: str = Field(max_length=80)
    role: str = Field(max_length=20)
    action: str = Field(max_length=80)
    target: str = Field(max_length=120)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
