"""Append events to the trail, idempotently: a repeated ``dedupe_key`` is skipped, never duplicated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.tables.orders import EventRow

EVENTS = EventRow.__table__  # type: ignore[attr-defined]
#: PostgreSQL NOTIFY channel announcing committed events; API processes LISTEN on it to wake their streams.
EVENTS_CHANNEL = "c2m_events"


@dataclass(frozen=True)
class NewEvent:
    """An event to append. ``dedupe_key`` (e.g. order id + step) makes retries harmless."""

    kind: str
    plant_time: datetime
    order_id: str | None = None
    line: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None


def append_events(conn: Connection, events: Sequence[NewEvent]) -> int:
    """Insert events in one statement per call; rows whose dedupe key exists are skipped. Returns inserted.

    On PostgreSQL the same transaction also notifies :data:`EVENTS_CHANNEL`, which listeners receive
    only once (and only if) the transaction commits.
    """
    if not events:
        return 0
    keys = [e.dedupe_key for e in events if e.dedupe_key]
    if keys:
        # Skip known keys before inserting: on PostgreSQL an insert that hits the unique key still takes
        # a sequence value, and every such hole would make live streams wait for it to fill.
        seen = set(conn.execute(select(EVENTS.c.dedupe_key).where(EVENTS.c.dedupe_key.in_(keys))).scalars())
        events = [e for e in events if not e.dedupe_key or e.dedupe_key not in seen]
        if not events:
            return 0
    now = datetime.now(UTC)
    rows = [
        {
            "order_id": e.order_id,
            "line": e.line,
            "kind": e.kind,
            "payload": e.payload,
            "plant_time": e.plant_time,
            "created_at": now,
            "dedupe_key": e.dedupe_key,
        }
        for e in events
    ]
    dialect = conn.dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(EVENTS).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(EVENTS).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # pragma: no cover - other databases are not supported
        stmt = insert(EVENTS)
    # RETURNING counts the rows really inserted (rowcount of a PostgreSQL executemany is -1).
    inserted = len(conn.execute(stmt.returning(EVENTS.c.id), rows).all())
    if inserted and dialect == "postgresql":
        conn.execute(select(func.pg_notify(EVENTS_CHANNEL, "")))
    return inserted


def record_events(engine: Engine, events: Sequence[NewEvent]) -> int:
    """Append events in their own transaction."""
    with engine.begin() as conn:
        return append_events(conn, events)
