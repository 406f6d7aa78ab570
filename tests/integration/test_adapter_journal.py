"""The adapter journal on SQLite and PostgreSQL: batched writes, bounded retention, newest-first reads,
and the background writer that must never hold up (or break) the adapters that feed it."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from orchestrator.persistence import adapter_journal
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.journal_writer import JournalWriter
from orchestrator.ports.journal import BODY_LIMIT, AdapterKind, AdapterMessage, Direction, Journal, clip_body

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def message(n: int, endpoint: str = "mes", kind: AdapterKind = AdapterKind.MES, ok: bool = True,
            direction: Direction = Direction.SENT) -> AdapterMessage:
    return AdapterMessage(kind, endpoint, direction, f"GET /api/v1/job-orders/WO-{n}", f'{{"n": {n}}}', ok,
                          T0 + timedelta(seconds=n))


def count(engine: Engine, kind: str, endpoint: str) -> int:
    table = adapter_journal.MESSAGES
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(
            table.c.kind == kind, table.c.endpoint == endpoint)).scalar_one())


def test_messages_come_back_newest_first_with_every_field(engine: Engine) -> None:
    adapter_journal.record(engine, [message(1), message(2, ok=False, direction=Direction.RECEIVED)])
    adapter_journal.record(engine, [message(3, endpoint="FAB1", kind=AdapterKind.LINE)])
    newest, older = adapter_journal.recent(engine, "mes", "mes", limit=10)
    assert (newest.summary, newest.direction, newest.ok, newest.body) == (
        "GET /api/v1/job-orders/WO-2", "received", False, '{"n": 2}')
    assert newest.at == T0 + timedelta(seconds=2) and newest.at.tzinfo is not None
    assert older.id < newest.id and older.ok
    assert [m.summary for m in adapter_journal.recent(engine, "mes", "mes", limit=1)] == ["GET /api/v1/job-orders/WO-2"]
    assert adapter_journal.recent(engine, "line", "FAB1")[0].kind == "line"
    assert adapter_journal.recent(engine, "supplier", "nobody") == []


def test_each_endpoint_keeps_only_its_newest_rows(engine: Engine) -> None:
    adapter_journal.record(engine, [message(n, endpoint="acme", kind=AdapterKind.SUPPLIER) for n in range(5)])
    for start in range(0, 250, 50):  # five batches of 50 for the MES: 250 written, 200 kept
        adapter_journal.record(engine, [message(n) for n in range(start, start + 50)])
    assert count(engine, "mes", "mes") == adapter_journal.KEEP
    kept = adapter_journal.recent(engine, "mes", "mes", limit=500)
    assert [m.summary for m in kept[:1] + kept[-1:]] == [
        "GET /api/v1/job-orders/WO-249", "GET /api/v1/job-orders/WO-50"]
    assert count(engine, "supplier", "acme") == 5  # another endpoint's rows are untouched
    adapter_journal.record(engine, [message(900, endpoint="acme", kind=AdapterKind.SUPPLIER)], keep=2)
    assert [m.summary for m in adapter_journal.recent(engine, "supplier", "acme")] == [
        "GET /api/v1/job-orders/WO-900", "GET /api/v1/job-orders/WO-4"]


def test_last_seen_tells_the_last_good_and_the_last_failed_message(engine: Engine) -> None:
    assert adapter_journal.last_seen(engine) == {}
    adapter_journal.record(engine, [message(1), message(5, ok=False), message(3),
                                    message(7, endpoint="FAB1", kind=AdapterKind.LINE)])
    seen = adapter_journal.last_seen(engine)
    assert seen[("mes", "mes")] == adapter_journal.LastSeen(
        last_at=T0 + timedelta(seconds=5), last_ok_at=T0 + timedelta(seconds=3),
        last_failed_at=T0 + timedelta(seconds=5))
    assert seen[("line", "FAB1")].last_failed_at is None


def test_long_bodies_and_summaries_are_cut(engine: Engine) -> None:
    body = clip_body(b"x" * (BODY_LIMIT + 1000))
    assert body is not None and body.startswith("x" * BODY_LIMIT) and body.endswith("(1000 more characters not kept)")
    long = AdapterMessage(AdapterKind.MES, "mes", Direction.RECEIVED, "GET " + "/a" * 400, "y" * 100_000)
    adapter_journal.record(engine, [long])
    [stored] = adapter_journal.recent(engine, "mes", "mes")
    assert len(stored.summary) == 300 and stored.summary.endswith("…")
    assert stored.body is not None and len(stored.body) < 3 * BODY_LIMIT


async def test_the_writer_flushes_in_the_background_and_at_stop(engine: Engine) -> None:
    writer = JournalWriter(engine, interval=0.1)
    assert isinstance(writer, Journal)
    async with writer:
        started = time.perf_counter()
        for n in range(300):
            writer.record(message(n))
        assert time.perf_counter() - started < 0.05, "record() must not wait for the database"
        deadline = time.monotonic() + 10
        while count(engine, "mes", "mes") < 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert count(engine, "mes", "mes") == 200
        writer.record(message(1000))  # still queued when the writer stops: stop() writes it
    assert adapter_journal.recent(engine, "mes", "mes", 1)[0].summary == "GET /api/v1/job-orders/WO-1000"
    assert writer.written == 301 and writer.dropped == 0 and writer.failed == 0


async def test_a_full_queue_drops_and_counts(engine: Engine) -> None:
    writer = JournalWriter(engine, capacity=10)
    for n in range(25):
        writer.record(message(n))
    assert (writer.queued, writer.dropped) == (10, 15)
    assert await writer.flush() == 10
    assert [m.summary for m in adapter_journal.recent(engine, "mes", "mes", 1)] == ["GET /api/v1/job-orders/WO-9"]


async def test_a_database_error_is_logged_and_counted_never_raised(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no adapter_messages table
    writer = JournalWriter(unmigrated, interval=0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="c2m.journal"):
            async with writer:
                writer.record(message(1))
                writer.record(message(2))
                deadline = time.monotonic() + 10
                while writer.failed < 2 and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                writer.record(message(3))
        assert (writer.failed, writer.written) == (3, 0)
        warnings = [r for r in caplog.records if "cannot write" in r.getMessage()]
        assert len(warnings) == 1, "one warning per outage, not one per batch"
    finally:
        unmigrated.dispose()
