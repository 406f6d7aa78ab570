"""The Sparkplug B host rules for one edge node and one of its devices (pure: no I/O).

:class:`DeviceSession` reads the edge node's messages in order and says what they mean for the
device: its birth certificate (every current value), a data change, its death, or that messages
were lost. The rules: NBIRTH starts a session (its ``bdSeq`` is remembered, its ``seq`` restarts
the count); every later NDATA/DBIRTH/DDATA/DDEATH of the node carries the next ``seq`` (modulo
256), so a jump means a lost message and the values cannot be trusted until a new birth; an
NDEATH ends the session only when its ``bdSeq`` is the session's (an older one's will is stale).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pysparkplug import DBirth, DData, MessageType, NBirth, NDeath, Topic
from pysparkplug._payload import Birth

from adapters.sparkplug.metrics import BD_SEQ


class Meaning(StrEnum):
    """What a message means for the device."""

    NOTHING = "nothing"  # another device's data, a command, or data of a session we wait to be born
    NODE_BIRTH = "node_birth"  # the node (re)started a session: the device's birth follows
    BIRTH = "birth"  # the device's full values (``values``)
    DATA = "data"  # some of the device's values changed (``updates``)
    DEATH = "death"  # the node or the device went offline
    GAP = "gap"  # a message was lost: ask for a rebirth, wait for it


@dataclass
class Outcome:
    """The meaning of one message, with the metric values it carried (``(name, value)`` in order)."""

    meaning: Meaning
    updates: list[tuple[str, Any]] = field(default_factory=list)
    detail: str = ""


class DeviceSession:
    """Follows edge node ``edge_node_id`` of ``group_id`` for device ``device_id``."""

    def __init__(self, group_id: str, edge_node_id: str, device_id: str) -> None:
        self.group_id, self.edge_node_id, self.device_id = group_id, edge_node_id, device_id
        self.bd_seq: int | None = None
        self.next_seq: int | None = None  # None: no trusted session (wait for an NBIRTH)
        self.device_born = False
        self._births: dict[str | None, Birth] = {}  # for metrics sent by alias only

    @property
    def trusted(self) -> bool:
        """True while the device's values are known and no message was lost since its birth."""
        return self.next_seq is not None and self.device_born

    def reset(self) -> None:
        """Forget the session (the broker link was lost: messages may have been missed)."""
        self.next_seq, self.device_born = None, False

    def read(self, topic_text: str, payload: bytes) -> Outcome:
        """The meaning of one message of the node (raises ValueError on a malformed one)."""
        topic = Topic.from_str(topic_text)
        if topic.group_id != self.group_id or topic.edge_node_id != self.edge_node_id:
            return Outcome(Meaning.NOTHING)
        kind = topic.message_type
        if not isinstance(kind, MessageType) or kind in (MessageType.NCMD, MessageType.DCMD, MessageType.STATE):
            return Outcome(Meaning.NOTHING)
        # Metrics sent by alias are named from the birth of their node (device_id None) or device.
        decoder: Any = kind.payload
        body = decoder.decode(payload, birth=self._births.get(topic.device_id))
        if kind == MessageType.NDEATH:
            assert isinstance(body, NDeath)
            if self.bd_seq is not None and body.bd_seq_metric.value != self.bd_seq:
                return Outcome(Meaning.NOTHING, detail="stale NDEATH of an earlier session")
            self.reset()
            return Outcome(Meaning.DEATH, detail="NDEATH: the edge node went offline")
        seq = getattr(body, "seq", None)
        if kind == MessageType.NBIRTH:
            assert isinstance(body, NBirth)
            self._births[None] = body
            self.bd_seq = next((int(m.value) for m in body.metrics if m.name == BD_SEQ), None)  # type: ignore[arg-type]
            self.next_seq = (int(seq or 0) + 1) % 256
            self.device_born = False
            return Outcome(Meaning.NODE_BIRTH)
        if self.next_seq is None:
            return Outcome(Meaning.NOTHING, detail="waiting for an NBIRTH")
        if seq is None or int(seq) != self.next_seq:
            expected, self.next_seq, self.device_born = self.next_seq, None, False
            return Outcome(Meaning.GAP, detail=f"{kind} seq {seq}, expected {expected}")
        self.next_seq = (self.next_seq + 1) % 256
        if topic.device_id != self.device_id:
            return Outcome(Meaning.NOTHING)
        if kind == MessageType.DBIRTH:
            assert isinstance(body, DBirth)
            self._births[topic.device_id] = body
            self.device_born = True
            return Outcome(Meaning.BIRTH, [(str(m.name), _value(m)) for m in body.metrics])
        if kind == MessageType.DDEATH:
            self.device_born = False
            return Outcome(Meaning.DEATH, detail="DDEATH: the line's device went offline")
        if kind == MessageType.DDATA and self.device_born:
            assert isinstance(body, DData)
            return Outcome(Meaning.DATA, [(str(m.name), _value(m)) for m in body.metrics])
        return Outcome(Meaning.NOTHING)


def _value(metric: Any) -> Any:
    return None if metric.is_null else metric.value

