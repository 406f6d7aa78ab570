"""Wake event readers the moment new events commit: PostgreSQL LISTEN on the events channel.

Writers notify :data:`~orchestrator.persistence.events.EVENTS_CHANNEL` in the inserting transaction
(see ``append_events``), so a notification arrives only after the rows are visible. The listener holds
one autocommit psycopg connection per process and turns each notification into a set
:class:`asyncio.Event`. Notifications carry no data: readers still read the table, which stays the one
source of truth, so a lost or merged notification can delay a read but never lose an event.

On SQLite there is nothing to listen to; :attr:`EventWakeups.listening` stays false and readers poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from orchestrator.persistence.db import normalise_url
from orchestrator.persistence.events import EVENTS_CHANNEL

log = logging.getLogger("c2m.events")

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 5


def listen_conninfo(url: str | URL) -> str | None:
    """The libpq conninfo of a PostgreSQL SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``).

    None for any other database: there is nothing to listen to.
    """
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
    parsed = make_url(normalise_url(text))
    if parsed.get_backend_name() != "postgresql":
        return None
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class EventWakeups:
    """Sets an event whenever PostgreSQL announces committed events; does nothing without a conninfo."""

    def __init__(self, conninfo: str | None, channel: str = EVENTS_CHANNEL, liveness_seconds: float = 30.0) -> None:
        self.conninfo = conninfo
        self.channel = channel
        # A silently dropped connection never raises on its own; a query after this much quiet finds out.
        self.liveness_seconds = liveness_seconds
        self.listening = False
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin listening in the background (no-op on SQLite)."""
        if self.conninfo is not None and self._task is None:
            self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.listening = False

    def clear(self) -> None:
        """Forget wake-ups so far; call it before reading, so one arriving during the read is kept."""
        self._woken.clear()

    async def wait(self, timeout: float) -> bool:
        """Until a wake-up arrives (True) or ``timeout`` seconds pass (False)."""
        try:
            await asyncio.wait_for(self._woken.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def _listen(self) -> None:
        assert self.conninfo is not None
        retry = FIRST_RETRY_SECONDS
        while True:
            try:
                await self._hold_connection()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # PostgreSQL restarting, network down: fall back to polling, retry
                if self.listening:  # it was working: the first retry comes soon again
                    retry = FIRST_RETRY_SECONDS
                self.listening = False
                log.warning("event wake-ups: no LISTEN connection to PostgreSQL (%s: %s); streams poll the events "
                            "table meanwhile; retrying in %.1f s", exc.__class__.__name__, str(exc).strip()[:200],
                            retry)
                await asyncio.sleep(retry)
                retry = min(retry * 2, MAX_RETRY_SECONDS)

    async def _hold_connection(self) -> None:
        """Listen until the connection fails (it never returns normally)."""
        assert self.conninfo is not None
        conn = await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="c2m-event-wakeups",
        )
        async with conn:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            if not self.listening:
                log.info("event wake-ups: listening on PostgreSQL channel %s", self.channel)
            self.listening = True
            self._woken.set()  # events may have committed while nobody listened: read once now
            while True:
                async for _ in conn.notifies(timeout=self.liveness_seconds):
                    self._woken.set()
                await conn.execute("SELECT 1")
