"""One Sparkplug B edge node (the plant) with one device per line, over paho-mqtt.

Sparkplug rules kept here: NBIRTH carries ``bdSeq`` and ``Node Control/Rebirth``; the MQTT will is
an NDEATH with the same ``bdSeq``; every NBIRTH/DBIRTH/DDATA carries the next ``seq`` (0 at each
birth, modulo 256); NCMD ``Node Control/Rebirth`` republishes the births. Payloads and topics are
pysparkplug's. paho runs its network loop in its own thread, so the metric values and the seq
counter live behind one lock: a rebirth (paho thread) and a DDATA (asyncio thread) never interleave.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from paho.mqtt import client as mqtt
from pysparkplug import (
    DataType,
    DBirth,
    DCmd,
    DData,
    MessageType,
    Metric,
    NBirth,
    NCmd,
    NDeath,
    Topic,
    get_current_timestamp,
)

from simulators.sparkplug.metrics import BD_SEQ, NODE_REBIRTH, field_metrics, metric

log = logging.getLogger("simulators.sparkplug")

#: (device id, metrics by name) of a DCMD, handed to the owner from the paho thread.
CommandHandler = Callable[[str, dict[str, Any]], None]
#: Device id -> its DBIRTH metrics, asked for at each birth (called under the node's lock).
BirthSource = Callable[[str], list[Metric]]


class PlantEdgeNode:
    """The plant as a Sparkplug edge node ``spBv1.0/<group>/.../<edge node>/<device>``."""

    def __init__(
        self,
        group_id: str,
        edge_node_id: str,
        devices: list[str],
        births: BirthSource,
        on_command: CommandHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        keepalive: int = 10,
        bd_seq: int = 0,
    ) -> None:
        self.group_id, self.edge_node_id = group_id, edge_node_id
        self.devices = list(devices)
        self.host, self.port, self.keepalive = host, port, keepalive
        self._births, self._on_command = births, on_command
        self._lock = threading.Lock()
        self._seq = 0
        self._bd_seq = bd_seq % 256  # the bdSeq of the will registered for the coming connection
        self._online = False
        self._client = mqtt.Client(client_id=f"c2m-sim-{group_id}-{edge_node_id}", clean_session=True)
        self._client.suppress_exceptions = True  # a bad command must not end paho's network thread
        self._client.reconnect_delay_set(min_delay=1, max_delay=5)
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_message = self._message
        self.births_published = 0  # how many NBIRTHs so far (tests and logs)

    def topic(self, kind: MessageType, device: str | None = None) -> Topic:
        """The Sparkplug topic of a message of this node (or of one of its devices)."""
        return Topic(message_type=kind, group_id=self.group_id, edge_node_id=self.edge_node_id, device_id=device)

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in paho's thread (retrying until the broker answers); births follow each connection."""
        self._set_will()
        self._client.connect_async(self.host, self.port, self.keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        """Publish NDEATH (a clean disconnect does not fire the will), disconnect, end paho's thread."""
        info = None
        with self._lock:
            if self._online:
                info = self._client.publish(str(self.topic(MessageType.NDEATH)), self._death(), qos=0)
            self._online = False
        if info is not None:  # waited outside the lock: paho's thread may need it to get there
            info.wait_for_publish(timeout=2.0)
        self._client.disconnect()
        self._client.loop_stop()

    def _death(self) -> bytes:
        bd_seq = Metric(timestamp=get_current_timestamp(), name=BD_SEQ, datatype=DataType.INT64, value=self._bd_seq)
        return NDeath(timestamp=get_current_timestamp(), bd_seq_metric=bd_seq).encode()

    def _set_will(self) -> None:
        self._client.will_set(str(self.topic(MessageType.NDEATH)), self._death(), qos=1, retain=False)

    # --- paho thread --------------------------------------------------------------------------------

    def _connected(self, client: mqtt.Client, _userdata: Any, _flags: Any, rc: int) -> None:
        if rc != 0:
            log.warning("sparkplug: broker %s:%d refused the connection (rc %d)", self.host, self.port, rc)
            return
        _no_delay(client)
        client.subscribe(str(self.topic(MessageType.NCMD)), qos=1)
        client.subscribe(f"{self.topic(MessageType.DCMD)}/+", qos=1)
        with self._lock:
            self._online = True
            self._publish_births()
            # The will for the next connection carries the next bdSeq, as does that connection's NBIRTH.
            self._bd_seq = (self._bd_seq + 1) % 256
            self._set_will()
            self._bd_seq = (self._bd_seq - 1) % 256
        log.info("sparkplug: edge node %s/%s online at %s:%d", self.group_id, self.edge_node_id, self.host, self.port)

    def _disconnected(self, _client: mqtt.Client, _userdata: Any, rc: int) -> None:
        with self._lock:
            if self._online:
                self._bd_seq = (self._bd_seq + 1) % 256  # the will just sent (or not) used the old one
            self._online = False
        if rc != 0:
            log.warning("sparkplug: lost the broker (rc %d); paho reconnects", rc)

    def _message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            topic = Topic.from_str(message.topic)
            if topic.message_type == MessageType.NCMD:
                if any(m.name == NODE_REBIRTH and m.value for m in NCmd.decode(message.payload).metrics):
                    self.rebirth()
            elif topic.message_type == MessageType.DCMD and topic.device_id in self.devices:
                command = {str(m.name): m.value for m in DCmd.decode(message.payload).metrics}
                self._on_command(str(topic.device_id), command)
        except Exception:  # a malformed command is the sender's problem; keep serving
            log.exception("sparkplug: cannot handle %s", message.topic)

    # --- publishing (any thread) --------------------------------------------------------------------

    def rebirth(self) -> None:
        """Republish NBIRTH and every DBIRTH (same bdSeq, seq from 0), as NCMD Rebirth asks."""
        with self._lock:
            if self._online:
                self._publish_births()

    def publish_data(self, device: str, steps: list[dict[str, Any]], extra: list[Metric] | None = None) -> None:
        """One DDATA per step of ``(field -> value)`` changes; ``extra`` metrics go with the last one."""
        with self._lock:
            if not self._online:
                return  # the next birth carries the values
            now = get_current_timestamp()
            for index, step in enumerate(steps):
                metrics = field_metrics(step, now)
                if extra and index == len(steps) - 1:
                    metrics += extra
                self._send(self.topic(MessageType.DDATA, device), DData(now, self._next_seq(), tuple(metrics)))

    def lose_next_message(self) -> None:
        """Use up one seq number without sending: a message lost on the way (fault injection)."""
        with self._lock:
            self._next_seq()

    def _publish_births(self) -> None:
        self._seq = 0
        now = get_current_timestamp()
        node_metrics = (
            metric(BD_SEQ, DataType.INT64, self._bd_seq, now),
            metric(NODE_REBIRTH, DataType.BOOLEAN, False, now),
        )
        self._send(self.topic(MessageType.NBIRTH), NBirth(now, self._next_seq(), node_metrics))
        for device in self.devices:
            birth = DBirth(now, self._next_seq(), tuple(self._births(device)))
            self._send(self.topic(MessageType.DBIRTH, device), birth)
        self.births_published += 1

    def _next_seq(self) -> int:
        seq, self._seq = self._seq, (self._seq + 1) % 256
        return seq

    def _send(self, topic: Topic, payload: NBirth | DBirth | DData) -> None:
        self._client.publish(str(topic), payload.encode(include_dtypes=True), qos=0, retain=False)


def _no_delay(client: mqtt.Client) -> None:
    """Send small messages at once: with Nagle's algorithm a second message (a command's answer
    after the values it changed) waits for the peer's delayed ACK, some 40 ms."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
