"""An MQTT connection whose events arrive on an asyncio queue.

paho-mqtt 1.x runs its network loop (and every callback) in a thread of its own; the callbacks
here only hand what happened to the event loop with ``call_soon_threadsafe``, in arrival order.
paho reconnects by itself (with backoff) and the subscriptions are renewed on each connection,
since a clean session forgets them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from paho.mqtt import client as mqtt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connected:
    """The broker accepted the connection (the subscriptions are renewed)."""


@dataclass(frozen=True)
class Disconnected:
    """The connection to the broker is gone; paho tries again."""

    reason: str


@dataclass(frozen=True)
class Received:
    """A message on one of the subscribed topics."""

    topic: str
    payload: bytes


LinkEvent = Connected | Disconnected | Received


class MqttLink:
    """One paho client bridged to asyncio: :attr:`events` receives connections, losses and messages."""

    def __init__(
        self, host: str, port: int, topics: list[str], *, keepalive: int = 10, client_prefix: str = "c2m"
    ) -> None:
        self.host, self.port, self.topics, self.keepalive = host, port, list(topics), keepalive
        self.events: asyncio.Queue[LinkEvent] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client = mqtt.Client(client_id=f"{client_prefix}-{uuid.uuid4().hex[:12]}", clean_session=True)
        self._client.suppress_exceptions = True  # never let a callback end paho's network thread
        self._client.reconnect_delay_set(min_delay=1, max_delay=5)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._started = False

    def start(self) -> None:
        """Connect in paho's thread; it keeps retrying until the broker answers or :meth:`close`."""
        self._loop = asyncio.get_running_loop()
        self._client.connect_async(self.host, self.port, self.keepalive)
        self._client.loop_start()
        self._started = True

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> bool:
        """Queue a message; False when the client is not connected (nothing is sent)."""
        if not self._client.is_connected():
            return False
        return self._client.publish(topic, payload, qos=qos).rc == mqtt.MQTT_ERR_SUCCESS

    async def close(self) -> None:
        """Disconnect and end paho's thread (idempotent)."""
        if not self._started:
            return
        self._started = False
        with contextlib.suppress(Exception):
            self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)

    # --- paho's thread --------------------------------------------------------------------------

    def _post(self, event: LinkEvent) -> None:
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens any more
            loop.call_soon_threadsafe(self.events.put_nowait, event)

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, rc: int) -> None:
        if rc != 0:
            self._post(Disconnected(f"broker refused the connection: {mqtt.connack_string(rc)}"))
            return
        _no_delay(client)
        for topic in self.topics:
            client.subscribe(topic, qos=1)
        self._post(Connected())

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, rc: int) -> None:
        self._post(Disconnected(f"connection to {self.host}:{self.port} lost: {mqtt.error_string(rc)}"))

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._post(Received(message.topic, bytes(message.payload)))


def _no_delay(client: mqtt.Client) -> None:
    """Send small messages at once: with Nagle's algorithm a second message (a command's answer
    after the values it changed) waits for the peer's delayed ACK, some 40 ms."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
