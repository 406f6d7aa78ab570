"""One line's monitor loop: source events -> trail rows and status (one transaction per burst) -> signals.

Four tasks share the work so that none waits for another: the *reader* drains the line status source
into a queue; the *writer* takes whatever has queued up (a burst), translates it and commits it at once;
the *signaller* reads committed job and fault rows back in id order and signals them, remembering the
last id it delivered (the checkpoint); the *heartbeat* reports liveness and the checkpoint every few
seconds, also while the line is quiet. The first task to fail ends the monitor with its error.

Nothing here knows Temporal: the activity passes ``heartbeat`` and a signaller in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError, OperationalError

from orchestrator.persistence.events import NewEvent
from orchestrator.ports.lines import LineEvent, LineStatusSource
from workflows.lines.recorder import LineRecorder, SignalRow, status_values
from workflows.lines.translate import LineTranslator
from workflows.lines.types import SIGNALLED_KINDS

log = logging.getLogger(__name__)

DB_RETRIES = 5  # attempts per burst before the monitor gives up (and its activity is retried afresh)


class Signaller(Protocol):
    """Delivers the signals of one committed row (see :class:`~workflows.lines.signalling.WorkflowSignaller`)."""

    async def deliver(self, row: SignalRow) -> None:
        """Send the row's signals; return when delivered or undeliverable."""
        ...


class LineMonitor:
    """Follows one line until cancelled (or until the source fails for good)."""

    def __init__(
        self,
        source: LineStatusSource,
        translator: LineTranslator,
        recorder: LineRecorder,
        signaller: Signaller,
        heartbeat: Callable[[int], None],
        *,
        checkpoint: int = 0,
        heartbeat_every: float = 2.0,
        signal_poll: float = 10.0,
        max_burst: int = 1000,
    ) -> None:
        self.source, self.translator, self.recorder = source, translator, recorder
        self.signaller, self.heartbeat = signaller, heartbeat
        self.checkpoint = checkpoint
        self.heartbeat_every, self.signal_poll, self.max_burst = heartbeat_every, signal_poll, max_burst
        self.bursts = 0
        self.rows_written = 0
        self._queue: asyncio.Queue[LineEvent] = asyncio.Queue()
        self._signal_due = asyncio.Event()
        self._signal_due.set()  # rows committed before this monitor started may still wait for their signals

    @property
    def line(self) -> str:
        """The line followed."""
        return self.translator.line

    async def run(self) -> None:
        """Run until cancelled; raises the first error of any of its tasks."""
        tasks = [
            self._task(self._read(), "read"),
            self._task(self._write(), "write"),
            self._task(self._signal(), "signal"),
            self._task(self._beat(), "heartbeat"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raises the task's error
            raise RuntimeError(f"line {self.line}: the line status stream ended without being closed")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self.source.close()

    def _task(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.create_task(coro, name=f"line-monitor-{self.line}-{name}")

    async def _read(self) -> None:
        async for event in self.source.events():
            self._queue.put_nowait(event)

    async def _write(self) -> None:
        while True:
            due = self.translator.next_due()
            timeout = None if due is None else max(due - time.monotonic(), 0.0)
            events: list[LineEvent] = []
            with contextlib.suppress(TimeoutError):  # the coalesced progress row is due
                events.append(await asyncio.wait_for(self._queue.get(), timeout))
            while not self._queue.empty() and len(events) < self.max_burst:
                events.append(self._queue.get_nowait())
            wall = time.monotonic()
            rows = [row for event in events for row in self.translator.feed(event, wall)]
            rows += self.translator.flush_due(wall)
            if not rows and not events:
                continue
            status = status_values(self.line, self.translator.status, self.translator.connection) if events else None
            await self._commit(rows, status)
            if any(row.kind in SIGNALLED_KINDS for row in rows):
                self._signal_due.set()

    async def _commit(self, rows: list[NewEvent], status: dict[str, Any] | None) -> None:
        delay = 0.2
        for attempt in range(1, DB_RETRIES + 1):
            try:
                self.rows_written += await asyncio.to_thread(self.recorder.write, rows, status)
                self.bursts += 1
                return
            except (OperationalError, DBAPIError) as exc:  # database restarting or busy: the burst is kept
                if attempt == DB_RETRIES:
                    raise
                log.warning("line %s: writing %d rows failed (%r); retrying in %.1f s", self.line, len(rows), exc,
                            delay)
                await asyncio.sleep(delay)
                delay *= 2

    async def _signal(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._signal_due.wait(), self.signal_poll)
            self._signal_due.clear()
            while True:
                rows = await asyncio.to_thread(self.recorder.signal_rows_after, self.checkpoint)
                for row in rows:
                    await self.signaller.deliver(row)
                    self.checkpoint = row.id
                if not rows:
                    break

    async def _beat(self) -> None:
        while True:
            self.heartbeat(self.checkpoint)
            await asyncio.sleep(self.heartbeat_every)
