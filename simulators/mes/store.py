"""Durable memory of the MES: every job order and the plant's lines, in one SQLite file.

Writes go through at once (WAL, ``synchronous=NORMAL``) so that a restart of the MES loses no work
order. The file is small and local; calls are short and made from the event loop's thread.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from simulators.mes.b2mml import JobOrder, JobState

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS job_orders (
    job_order_id  TEXT PRIMARY KEY,
    arrival       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    original_line TEXT NOT NULL,
    state         TEXT NOT NULL,
    rank          INTEGER,
    actual_start  TEXT,
    actual_end    TEXT,
    produced      INTEGER NOT NULL DEFAULT 0,
    defective     INTEGER NOT NULL DEFAULT 0,
    stop_reason   TEXT
);
CREATE TABLE IF NOT EXISTS lines (line_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Job:
    """A job order and what has happened to it.

    ``state`` is stored as WAITING for every job that has not started; whether it is Ready is
    derived from its dispatch status and predecessors (see ``JobBook.state_of``). ``rank`` is the
    position a planner gave it in its line's sequence (None: default order).
    """

    order: JobOrder
    arrival: int
    original_line: str
    state: JobState = JobState.WAITING
    rank: int | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    produced: int = 0
    defective: int = 0
    stop_reason: str | None = None

    @property
    def id(self) -> str:
        """The JobOrderID."""
        return self.order.JobOrderID

    @property
    def line(self) -> str:
        """The line it is (currently) assigned to."""
        return self.order.line


class JobStore:
    """SQLite persistence for jobs and known lines."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Two MES processes on one file would dispatch the same jobs twice: the first one wins.
        lock_path = path.with_name(path.name + ".lock")
        self._lock = open(lock_path, "a")  # noqa: SIM115 - held for the store's lifetime
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise RuntimeError(
                f"{path} is in use by another MES process (lock {lock_path}); "
                "stop that process or pass another --state-file"
            ) from None
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise RuntimeError(
                f"{path} has MES schema version {row[0]}, this MES expects {SCHEMA_VERSION}; "
                "use a new --state-file or delete the old one"
            )

    def close(self) -> None:
        """Close the database file and release it for another process."""
        self._db.close()
        self._lock.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def load_jobs(self) -> list[Job]:
        """Every stored job, in arrival order."""
        rows = self._db.execute(
            "SELECT body, arrival, original_line, state, rank, actual_start, actual_end, produced, "
            "defective, stop_reason FROM job_orders ORDER BY arrival"
        ).fetchall()
        return [
            Job(
                order=JobOrder.model_validate_json(body),
                arrival=arrival,
                original_line=original_line,
                state=JobState(state),
                rank=rank,
                actual_start=_dt(start),
                actual_end=_dt(end),
                produced=produced,
                defective=defective,
                stop_reason=reason,
            )
            for body, arrival, original_line, state, rank, start, end, produced, defective, reason in rows
        ]

    def save(self, jobs: Iterable[Job]) -> None:
        """Insert or update jobs, all in one transaction."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO job_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(job_order_id) DO UPDATE SET body = excluded.body, state = excluded.state, "
                "rank = excluded.rank, actual_start = excluded.actual_start, "
                "actual_end = excluded.actual_end, produced = excluded.produced, "
                "defective = excluded.defective, stop_reason = excluded.stop_reason",
                [
                    (
                        j.id,
                        j.arrival,
                        j.order.model_dump_json(),
                        j.original_line,
                        j.state.value,
                        j.rank,
                        _iso(j.actual_start),
                        _iso(j.actual_end),
                        j.produced,
                        j.defective,
                        j.stop_reason,
                    )
                    for j in jobs
                ],
            )

    def load_lines(self) -> list[str]:
        """Lines the plant had at the last discovery."""
        return [r[0] for r in self._db.execute("SELECT line_id FROM lines ORDER BY line_id")]

    def save_lines(self, lines: Iterable[str]) -> None:
        """Replace the known lines."""
        with self._transaction() as db:
            db.execute("DELETE FROM lines")
            db.executemany("INSERT INTO lines VALUES (?)", [(line,) for line in lines])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None
