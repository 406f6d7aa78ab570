"""The adapter journal's reads and writes: batched inserts with bounded retention, newest first reads.

Retention is per adapter endpoint (``kind``, ``endpoint``): each write keeps the newest ``keep`` rows
of the endpoints it touched and deletes the older ones in the same transaction. Both steps walk the
``(kind, endpoint, id)`` index, so a write costs the same however long the system has been running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.tables.integrations import AdapterMessageRow
from orchestrator.ports.journal import BODY_LIMIT, AdapterMessage, clip_body, clip_summary

MESSAGES = AdapterMessageRow.__table__  # type: ignore[attr-defined]
#: Rows kept per (kind, endpoint).
KEEP = 200


@dataclass(frozen=True)
class StoredMessage:
    """A journal row as read back (``at`` is UTC)."""

    id: int
    kind: str
    endpoint: str
    direction: str
    summary: str
    body: str | None
    ok: bool
    at: datetime


@dataclass(frozen=True)
class LastSeen:
    """When an endpoint last exchanged a message, and its last good and last failed one (None: never)."""

    last_at: datetime
    last_ok_at: datetime | None
    last_failed_at: datetime | None


def _utc(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; every value written was UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _row(message: AdapterMessage) -> dict[str, object]:
    return {
        "kind": str(message.kind),
        "endpoint": message.endpoint[:100],
        "direction": str(message.direction),
        "summary": clip_summary(message.summary),
        # Writers clip bodies already; this only stops one that forgot from filling the table.
        "body": clip_body(message.body, 2 * BODY_LIMIT),
        "ok": message.ok,
        "at": message.at,
    }


def _trim(conn: Connection, kind: str, endpoint: str, keep: int) -> int:
    """Delete all but the newest ``keep`` rows of one endpoint; returns how many went."""
    oldest_kept = conn.execute(
        select(MESSAGES.c.id)
        .where(MESSAGES.c.kind == kind, MESSAGES.c.endpoint == endpoint)
        .order_by(MESSAGES.c.id.desc())
        .offset(keep - 1)
        .limit(1)
    ).scalar()
    if oldest_kept is None:
        return 0
    result = conn.execute(
        delete(MESSAGES).where(MESSAGES.c.kind == kind, MESSAGES.c.endpoint == endpoint, MESSAGES.c.id < oldest_kept)
    )
    return max(result.rowcount or 0, 0)


def record(engine: Engine, messages: Sequence[AdapterMessage], keep: int = KEEP) -> int:
    """Insert ``messages`` in one transaction and trim their endpoints to ``keep`` rows. Returns inserted."""
    if not messages:
        return 0
    if keep < 1:
        raise ValueError(f"keep must be at least 1 row per endpoint, got {keep}")
    endpoints = sorted({(str(m.kind), m.endpoint[:100]) for m in messages})
    with engine.begin() as conn:
        conn.execute(insert(MESSAGES), [_row(m) for m in messages])
        for kind, endpoint in endpoints:
            _trim(conn, kind, endpoint, keep)
    return len(messages)


def recent(engine: Engine, kind: str, endpoint: str, limit: int = 50) -> list[StoredMessage]:
    """The newest ``limit`` messages of one endpoint, newest first."""
    query = (
        select(MESSAGES)
        .where(MESSAGES.c.kind == kind, MESSAGES.c.endpoint == endpoint)
        .order_by(MESSAGES.c.id.desc())
        .limit(max(limit, 0))
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        StoredMessage(id=r["id"], kind=r["kind"], endpoint=r["endpoint"], direction=r["direction"],
                      summary=r["summary"], body=r["body"], ok=bool(r["ok"]), at=_utc(r["at"]))
        for r in rows
    ]


def last_seen(engine: Engine) -> dict[tuple[str, str], LastSeen]:
    """For every endpoint in the journal, keyed by (kind, endpoint): its last, last good and last failed message."""
    query = select(MESSAGES.c.kind, MESSAGES.c.endpoint, MESSAGES.c.ok, func.max(MESSAGES.c.at)).group_by(
        MESSAGES.c.kind, MESSAGES.c.endpoint, MESSAGES.c.ok
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    found: dict[tuple[str, str], dict[bool, datetime]] = {}
    for kind, endpoint, ok, at in rows:
        found.setdefault((kind, endpoint), {})[bool(ok)] = _utc(at)
    return {
        key: LastSeen(last_at=max(by_ok.values()), last_ok_at=by_ok.get(True), last_failed_at=by_ok.get(False))
        for key, by_ok in found.items()
    }
