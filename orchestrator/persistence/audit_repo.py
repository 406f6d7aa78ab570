"""The audit log: append entries in the caller's transaction; query them for admins.

Entries are never updated or deleted (the database refuses it). ``before``/``after`` hold the facts that
changed, never personal data: callers pass masked values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.db import aware
from orchestrator.persistence.tables.security import AuditRow

AUDIT = AuditRow.__table__  # type: ignore[attr-defined]

#: The actor of changes made by the order workflows themselves.
SYSTEM = "system:workflow"


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    role: str
    action: str
    target: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def append(conn: Connection, entries: Iterable[AuditEntry]) -> None:
    rows = [{"at": datetime.now(UTC), "actor": e.actor, "role": e.role, "action": e.action, "target": e.target,
             "before": e.before, "after": e.after} for e in entries]
    if rows:
        conn.execute(AUDIT.insert(), rows)


def record(engine: Engine, entry: AuditEntry) -> None:
    with engine.begin() as conn:
        append(conn, [entry])


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    target: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def entries(engine: Engine, flt: AuditFilter, limit: int = 100, before_id: int | None = None) -> list[AuditRow]:
    """Newest first; page backwards with ``before_id`` (the smallest id of the previous page)."""
    conds = []
    if flt.actor:
        conds.append(AUDIT.c.actor == flt.actor)
    if flt.target:
        conds.append(AUDIT.c.target == flt.target)
    if flt.action:
        conds.append(AUDIT.c.action == flt.action)
    if flt.since:
        conds.append(AUDIT.c.at >= flt.since)
    if flt.until:
        conds.append(AUDIT.c.at < flt.until)
    if before_id is not None:
        conds.append(AUDIT.c.id < before_id)
    with engine.connect() as conn:
        rows = conn.execute(select(AUDIT).where(*conds).order_by(AUDIT.c.id.desc()).limit(limit)).mappings().all()
    return [AuditRow(**{**r, "at": aware(r["at"])}) for r in rows]
