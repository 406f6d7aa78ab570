"""One line's last read values and the line events their changes mean (pure: no I/O).

Each poll gives the line's whole row, so an event is the difference between two rows: the state
moved, the job progressed, a stop reason came or went, a job was aborted. Completed jobs come from
the gateway's completion list, not from the row: :meth:`GatewayLineTracker.completed` reports each
job id once per stream, whatever the gateway repeats after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from orchestrator.plant.packml import PackMLState, state_name
from orchestrator.ports.lines import ConnectionStatus, LineEvent, LineEventKind, LineSnapshot

from c2m_csv_gateway.export import CompletionRow

_QUANTITIES = ("produced_quantity", "defective_quantity", "planned_quantity")
_REPORTED_KEPT = 10_000  # job ids remembered as reported (far more than any gateway's history)


class GatewayLineTracker:
    """The events of one line, from its rows as read (``values`` use :class:`LineSnapshot` field names)."""

    def __init__(
        self, line: str, endpoint: str, clock: Callable[[], datetime], known_completed: Iterable[str] | None = None,
    ) -> None:
        self.line, self.endpoint, self.clock = line, endpoint, clock
        self.values: dict[str, Any] | None = None
        # None: what the gateway lists as completed at the first read is history, not news.
        self._completed: dict[str, None] | None = (
            dict.fromkeys(known_completed) if known_completed is not None else None
        )
        self._aborted: set[str] | None = None

    def snapshot(self, values: dict[str, Any] | None = None) -> LineSnapshot:
        """The line's status from ``values`` (default: the last read ones)."""
        v = values if values is not None else (self.values or {})
        state = int(v.get("state") or 0)
        name = state_name(state) if state else f"Unknown({v.get('state_raw')!r})"
        fields = {k: v.get(k) for k in LineSnapshot.model_fields if k not in ("line", "state", "state_name", "at")}
        return LineSnapshot(line=self.line, state=state, state_name=name, at=self.clock(), **fields)

    def _event(self, kind: LineEventKind, job: str | None, values: dict[str, Any]) -> LineEvent:
        return LineEvent(kind=kind, line=self.line, job_order_id=job, values=values, at=self.clock(),
                         snapshot=self.snapshot() if self.values is not None else None)

    def connection(self, status: ConnectionStatus, error: str | None = None) -> LineEvent:
        """A ``connection`` event (``error`` says why the link is lost)."""
        values: dict[str, Any] = {"status": status.value, "endpoint": self.endpoint}
        if error:
            values["error"] = error
        return self._event(LineEventKind.CONNECTION, (self.values or {}).get("job_order_id"), values)

    def connected(self, values: dict[str, Any], reconnected: bool) -> list[LineEvent]:
        """A read after a (re)connection: ``connected`` (on a reconnect), the snapshot, then what
        changed since the values read before the link was lost."""
        old, self.values = self.values, values
        if self._aborted is None:
            self._aborted = set(_abort_candidates(values))
        events = [self.connection(ConnectionStatus.CONNECTED)] if reconnected else []
        events.append(self._event(LineEventKind.SNAPSHOT, values.get("job_order_id"),
                                  self.snapshot().model_dump(mode="json")))
        return events + (self._changes(old, values) if old is not None else [])

    def changed(self, values: dict[str, Any]) -> list[LineEvent]:
        """A read while connected: the events of what changed since the last one."""
        old, self.values = self.values, values
        return self._changes(old or {}, values)

    def completed(self, rows: Iterable[CompletionRow]) -> list[LineEvent]:
        """``job_completed`` for each listed job not reported before (nothing on a first read
        without ``known_completed``: that list is the line's history)."""
        rows = list(rows)
        if self._completed is None:
            self._completed = dict.fromkeys(r.job_order_id for r in rows)
            return []
        events: list[LineEvent] = []
        for row in rows:
            if row.job_order_id in self._completed:
                continue
            self._completed[row.job_order_id] = None
            counts = {k: getattr(row, k) for k in _QUANTITIES}
            values = counts if any(v is not None for v in counts.values()) else {}
            events.append(self._event(LineEventKind.JOB_COMPLETED, row.job_order_id, values))
        while len(self._completed) > _REPORTED_KEPT:  # oldest first: they cannot come back
            del self._completed[next(iter(self._completed))]
        return events

    def _changes(self, old: dict[str, Any], new: dict[str, Any]) -> list[LineEvent]:
        events: list[LineEvent] = []
        job = new.get("job_order_id")
        counted = any(new.get(k) is not None for k in _QUANTITIES)
        if job and counted and any(old.get(k) != new.get(k) for k in ("job_order_id", *_QUANTITIES)):
            events.append(self._event(LineEventKind.PROGRESS, job, {k: new.get(k) for k in _QUANTITIES}))
        if old.get("state") != new.get("state"):
            events.append(self._event(LineEventKind.STATE_CHANGED, job, {
                "state": new.get("state"), "state_name": self.snapshot(new).state_name,
                "previous_state": old.get("state"), "previous_state_name": self.snapshot(old).state_name,
            }))
        was, now = old.get("stop_reason") or 0, new.get("stop_reason") or 0
        if now and now != was:
            events.append(self._event(LineEventKind.FAULT, job, {
                "stop_reason": now, "stop_reason_message": new.get("stop_reason_message"),
                "state": new.get("state"), "state_name": self.snapshot(new).state_name,
            }))
        elif was and not now:
            events.append(self._event(LineEventKind.FAULT_CLEARED, job, {
                "previous_stop_reason": was, "previous_stop_reason_message": old.get("stop_reason_message"),
            }))
        for aborted in _abort_candidates(new):
            if self._aborted is not None and aborted not in self._aborted:
                self._aborted.add(aborted)
                values: dict[str, Any] = {"stop_reason": new.get("stop_reason"),
                                          "stop_reason_message": new.get("stop_reason_message")}
                if aborted == job:
                    values["produced_quantity"] = new.get("produced_quantity")
                events.append(self._event(LineEventKind.JOB_ABORTED, aborted, values))
        return events


def _abort_candidates(v: dict[str, Any]) -> list[str]:
    ids = [v["last_aborted_job_order_id"]] if v.get("last_aborted_job_order_id") else []
    if v.get("state") == PackMLState.ABORTED and v.get("job_order_id"):
        ids.append(v["job_order_id"])
    return list(dict.fromkeys(ids))
