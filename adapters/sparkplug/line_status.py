"""A line's status over MQTT Sparkplug B: the line's device births and data turned into line events.

:class:`SparkplugLineStatusSource` implements :class:`~orchestrator.ports.lines.LineStatusSource`.
Births are not retained in Sparkplug, so on every connection to the broker the source asks the
edge node for them (NCMD ``Node Control/Rebirth``); the DBIRTH gives the snapshot. A jump in the
``seq`` numbers means a lost message: the source asks for a rebirth and, when the births come,
reports the net changes. An NDEATH (or DDEATH, or a lost broker) is a lost link: ``reconnecting``,
later ``down``, then ``connected`` with a fresh snapshot at the next births. The
:class:`~adapters.opcua.line_tracker.LineTracker` (protocol-free) turns values into events, so
completions are reported exactly once, even when they happened while the line was out of sight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pysparkplug import DataType, MessageType, Metric, NCmd, Topic, get_current_timestamp

from adapters.opcua.line_tracker import LineTracker
from adapters.sparkplug.metrics import NODE_REBIRTH, c2m_metric_names, fields_by_metric
from adapters.sparkplug.mqtt_link import Connected, Disconnected, MqttLink, Received
from adapters.sparkplug.session import DeviceSession, Meaning
from adapters.sparkplug.settings import SparkplugSettings
from orchestrator.ports.lines import ConnectionStatus, LineEvent, LineStatusBinding

log = logging.getLogger(__name__)

_POLL = 0.2  # seconds: how often timers (rebirth, down) and close() are looked at while idle


def _utc_now() -> datetime:
    return datetime.now(UTC)


def rebirth_request() -> bytes:
    """The NCMD payload that asks an edge node to publish its births again."""
    rebirth = Metric(timestamp=get_current_timestamp(), name=NODE_REBIRTH, datatype=DataType.BOOLEAN, value=True)
    return NCmd(timestamp=get_current_timestamp(), metrics=(rebirth,)).encode(include_dtypes=True)


class SparkplugLineStatusSource:
    """Follows one line, a Sparkplug device (see the contract on ``LineStatusSource``).

    ``metrics`` maps our fields to metric names (default: the c2m convention); ``states`` maps raw
    state values to PackML numbers as in a :class:`~orchestrator.ports.lines.LineStatusBinding`.
    ``clock`` stamps plant time on events (pass ``PlantClock.now``; default wall UTC).
    """

    def __init__(
        self,
        settings: SparkplugSettings,
        line: str,
        *,
        metrics: dict[str, str] | None = None,
        states: dict[str, int] | None = None,
        known_completed: Iterable[str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings, self.line = settings, line
        names = metrics or c2m_metric_names()
        self.binding = LineStatusBinding(
            line=line, adapter="sparkplug", endpoint=settings.endpoint(line), nodes=names, states=states or {}
        )
        self.tracker = LineTracker(self.binding, clock or _utc_now, known_completed)
        self._fields = fields_by_metric(names)
        self.session = DeviceSession(settings.group_id, settings.edge_node_id, settings.device_of(line))
        self._closed = asyncio.Event()
        self._streaming = False
        self.rebirths_requested = 0  # NCMD Rebirth sent so far (observability, tests)
        self.gaps_seen = 0  # seq gaps detected so far

    @property
    def _where(self) -> str:
        return f"line {self.line} at {self.binding.endpoint}"

    async def close(self) -> None:
        """Stop the stream (the iterator ends within a fraction of a second) and disconnect."""
        self._closed.set()

    async def events(self) -> AsyncIterator[LineEvent]:
        """The line's events: snapshot first, then changes; follows the line until :meth:`close`."""
        if self._streaming:
            raise RuntimeError(f"{self._where}: events() is already being iterated; use one stream per source")
        self._streaming = True
        s = self.settings
        node_topics = f"{Topic.namespace}/{s.group_id}/+/{s.edge_node_id}/#"  # '#' also matches the node's own
        link = MqttLink(s.host, s.port, [node_topics], keepalive=s.keepalive)
        link.start()
        live = False  # the values are the line's current ones (a birth was read, nothing lost since)
        outage_since: float | None = time.monotonic()  # not live since (the start counts as an outage)
        reported: ConnectionStatus | None = None  # the outage as the consumer knows it
        connected, asked_at = False, 0.0
        gap_since: float | None = None  # values untrusted since a lost message, births asked for
        try:
            while not self._closed.is_set():
                try:
                    item = await asyncio.wait_for(link.events.get(), _POLL)
                except TimeoutError:
                    item = None
                now = time.monotonic()
                lost: str | None = None
                if isinstance(item, Connected):
                    connected = True
                    self.session.reset()  # births may have been missed while away
                    asked_at = self._ask_rebirth(link)
                elif isinstance(item, Disconnected):
                    connected = False
                    self.session.reset()
                    lost = item.reason
                elif isinstance(item, Received):
                    try:
                        outcome = self.session.read(item.topic, item.payload)
                    except Exception as exc:  # a payload we cannot decode: treat as lost, ask again
                        log.warning("%s: cannot read %s: %r; asking for a rebirth", self._where, item.topic, exc)
                        self.session.reset()
                        asked_at = self._ask_rebirth(link)
                        continue
                    if outcome.meaning is Meaning.BIRTH:
                        raw = self._raw(outcome.updates)
                        if live:  # births after a gap: the net changes, no new snapshot
                            events = self.tracker.changed(list(raw.items()))
                        else:
                            events = self.tracker.connected(raw, reconnected=reported is not None)
                        live, outage_since, reported, gap_since = True, None, None, None
                        for event in events:
                            yield event
                    elif outcome.meaning is Meaning.DATA and live:
                        for event in self.tracker.changed(self._updates(outcome.updates)):
                            yield event
                    elif outcome.meaning is Meaning.DEATH:
                        lost = outcome.detail
                    elif outcome.meaning is Meaning.GAP:
                        self.gaps_seen += 1
                        log.info("%s: %s; asking for a rebirth", self._where, outcome.detail)
                        asked_at = self._ask_rebirth(link)
                        gap_since = gap_since or now
                if live and gap_since is not None and now - gap_since >= 2 * s.rebirth_every:
                    lost = "a message was lost and the edge node does not answer the rebirth request"
                if lost is not None:
                    gap_since = None
                    if live or outage_since is None:
                        live, outage_since = False, now
                    if reported is None:
                        reported = ConnectionStatus.RECONNECTING
                        yield self.tracker.connection(ConnectionStatus.RECONNECTING, lost)
                if connected and not self.session.trusted and now - asked_at >= s.rebirth_every:
                    asked_at = self._ask_rebirth(link)  # the node may be down, or our request was lost
                if outage_since is not None:
                    waited = now - outage_since
                    if reported is None and waited >= 2 * s.rebirth_every:
                        reported = ConnectionStatus.RECONNECTING
                        yield self.tracker.connection(reported, self._why_not_live(connected))
                    if reported is ConnectionStatus.RECONNECTING and waited >= s.down_after:
                        reported = ConnectionStatus.DOWN
                        yield self.tracker.connection(reported, self._why_not_live(connected))
        finally:
            self._streaming = False
            await link.close()

    def _ask_rebirth(self, link: MqttLink) -> float:
        s = self.settings
        topic = Topic(message_type=MessageType.NCMD, group_id=s.group_id, edge_node_id=s.edge_node_id)
        if link.publish(str(topic), rebirth_request()):
            self.rebirths_requested += 1
        return time.monotonic()

    def _why_not_live(self, connected: bool) -> str:
        if not connected:
            return f"no connection to the broker {self.settings.host}:{self.settings.port}"
        return f"no birth certificate from edge node {self.settings.edge_node_id} (asked for a rebirth)"

    def _raw(self, metrics: list[tuple[str, Any]]) -> dict[str, Any]:
        return dict(self._updates(metrics))

    def _updates(self, metrics: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        return [(field, value) for name, value in metrics for field in self._fields.get(name, ())]
