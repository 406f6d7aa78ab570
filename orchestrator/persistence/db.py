"""Database engines for SQLite (default, WAL mode) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import create_engine


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and their folder created."""
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        engine.begin = _writing(engine)  # type: ignore[method-assign,assignment]
        return engine
    kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _writing(engine: Engine) -> Callable[[], AbstractContextManager[Connection]]:
    """``engine.begin()`` for SQLite: the same, but the transaction takes the write lock first.

    The driver begins a transaction only at the first write, so whatever a block read before that was
    read outside it: another writer's update in between could be lost (a read-modify-write, such as
    counting what is left and then taking it). ``BEGIN IMMEDIATE`` first makes every ``engine.begin()``
    block one serial write: it waits for the lock (up to the busy timeout) and reads what it then
    writes. Reads through ``engine.connect()`` are unchanged: they take no lock and see the latest commit.
    """

    @contextmanager
    def begin() -> Iterator[Connection]:
        with engine.connect() as conn, conn.begin():
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    return begin


def aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as UTC-aware (SQLite returns naive datetimes for aware ones written)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
