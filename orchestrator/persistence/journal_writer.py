"""The adapter journal's writer: a bounded in-memory queue flushed to the database in the background.

Adapters call :meth:`JournalWriter.record` on their hot path (an MES call, an OPC UA publish, a
webhook); it only appends to a queue. A background task writes the queue in batches every
``interval`` seconds. When the queue is full new messages are dropped and counted; when the database
fails the batch is dropped, counted and logged. Nothing here ever raises into an adapter or waits
for the database on its behalf.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from types import TracebackType

from sqlalchemy.engine import Engine

from orchestrator.persistence import adapter_journal
from orchestrator.persistence.db import make_engine
from orchestrator.ports.journal import AdapterMessage

log = logging.getLogger("c2m.journal")


class JournalWriter:
    """A :class:`~orchestrator.ports.journal.Journal` that writes to ``adapter_messages``.

    Use it as an async context manager (or :meth:`start` / :meth:`stop`): the flushing task runs on
    the event loop it was started in, and :meth:`stop` writes what is still queued. ``capacity``
    bounds the queue, ``batch_size`` the rows per transaction, ``keep`` the rows per endpoint.
    ``record`` is safe to call from any thread.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = 0.5,
        capacity: int = 5000,
        batch_size: int = 500,
        keep: int = adapter_journal.KEEP,
        owns_engine: bool = False,
    ) -> None:
        if interval <= 0 or capacity < 1 or batch_size < 1:
            raise ValueError("the journal needs interval > 0, capacity >= 1 and batch_size >= 1")
        self.engine = engine
        self.interval = interval
        self.capacity = capacity
        self.batch_size = batch_size
        self.keep = keep
        self._owns_engine = owns_engine
        self._queue: list[AdapterMessage] = []
        self._lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._failing = False
        self.written = 0
        self.dropped = 0  # queue full
        self.failed = 0  # the database refused the batch
        self._dropped_reported = 0

    @classmethod
    def to_database(cls, url: str, **options: float | int) -> JournalWriter:
        """A writer with its own small engine on ``url`` (disposed by :meth:`stop`)."""
        return cls(make_engine(url), owns_engine=True, **options)  # type: ignore[arg-type]

    @property
    def queued(self) -> int:
        """Messages waiting to be written."""
        with self._lock:
            return len(self._queue)

    def record(self, message: AdapterMessage) -> None:
        """Queue ``message``; drops it (and counts it) when the queue is full. Never blocks or raises."""
        with self._lock:
            if len(self._queue) >= self.capacity:
                self.dropped += 1
                return
            self._queue.append(message)

    async def start(self) -> None:
        """Start the background flushing on the running event loop."""
        if self._task is None:
            self._stopping = asyncio.Event()  # bound to this loop
            self._task = asyncio.create_task(self._run(), name="adapter-journal")

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop flushing after writing what is queued (bounded by ``timeout`` seconds)."""
        task, self._task = self._task, None
        if task is not None:
            self._stopping.set()
            try:
                await asyncio.wait_for(task, timeout)
            except TimeoutError:
                log.warning("adapter journal: gave up writing %d queued messages at shutdown", self.queued)
        if self._owns_engine:
            self.engine.dispose()

    async def __aenter__(self) -> JournalWriter:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def flush(self) -> int:
        """Write everything queued now, in batches; returns how many messages were written."""
        written = 0
        while batch := self._take():
            written += await self._write(batch)
        self._report_drops()
        return written

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            await self.flush()

    def _take(self) -> list[AdapterMessage]:
        with self._lock:
            batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size :]
        return batch

    async def _write(self, batch: list[AdapterMessage]) -> int:
        try:
            await asyncio.to_thread(adapter_journal.record, self.engine, batch, self.keep)
        except Exception as exc:  # the journal is a courtesy: log, count, carry on
            self.failed += len(batch)
            if not self._failing:
                log.warning("adapter journal: cannot write %d messages (%r); dropping them until the "
                            "database answers again", len(batch), exc)
            self._failing = True
            return 0
        if self._failing:
            log.info("adapter journal: writing again (%d messages lost meanwhile)", self.failed)
        self._failing = False
        self.written += len(batch)
        return len(batch)

    def _report_drops(self) -> None:
        with self._lock:
            new = self.dropped - self._dropped_reported
            self._dropped_reported = self.dropped
        if new:
            log.warning("adapter journal: queue full (%d messages), dropped %d messages", self.capacity, new)
