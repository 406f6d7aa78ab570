"""API keys in the database: issue (the token is returned once), find by key id, revoke, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.db import aware
from orchestrator.persistence.tables.security import ApiKeyRow
from orchestrator.security import api_keys
from orchestrator.security.principals import Principal, Role

API_KEYS = ApiKeyRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class IssuedKey:
    principal: Principal
    token: str


def issue_key(conn: Connection, role: Role, name: str, customer_id: str | None = None) -> IssuedKey:
    """A new key for ``role`` (a customer key acts for ``customer_id``), in the caller's transaction."""
    if (role is Role.CUSTOMER) != (customer_id is not None):
        raise ValueError("a customer key needs the customer id it acts for; other roles take none")
    new = api_keys.issue()
    conn.execute(API_KEYS.insert().values(key_id=new.key_id, role=role.value, name=name, customer_id=customer_id,
                                          secret_hash=new.secret_hash, created_at=datetime.now(UTC)))
    return IssuedKey(Principal(new.key_id, role, name, customer_id), new.token)


def authenticate(engine: Engine, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token, else None (a malformed token costs no query)."""
    parts = api_keys.split(token)
    if parts is None:
        return None
    key_id, secret = parts
    with engine.connect() as conn:
        row = conn.execute(select(API_KEYS).where(API_KEYS.c.key_id == key_id)).mappings().first()
    if row is None or row["revoked_at"] is not None or not api_keys.matches(secret, row["secret_hash"]):
        return None
    return Principal(row["key_id"], Role(row["role"]), row["name"], row["customer_id"])


def revoke(conn: Connection, key_id: str) -> bool:
    """Revoke a key; False when there is no such unrevoked key."""
    done = conn.execute(update(API_KEYS).where(API_KEYS.c.key_id == key_id, API_KEYS.c.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))
    return bool(done.rowcount)


def keys(engine: Engine, include_revoked: bool = False) -> list[ApiKeyRow]:
    """Every key, newest first (hashes included: callers show only what they must)."""
    query = select(API_KEYS).order_by(API_KEYS.c.created_at.desc())
    if not include_revoked:
        query = query.where(API_KEYS.c.revoked_at.is_(None))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [ApiKeyRow(**{**r, "created_at": aware(r["created_at"]), "revoked_at": aware(r["revoked_at"])})
            for r in rows]


def revoke_customer_keys(conn: Connection, customer_id: str) -> int:
    """Revoke every key of one customer (their account is erased)."""
    done = conn.execute(update(API_KEYS).where(API_KEYS.c.customer_id == customer_id,
                                               API_KEYS.c.revoked_at.is_(None)).values(revoked_at=datetime.now(UTC)))
    return int(done.rowcount or 0)
