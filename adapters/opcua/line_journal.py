"""A line's OPC UA traffic in the adapter journal, sampled so a busy line cannot flood it.

Every snapshot read, every state change and every lost link is recorded; other value changes at most
once per ``value_interval`` seconds per line, carrying every value that changed since the last one
(the latest of each), so nothing is hidden, only merged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from orchestrator.plant.packml import state_name
from orchestrator.ports.journal import AdapterKind, AdapterMessage, Direction, Journal, clip_body, clip_summary
from orchestrator.ports.lines import LineStatusBinding

#: Nodes named in one summary; the body carries them all.
_SUMMARY_NODES = 3


def _json(value: Any) -> str:
    # Values read as JSON, whatever the server's types (text, numbers, arrays, date-times).
    return json.dumps(value, default=str, ensure_ascii=False)


class LineJournal:
    """Samples one line's snapshots, value changes and link losses into a journal (endpoint: the line id)."""

    def __init__(
        self,
        binding: LineStatusBinding,
        journal: Journal,
        *,
        value_interval: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.binding = binding
        self.journal = journal
        self.value_interval = value_interval
        self._monotonic = monotonic
        self._pending: dict[str, Any] = {}
        self._known: dict[str, Any] = {}
        self._last_values: float | None = None

    def snapshot(self, raw: dict[str, Any]) -> None:
        """The values read on connecting: always recorded."""
        self._pending.clear()
        self._known = dict(raw)
        self._record(list(raw.items()), f"read {len(raw)} nodes at {self.binding.endpoint}: ")

    def changes(self, batch: Iterable[tuple[str, Any]]) -> None:
        """One publish of (field, value) changes: recorded now if it changes the state, else sampled.

        Values equal to the last known ones (the subscription's first notifications) are left out.
        """
        state_changed = False
        for field, value in batch:
            # A subscription starts by repeating the values just read: only real changes count.
            if field in self._known and self._known[field] == value and field not in self._pending:
                continue
            self._known[field] = value
            if field == "state":
                if state_changed:  # a quick sequence within one publish: every state gets its message
                    self._flush()
                state_changed = True
            self._pending[field] = value
        if not self._pending:
            return
        now = self._monotonic()
        if not state_changed and self._last_values is not None and now - self._last_values < self.value_interval:
            return
        self._last_values = now
        self._flush()

    def link_lost(self, error: str) -> None:
        """The connection broke: a failed message naming the error."""
        self.journal.record(AdapterMessage(
            AdapterKind.LINE, self.binding.line, Direction.RECEIVED,
            clip_summary(f"link to {self.binding.endpoint} lost: {error}"), ok=False,
        ))

    def _flush(self) -> None:
        values, self._pending = list(self._pending.items()), {}
        self._record(values, "")

    def _node(self, field: str) -> str:
        return self.binding.nodes.get(field, field)

    def _shown(self, field: str, value: Any) -> str:
        if field == "state":
            packml = self.binding.packml_state(value)
            return f"{value} ({state_name(packml)})" if packml is not None else _json(value)
        return _json(value)

    def _record(self, values: list[tuple[str, Any]], prefix: str) -> None:
        # The state first: it is what a reader looks for.
        values.sort(key=lambda fv: fv[0] != "state")
        named = "; ".join(f"{self._node(f)} = {self._shown(f, v)}" for f, v in values[:_SUMMARY_NODES])
        more = f" (+{len(values) - _SUMMARY_NODES} more)" if len(values) > _SUMMARY_NODES else ""
        body = json.dumps({self._node(f): v for f, v in values}, default=str, ensure_ascii=False, indent=1)
        self.journal.record(AdapterMessage(
            AdapterKind.LINE, self.binding.line, Direction.RECEIVED, clip_summary(prefix + named + more),
            clip_body(body),
        ))
