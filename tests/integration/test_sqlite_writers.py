"""Concurrent writers on the SQLite file: a transaction that reads then writes neither fails nor loses an update."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from orchestrator.persistence.db import make_engine

THREADS = 8
ROUNDS = 60


def test_read_then_write_transactions_wait_for_each_other(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    errors: list[str] = []

    def add_one_at_a_time() -> None:
        for _ in range(ROUNDS):
            try:
                with engine.begin() as conn:  # as a stock reservation does: read the row, then write it
                    n = conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
                    conn.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})
            except Exception as exc:  # "database is locked" before writes took the lock first
                errors.append(repr(exc))

    workers = [threading.Thread(target=add_one_at_a_time) for _ in range(THREADS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "writers still running after 120 s"
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == THREADS * ROUNDS
    engine.dispose()


def test_reads_and_savepoints_still_work(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        savepoint = conn.begin_nested()
        conn.execute(text("UPDATE t SET n = 2"))
        savepoint.rollback()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalar_one() == 1
        conn.execute(text("UPDATE t SET n = 3"))
        conn.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalar_one() == 3
    engine.dispose()
