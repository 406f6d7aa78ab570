"""A line's status over OPC UA: an asyncua subscription turned into line events.

:class:`OpcUaLineStatusSource` implements :class:`~orchestrator.ports.lines.LineStatusSource`. Each
connection uses a fresh :class:`asyncua.Client`: it reads every mapped node (the snapshot), then
subscribes to them with a short publishing interval. When the link breaks (server gone, socket
closed, subscription lost) the client is dropped and a new one connects after a backoff, and the
:class:`~adapters.opcua.line_tracker.LineTracker` reports what changed meanwhile, so no completion
is lost or repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from asyncua import Client, ua
from asyncua.client.ua_client import UaClientState
from asyncua.common.subscription import DataChangeEvent, StatusChangeEvent, Subscription

from adapters.opcua.line_journal import LineJournal
from adapters.opcua.line_tracker import LineTracker
from adapters.opcua.nodes import read_current, resolve_nodes
from orchestrator.ports.journal import Journal
from orchestrator.ports.lines import (
    ConnectionStatus,
    LineEvent,
    LineStatusBinding,
    LineStatusConfigError,
)

log = logging.getLogger(__name__)

#: What a broken link looks like from asyncua: transport errors, timeouts, bad status codes.
LINK_ERRORS: tuple[type[BaseException], ...] = (OSError, ConnectionError, TimeoutError, ua.UaError)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _LinkLost(ConnectionError):
    """The subscription reported that the server or the session went away."""


class OpcUaLineStatusSource:
    """Follows one line over OPC UA (see the contract on :class:`~orchestrator.ports.lines.LineStatusSource`).

    ``clock`` gives the plant time stamped on events (pass ``PlantClock.now``; default wall UTC).
    ``publishing_interval_ms`` is the subscription's publishing interval; ``down_after`` how many
    seconds of failed reconnecting make the link ``down``. With a ``journal``, the values read and
    received are recorded there, sampled (see :class:`~adapters.opcua.line_journal.LineJournal`).
    """

    def __init__(
        self,
        binding: LineStatusBinding,
        *,
        known_completed: Iterable[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        publishing_interval_ms: float = 50.0,
        request_timeout: float = 4.0,
        backoff_initial: float = 0.25,
        backoff_max: float = 5.0,
        down_after: float = 10.0,
        health_interval: float = 0.5,
        journal: Journal | None = None,
    ) -> None:
        if binding.adapter != "opcua":
            raise LineStatusConfigError(
                f"line {binding.line}: adapter {binding.adapter!r} is not 'opcua'; pick the matching adapter"
            )
        self.binding = binding
        self.tracker = LineTracker(binding, clock or _utc_now, known_completed)
        self.publishing_interval_ms = publishing_interval_ms
        self.request_timeout = request_timeout
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.down_after = down_after
        self.health_interval = health_interval
        self._closed = asyncio.Event()
        self._client: Client | None = None
        self._nodes: dict[str, Any] = {}
        self._streaming = False
        self._journal = LineJournal(binding, journal) if journal is not None else None

    @property
    def _where(self) -> str:
        return f"line {self.binding.line} at {self.binding.endpoint}"

    async def close(self) -> None:
        """Stop the stream (the iterator ends within a fraction of a second) and disconnect."""
        self._closed.set()
        await self._disconnect()

    async def events(self) -> AsyncIterator[LineEvent]:
        """The line's events: snapshot first, then changes; reconnects until :meth:`close`."""
        if self._streaming:
            raise RuntimeError(f"{self._where}: events() is already being iterated; use one stream per source")
        self._streaming = True
        backoff = self.backoff_initial
        outage_since: float | None = None
        down_reported = False
        try:
            while not self._closed.is_set():
                error: BaseException | None = None
                try:
                    subscription, field_of = await self._connect()
                    raw = await read_current(self._client_or_fail(), self._nodes, self._where)
                    if self._journal is not None:
                        self._journal.snapshot(raw)
                    await self._subscribe(subscription)
                    # After any failed attempt (even before the first success) a `connected` event
                    # closes the `reconnecting` one the consumer saw.
                    for event in self.tracker.connected(raw, reconnected=outage_since is not None):
                        yield event
                    outage_since, down_reported = None, False
                    backoff = self.backoff_initial
                    while not self._closed.is_set():
                        batch = await self._next_batch(subscription, field_of)
                        if batch:
                            if self._journal is not None:
                                self._journal.changes(batch)
                            for event in self.tracker.changed(batch):
                                yield event
                except LineStatusConfigError:
                    raise
                except LINK_ERRORS as exc:
                    error = exc
                except Exception:
                    if self._closed.is_set():  # close() tore the client down mid-call
                        break
                    raise
                finally:
                    await self._disconnect()
                if error is None or self._closed.is_set():
                    continue
                log.info("%s: link lost (%r); reconnecting in %.2f s", self._where, error, backoff)
                if self._journal is not None:
                    self._journal.link_lost(_describe(error))
                now = time.monotonic()
                if outage_since is None:
                    outage_since = now
                    yield self.tracker.connection(ConnectionStatus.RECONNECTING, _describe(error))
                elif not down_reported and now - outage_since >= self.down_after:
                    down_reported = True
                    yield self.tracker.connection(ConnectionStatus.DOWN, _describe(error))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), backoff)
                backoff = min(backoff * 2, self.backoff_max)
        finally:
            self._streaming = False
            await self._disconnect()

    # --- one connection ---------------------------------------------------------------------------

    def _client_or_fail(self) -> Client:
        if self._client is None:
            raise _LinkLost("not connected")
        return self._client

    async def _connect(self) -> tuple[Subscription, dict[Any, list[str]]]:
        client = Client(self.binding.endpoint, timeout=self.request_timeout, watchdog_intervall=self.health_interval)
        # The server keeps a dead client's session (and subscription) for this long; a minute is plenty.
        client.session_timeout = 60_000
        self._client = client
        await asyncio.wait_for(client.connect(), self.request_timeout * 2)
        self._nodes = await resolve_nodes(client, self.binding.nodes, self._where)
        field_of: dict[Any, list[str]] = {}
        for field, node in self._nodes.items():
            field_of.setdefault(node.nodeid, []).append(field)
        subscription = await client.create_subscription(self.publishing_interval_ms, None, queue_maxsize=100_000)
        return subscription, field_of

    async def _subscribe(self, subscription: Subscription) -> None:
        # Subscribed after the snapshot read: the initial notifications then carry values at least
        # as new as the snapshot, never older ones. A queue keeps quick state sequences intact.
        results = await subscription.subscribe_data_change(
            list(self._nodes.values()), queuesize=100, sampling_interval=ua.Double(0.0)
        )
        for field, result in zip(self._nodes, results, strict=True):
            if isinstance(result, ua.StatusCode):
                raise LineStatusConfigError(f"{self._where}: cannot subscribe to {field}: {result}")

    async def _next_batch(
        self, subscription: Subscription, field_of: dict[Any, list[str]]
    ) -> list[tuple[str, Any]]:
        """The changes of one publish (or nothing after ``health_interval``), as (field, value) in order."""
        event = await subscription.next_event(timeout=self.health_interval)
        if event is None:
            client = self._client
            if client is None or client.state is not UaClientState.CONNECTED:
                raise _LinkLost("the client is no longer connected")
            return []
        batch: list[tuple[str, Any]] = []
        # One publish arrives as several queued events at once; take them together so the tracker
        # sees consistent values (a Complete state with its final counts).
        while event is not None:
            if isinstance(event, StatusChangeEvent):
                status = event.notification.Status
                if status is None or not status.is_good():
                    raise _LinkLost(f"subscription status {status}")
            elif isinstance(event, DataChangeEvent):
                for field in field_of.get(event.node.nodeid, []):
                    batch.append((field, event.value))
            event = await subscription.next_event(timeout=0.002)
        return batch

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await asyncio.wait_for(client.disconnect(), 2.0)
        except Exception as exc:  # the server may already be gone: nothing left to release
            log.debug("%s: disconnect: %r", self._where, exc)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def open_line_status(
    binding: LineStatusBinding, *, known_completed: Iterable[str] | None = None, **options: Any
) -> OpcUaLineStatusSource:
    """A :class:`~orchestrator.ports.lines.LineStatusSourceFactory` for OPC UA lines."""
    return OpcUaLineStatusSource(binding, known_completed=known_completed, **options)
