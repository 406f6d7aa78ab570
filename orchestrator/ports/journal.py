"""The adapter journal contract: what adapters tell about the raw messages they exchange.

An integrator debugging a connection wants to see the last requests and answers of each adapter (an
MES's B2MML job orders, a supplier's UBL documents, the values an OPC UA line publishes). Adapters
take an optional :class:`Journal` and hand it one :class:`AdapterMessage` per message; they know
nothing of where the journal keeps them (the worker's composition root gives them a buffered writer
to the database).

:meth:`Journal.record` must return at once and never raise: the journal is a courtesy, and an order
must never wait for it or fail because of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

#: Bodies are cut to this many characters: enough to read a document, small enough to keep hundreds.
BODY_LIMIT = 4096
#: Summaries are one line of at most this many characters.
SUMMARY_LIMIT = 300


class AdapterKind(StrEnum):
    """What an adapter talks to."""

    LINE = "line"
    MES = "mes"
    SUPPLIER = "supplier"
    WEBHOOK = "webhook"


class Direction(StrEnum):
    """Whether we sent the message or received it."""

    SENT = "sent"
    RECEIVED = "received"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def clip_body(data: bytes | str | None, limit: int = BODY_LIMIT) -> str | None:
    """A message body as text of at most ``limit`` characters (plus a note of what was cut)."""
    if data is None or len(data) == 0:
        return None
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters not kept)"


def clip_summary(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """A summary on one line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class AdapterMessage:
    """One raw message an adapter sent or received.

    ``endpoint`` names the other side within its kind: the line id, ``mes``, the supplier id, or the
    webhook's name. ``summary`` is one line (method, path and status; or node and value); ``body``
    the message itself, cut to :data:`BODY_LIMIT` (use :func:`clip_body`). ``ok`` is False for a
    failed exchange (an error answer, a lost link, a refused delivery). ``at`` is wall time (UTC).
    """

    kind: AdapterKind
    endpoint: str
    direction: Direction
    summary: str
    body: str | None = None
    ok: bool = True
    at: datetime = field(default_factory=_utc_now)


@runtime_checkable
class Journal(Protocol):
    """Where adapters hand their messages; implementations buffer and never block the caller."""

    def record(self, message: AdapterMessage) -> None:
        """Take ``message`` for the journal; returns at once, never raises (a full journal drops it)."""
        ...

