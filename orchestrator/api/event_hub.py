"""Fan the event trail out to live streams, in order, without gaps, across API processes.

The database is the broadcast medium: every API process runs one reader that follows the ``events``
table and hands new rows to its local subscribers. On PostgreSQL the reader is woken by NOTIFY the moment
a writer commits (``event_wakeups``) and re-reads only rarely as a safety net; on SQLite, or while the
LISTEN connection is down, it polls. A subscriber first catches up from the database from its
``Last-Event-ID``, then takes live rows; ids it already sent are skipped, so a reconnect yields exactly
what was missed, from any API process.

A slow subscriber never holds the reader up: its queue is bounded, and when it overflows the reader
drops the row for that subscriber only and marks it; the subscriber then refills from the database.

Ids can commit out of order (two writers) or be skipped (rolled back, or taken by an insert that hit
its dedupe key). The reader therefore stops at a hole and waits up to ``hole_wait`` for it to fill
before passing it, so a late commit is never jumped over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from orchestrator.persistence.event_wakeups import EventWakeups, listen_conninfo
from orchestrator.persistence.events import EVENTS

log = logging.getLogger("c2m.events")

READ_BATCH = 500
#: Live rows a subscriber may have waiting before it is switched to refilling from the database.
SUBSCRIBER_BACKLOG = 1000


@dataclass(frozen=True)
class StreamEvent:
    """One event as streams send it."""

    id: int
    kind: str
    order_id: str | None
    line: str | None
    plant_time: str
    payload: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "order_id": self.order_id, "line": self.line,
                "plant_time": self.plant_time, **({"payload": self.payload} if self.payload else {})}


@dataclass(eq=False)
class _Subscriber:
    order_id: str | None
    queue: asyncio.Queue[StreamEvent | None] = field(default_factory=lambda: asyncio.Queue(SUBSCRIBER_BACKLOG))
    overflowed: bool = False


class EventHub:
    """One per API process: follows the events table and feeds every open stream.

    ``poll_interval`` is the pause between reads without wake-ups (SQLite, or PostgreSQL while LISTEN is
    down); ``listen_poll_interval`` the safety re-read while NOTIFY wake-ups arrive.
    """

    def __init__(self, engine: Engine, poll_interval: float = 0.1, listen_poll_interval: float = 1.0,
                 hole_wait: float = 2.0, wakeups: EventWakeups | None = None) -> None:
        self.engine = engine
        self.poll_interval = poll_interval
        self.listen_poll_interval = listen_poll_interval
        self.hole_wait = hole_wait
        self.wakeups = wakeups or EventWakeups(listen_conninfo(engine.url))
        self.cursor = 0
        self.overflows = 0  # times a subscriber fell behind and was switched to refilling from the database
        self._subs: set[_Subscriber] = set()
        self._task: asyncio.Task[None] | None = None
        self._hole_since: float | None = None
        self._ready = asyncio.Event()

    @property
    def listening(self) -> bool:
        """True while PostgreSQL NOTIFY wake-ups drive the reader."""
        return self.wakeups.listening

    async def start(self) -> None:
        """Begin following the table from its current end (once the database answers)."""
        await self.wakeups.start()
        self._task = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        """Stop following and end every open stream (clients reconnect with ``Last-Event-ID``)."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.wakeups.stop()
        for sub in list(self._subs):
            while not sub.queue.empty():  # make room for the end mark; the client resumes from the database
                sub.queue.get_nowait()
            sub.queue.put_nowait(None)

    async def stream(self, after_id: int, order_id: str | None = None) -> AsyncIterator[StreamEvent]:
        """Events after ``after_id`` (for one order, or all), then live ones, in id order, forever."""
        await self._ready.wait()
        sub = _Subscriber(order_id)
        self._subs.add(sub)  # before catching up: rows published meanwhile queue up and are de-duplicated
        try:
            last = after_id
            async for event in self._from_database(last, order_id):
                last = event.id
                yield event
            while True:
                live = await sub.queue.get()
                if live is None:
                    return
                if sub.overflowed:  # this client fell behind and rows were dropped: refill from the database
                    sub.overflowed = False
                    async for missed in self._from_database(last, order_id):
                        last = missed.id
                        yield missed
                    continue
                if live.id > last:
                    last = live.id
                    yield live
        finally:
            self._subs.discard(sub)

    async def _from_database(self, after: int, order_id: str | None) -> AsyncIterator[StreamEvent]:
        """Every row after ``after`` that the reader has passed, in batches."""
        while True:
            batch = await asyncio.to_thread(self._read, after, self.cursor, order_id)
            for event in batch:
                after = event.id
                yield event
            if len(batch) < READ_BATCH:
                return  # everything up to the cursor of that read; later rows are in the live queue

    async def _follow(self) -> None:
        while True:  # the API starts even when the database is down; /health says so
            try:
                self.cursor = await asyncio.to_thread(self._max_id)
                self._ready.set()
                break
            except Exception as exc:
                log.warning("event reader waiting for the database: %s", exc.__class__.__name__)
                await asyncio.sleep(1)
        while True:
            self.wakeups.clear()  # before reading: a commit during the read wakes the next one
            try:
                await self._advance()
            except Exception:  # the database may be restarting; keep following
                log.exception("event reader failed; retrying")
                await asyncio.sleep(1)
            await self.wakeups.wait(self._pause())

    def _pause(self) -> float:
        pause = self.listen_poll_interval if self.wakeups.listening else self.poll_interval
        if self._hole_since is not None:  # look again when the hole expires, not a whole pause later
            pause = min(pause, max(0.01, self._hole_since + self.hole_wait - time.monotonic()))
        return pause

    async def _advance(self) -> None:
        while True:
            rows = await asyncio.to_thread(self._read, self.cursor, None, None)
            for event in rows:
                if event.id != self.cursor + 1 and not self._hole_expired():
                    return  # an earlier id may still commit; wait for it
                self._hole_since = None
                self.cursor = event.id
                self._publish(event)
            if len(rows) < READ_BATCH:
                return

    def _hole_expired(self) -> bool:
        now = time.monotonic()
        if self._hole_since is None:
            self._hole_since = now
        return now - self._hole_since >= self.hole_wait

    def _publish(self, event: StreamEvent) -> None:
        for sub in self._subs:
            if sub.order_id is not None and sub.order_id != event.order_id:
                continue
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:  # a slow client never stalls the others
                if not sub.overflowed:
                    self.overflows += 1
                sub.overflowed = True

    def _max_id(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(EVENTS.c.id), 0))).scalar_one())

    def _read(self, after: int, upto: int | None, order_id: str | None, limit: int = READ_BATCH) -> list[StreamEvent]:
        query = select(EVENTS).where(EVENTS.c.id > after)
        if upto is not None:
            query = query.where(EVENTS.c.id <= upto)
        if order_id is not None:
            query = query.where(EVENTS.c.order_id == order_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(EVENTS.c.id).limit(limit)).mappings().all()
        return [
            StreamEvent(id=r["id"], kind=r["kind"], order_id=r["order_id"], line=r["line"],
                        plant_time=r["plant_time"].isoformat(), payload=r["payload"] or {})
            for r in rows
        ]
