"""Turn a line's raw values into line events: the pure half of the OPC UA line-status source.

:class:`LineTracker` keeps the last values of one line and, given new ones, says what happened
(state changed, progress, fault, job completed...). It knows nothing of OPC UA connections, so the
rules (notably "each completed job exactly once per stream") are testable on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from orchestrator.plant.packml import PackMLState, state_name
from orchestrator.ports.lines import (
    ConnectionStatus,
    LineEvent,
    LineEventKind,
    LineSnapshot,
    LineStatusBinding,
)

_INTS = ("unit_mode", "processed_count", "defective_count", "stop_reason",
         "planned_quantity", "produced_quantity", "defective_quantity")
_FLOATS = ("mach_speed", "cur_mach_speed")
_IDS = ("job_order_id", "last_completed_job_order_id", "last_aborted_job_order_id")
_QUANTITIES = ("produced_quantity", "defective_quantity", "planned_quantity")
_LATE = ("last_completed_job_order_id", "completed_job_orders", "last_aborted_job_order_id")
_REPORTED_LIMIT = 10_000


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _as_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class LineTracker:
    """One line's last known values and the events their changes mean."""

    def __init__(
        self,
        binding: LineStatusBinding,
        clock: Callable[[], datetime],
        known_completed: Iterable[str] | None = None,
    ) -> None:
        self.binding = binding
        self.clock = clock
        self.values: dict[str, Any] | None = None
        # None until the first snapshot when the caller gave no known ids: history is taken as known.
        self._completed: set[str] | None = set(known_completed) if known_completed is not None else None
        self._aborted: set[str] | None = None

    # --- values ---------------------------------------------------------------------------------

    def normalise(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Raw server values (by field) into typed values; the raw state is kept as ``state_raw``."""
        out: dict[str, Any] = {}
        for field, value in raw.items():
            if field == "state":
                out["state_raw"] = value
                out["state"] = self.binding.packml_state(value) or 0
            elif field in _INTS:
                out[field] = _as_int(value)
            elif field in _FLOATS:
                out[field] = _as_float(value)
            elif field in _IDS or field == "stop_reason_message":
                out[field] = (str(value) if value is not None else "") or None
            elif field == "completed_job_orders":
                out[field] = tuple(str(v) for v in value if v) if isinstance(value, list | tuple) else ()
        return out

    def snapshot(self, values: dict[str, Any] | None = None) -> LineSnapshot:
        """The line's status from ``values`` (default: the last known ones)."""
        v = values if values is not None else (self.values or {})
        state = int(v.get("state") or 0)
        name = state_name(state) if state else f"Unknown({v.get('state_raw')!r})"
        fields = {k: v.get(k) for k in LineSnapshot.model_fields if k not in ("line", "state", "state_name", "at")}
        return LineSnapshot(line=self.binding.line, state=state, state_name=name, at=self.clock(), **fields)

    # --- events ---------------------------------------------------------------------------------

    def _event(self, kind: LineEventKind, job: str | None, values: dict[str, Any]) -> LineEvent:
        return LineEvent(
            kind=kind, line=self.binding.line, job_order_id=job, values=values, at=self.clock(),
            snapshot=self.snapshot() if self.values is not None else None,
        )

    def connection(self, status: ConnectionStatus, error: str | None = None) -> LineEvent:
        """A ``connection`` event."""
        values: dict[str, Any] = {"status": status.value, "endpoint": self.binding.endpoint}
        if error:
            values["error"] = error
        job = self.values.get("job_order_id") if self.values else None
        return self._event(LineEventKind.CONNECTION, job, values)

    def connected(self, raw: dict[str, Any], reconnected: bool) -> list[LineEvent]:
        """Events for a (re)connection that read ``raw``: ``connected`` (on a reconnect), the snapshot,
        then what changed since the last known values (or, on the first connection, completed jobs
        the caller did not know)."""
        new = self.normalise(raw)
        old = self.values
        if self._completed is None:
            self._completed = set(self._completion_candidates(new))
        if self._aborted is None:
            self._aborted = set(self._abort_candidates(new))
        self.values = new
        events = [self.connection(ConnectionStatus.CONNECTED)] if reconnected else []
        events.append(self._event(LineEventKind.SNAPSHOT, new.get("job_order_id"),
                                  self.snapshot().model_dump(mode="json")))
        events += self._changes(old, new)
        return events

    def changed(self, updates: list[tuple[str, Any]]) -> list[LineEvent]:
        """Events for the data changes of one publish, as ``(field, raw value)`` in arrival order.

        A server sends a field's changes in order but may group fields arbitrarily, so the batch is
        replayed in steps: the other fields and the first state, then each further state (no state
        a line passed through is lost), and the completion lists with the last state, so that a
        job is reported completed after the state change to Complete, with its final counts.
        """
        states = [value for field, value in updates if field == "state"]
        early = {f: v for f, v in updates if f != "state" and f not in _LATE}
        late = {f: v for f, v in updates if f in _LATE}
        if not states:
            steps = [{**early, **late}]
        else:
            steps = [{**early, "state": states[0]}, *({"state": s} for s in states[1:])]
            steps[-1].update(late)
        events: list[LineEvent] = []
        for step in steps:
            old = self.values or {}
            new = {**old, **self.normalise(step)}
            self.values = new
            events += self._changes(old, new)
        return events

    def _changes(self, old: dict[str, Any] | None, new: dict[str, Any]) -> list[LineEvent]:
        events: list[LineEvent] = []
        job = new.get("job_order_id")
        if old is not None:
            quantities = ("job_order_id", *_QUANTITIES)
            counted = any(new.get(k) is not None for k in _QUANTITIES)
            if job and counted and any(old.get(k) != new.get(k) for k in quantities):
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
        for aborted in self._abort_candidates(new):
            if self._aborted is not None and aborted not in self._aborted:
                self._aborted.add(aborted)
                values: dict[str, Any] = {"stop_reason": new.get("stop_reason"),
                                          "stop_reason_message": new.get("stop_reason_message")}
                if aborted == job:
                    values["produced_quantity"] = new.get("produced_quantity")
                events.append(self._event(LineEventKind.JOB_ABORTED, aborted, values))
        for completed in self._completion_candidates(new):
            if self._completed is not None and completed not in self._completed:
                self._completed.add(completed)
                values = {k: new.get(k) for k in _QUANTITIES} if completed == job else {}
                events.append(self._event(LineEventKind.JOB_COMPLETED, completed, values))
        self._prune(new)
        return events

    @staticmethod
    def _completion_candidates(v: dict[str, Any]) -> list[str]:
        ids = list(v.get("completed_job_orders") or ())
        if v.get("last_completed_job_order_id"):
            ids.append(v["last_completed_job_order_id"])
        if v.get("state") == PackMLState.COMPLETE and v.get("job_order_id"):
            ids.append(v["job_order_id"])
        return list(dict.fromkeys(ids))

    @staticmethod
    def _abort_candidates(v: dict[str, Any]) -> list[str]:
        ids = [v["last_aborted_job_order_id"]] if v.get("last_aborted_job_order_id") else []
        if v.get("state") == PackMLState.ABORTED and v.get("job_order_id"):
            ids.append(v["job_order_id"])
        return list(dict.fromkeys(ids))

    def _prune(self, v: dict[str, Any]) -> None:
        # Ids that dropped off the server's list cannot come back; forget them when the set grows big.
        for reported, current in ((self._completed, self._completion_candidates(v)),
                                  (self._aborted, self._abort_candidates(v))):
            if reported is not None and len(reported) > _REPORTED_LIMIT:
                keep = reported & set(current)
                reported.clear()
                reported.update(keep)
