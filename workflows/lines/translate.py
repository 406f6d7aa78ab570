"""Line events in, trail events out: what a line's status changes mean for orders and the scheduler.

:class:`LineTranslator` is the pure half of the line monitor (no database, no Temporal, no clock of its
own): it is fed the :class:`~orchestrator.ports.lines.LineEvent` values of one line and answers with the
rows to append to the events table. Its rules are level-based, comparing each new status with what it
remembers (:class:`LineMemory`), because a source may merge several transitions into one change (the
line went Execute -> Complete between two publishes) or replay a status after a reconnect.

Progress is coalesced: at most one ``line_progress`` row per ``progress_interval`` wall seconds per line
(the first change after a quiet spell is written at once, later ones keep only the newest counts).
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orchestrator.persistence.events import NewEvent
from orchestrator.plant.packml import JOB_ACTIVE_STATES, PackMLState, state_name
from orchestrator.ports.lines import LineEvent, LineEventKind, LineSnapshot
from workflows.contracts import parse_work_order_id
from workflows.lines.types import LINE_SIGNAL_KINDS, WORK_ORDER_SIGNAL_KINDS, EventKinds

#: States a stop reason turns into a fault of the line.
FAULT_STATES = frozenset({PackMLState.HOLDING, PackMLState.HELD, PackMLState.ABORTING, PackMLState.ABORTED,
                          PackMLState.STOPPING, PackMLState.STOPPED})
#: States in which the job waits: a fault hold or an operator pause.
HOLD_STATES = frozenset({PackMLState.HOLDING, PackMLState.HELD, PackMLState.SUSPENDING, PackMLState.SUSPENDED})
#: States that end a fault: the line produces again or is free (Complete and Starting count because a
#: source may skip the Execute/Idle in between).
RUNNING_STATES = frozenset({PackMLState.STARTING, PackMLState.EXECUTE, PackMLState.COMPLETING,
                            PackMLState.COMPLETE, PackMLState.IDLE})
#: States in which the line shows a job that has started (it may have finished or been aborted since).
STARTED_STATES = JOB_ACTIVE_STATES | {PackMLState.COMPLETE, PackMLState.ABORTING, PackMLState.ABORTED}

ORDER_ID_MAX = 40  # events.order_id length: longer ids cannot be ours
DEDUPE_KEY_MAX = 200
_REMEMBERED_JOBS = 64


@dataclass
class LineMemory:
    """What the trail already says about a line: its last state and job, an open fault, a held job.

    Loaded from the events table when a monitor starts, so a restarted monitor does not repeat the
    facts its predecessor recorded.
    """

    state: int | None = None
    job: str | None = None
    fault_open: bool = False
    held_job: str | None = None


def dedupe_key(kind: str, *parts: object) -> str:
    """``kind:part:...`` (hashed past the column's 200 characters, still unique)."""
    key = ":".join([kind, *(str(p) for p in parts)])
    if len(key) <= DEDUPE_KEY_MAX:
        return key
    return f"{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def order_of(job: str) -> tuple[str | None, str | None]:
    """(order id, operation id) of a c2m work order id; (None, None) for a job someone else started."""
    try:
        order_id, op_id, _attempt = parse_work_order_id(job)
    except ValueError:
        return None, None
    if not order_id or not op_id or len(order_id) > ORDER_ID_MAX:
        return None, None
    return order_id, op_id


class LineTranslator:
    """Turns one line's events into trail rows; keeps the newest status for the ``line_status`` row."""

    def __init__(
        self,
        line: str,
        memory: LineMemory | None = None,
        *,
        expected_repair: timedelta | None = None,
        progress_interval: float = 0.25,
    ) -> None:
        self.line = line
        self.memory = memory or LineMemory()
        self.expected_repair = expected_repair
        self.progress_interval = progress_interval
        self.status: LineSnapshot | None = None
        self.connection: str | None = None
        self._pending_progress: NewEvent | None = None
        self._progress_written_at = -math.inf
        self._last_counts: tuple[str, int | None, int | None] | None = None
        self._counts: OrderedDict[str, tuple[int | None, int | None, int | None]] = OrderedDict()
        self._started: OrderedDict[str, None] = OrderedDict()

    # --- feeding ------------------------------------------------------------------------------------

    def feed(self, event: LineEvent, wall: float) -> list[NewEvent]:
        """The rows one line event means; ``wall`` is a monotonic wall time in seconds (for coalescing)."""
        out: list[NewEvent] = []
        if event.kind == LineEventKind.CONNECTION:
            status = str(event.values.get("status", ""))
            self.connection = status
            payload = {k: event.values.get(k) for k in ("status", "endpoint", "error") if event.values.get(k)}
            out.append(self._row(EventKinds.LINE_CONNECTION, event.at, None, payload))
            return out
        if event.snapshot is not None:
            if self.connection != "connected":
                self.connection = "connected"
                out.append(self._row(EventKinds.LINE_CONNECTION, event.at, None, {"status": "connected"}))
            self.status = event.snapshot
            out += self._status_changed(event.snapshot, event.at)
        if event.kind in (LineEventKind.JOB_COMPLETED, LineEventKind.JOB_ABORTED) and event.job_order_id:
            out += self._job_ended(event)
        out += self.flush_due(wall)
        return out

    def flush_due(self, wall: float) -> list[NewEvent]:
        """The coalesced progress row if its interval has passed (call when :meth:`next_due` comes)."""
        if self._pending_progress is None or wall < self._progress_written_at + self.progress_interval:
            return []
        row, self._pending_progress = self._pending_progress, None
        self._progress_written_at = wall
        return [row]

    def next_due(self) -> float | None:
        """When the pending progress row is due (monotonic wall seconds), or None when nothing waits."""
        if self._pending_progress is None:
            return None
        return self._progress_written_at + self.progress_interval

    # --- rules -------------------------------------------------------------------------------------

    def _status_changed(self, s: LineSnapshot, at: datetime) -> list[NewEvent]:
        mem, out = self.memory, []
        job = s.job_order_id
        if s.state != mem.state:
            out.append(self._row(EventKinds.LINE_STATE, at, job, {
                "state": s.state, "state_name": s.state_name,
                "previous_state": mem.state, "previous_state_name": state_name(mem.state) if mem.state else None,
                "work_order_id": job, "stop_reason": s.stop_reason, "stop_reason_message": s.stop_reason_message,
            }))
        if job:
            self._remember(self._counts, job, (s.produced_quantity, s.defective_quantity, s.planned_quantity))
            if s.state in STARTED_STATES:
                out += self._ensure_started(job, at)
            counts = (job, s.produced_quantity, s.defective_quantity)
            if s.produced_quantity is not None and counts != self._last_counts:
                self._last_counts = counts
                self._pending_progress = self._job_row(
                    EventKinds.LINE_PROGRESS, job, at, kind_name="progress", produced=s.produced_quantity,
                    defective=s.defective_quantity, extra={"planned_quantity": s.planned_quantity},
                    key=dedupe_key(EventKinds.LINE_PROGRESS, job, s.produced_quantity, s.defective_quantity))
        if s.stop_reason and s.state in FAULT_STATES and not mem.fault_open:
            mem.fault_open = True
            out.append(self._line_signal_row(EventKinds.LINE_FAULT, at, job, s))
        if job and s.state in HOLD_STATES and mem.held_job != job:
            mem.held_job = job
            reason = s.stop_reason_message or ("fault" if s.stop_reason else "paused")
            out.append(self._job_row(EventKinds.WORK_ORDER_HELD, job, at, produced=s.produced_quantity,
                                     defective=s.defective_quantity, reason=reason,
                                     extra={"stop_reason": s.stop_reason}))
        elif mem.held_job and (job != mem.held_job or s.state in RUNNING_STATES):
            if job == mem.held_job:
                out.append(self._job_row(EventKinds.WORK_ORDER_RESUMED, job, at, produced=s.produced_quantity,
                                         defective=s.defective_quantity))
            mem.held_job = None
        if mem.fault_open and s.state in RUNNING_STATES:
            mem.fault_open = False
            out.append(self._line_signal_row(EventKinds.LINE_RECOVERED, at, job, s))
        mem.state, mem.job = s.state, job
        return out

    def _job_ended(self, event: LineEvent) -> list[NewEvent]:
        job = event.job_order_id or ""
        out = self._flush_progress_of(job)
        out += self._ensure_started(job, event.at)
        produced, defective, planned = self._counts.get(job, (None, None, None))
        values = event.values
        produced = values.get("produced_quantity", produced)
        defective = values.get("defective_quantity", defective)
        if event.kind == LineEventKind.JOB_COMPLETED:
            planned = values.get("planned_quantity", planned)
            out.append(self._job_row(EventKinds.WORK_ORDER_COMPLETED, job, event.at, produced=produced,
                                     defective=defective, extra={"planned_quantity": planned},
                                     key=dedupe_key(EventKinds.WORK_ORDER_COMPLETED, job)))
        else:
            code = values.get("stop_reason")
            reason = values.get("stop_reason_message") or (f"stop reason {code}" if code else "aborted")
            out.append(self._job_row(EventKinds.WORK_ORDER_ABORTED, job, event.at, produced=produced,
                                     defective=defective, reason=reason, extra={"stop_reason": code},
                                     key=dedupe_key(EventKinds.WORK_ORDER_ABORTED, job)))
        if self.memory.held_job == job:
            self.memory.held_job = None
        return out

    def _ensure_started(self, job: str, at: datetime) -> list[NewEvent]:
        if job in self._started:
            return []
        self._remember(self._started, job, None)
        return [self._job_row(EventKinds.WORK_ORDER_STARTED, job, at,
                              key=dedupe_key(EventKinds.WORK_ORDER_STARTED, job))]

    def _flush_progress_of(self, job: str) -> list[NewEvent]:
        # The last counts go in before the job's end, whatever the coalescing interval says.
        row = self._pending_progress
        if row is None or row.payload.get("work_order_id") != job:
            return []
        self._pending_progress = None
        return [row]

    # --- rows -------------------------------------------------------------------------------------

    def _row(self, kind: str, at: datetime, job: str | None, payload: dict[str, Any],
             key: str | None = None) -> NewEvent:
        order_id = order_of(job)[0] if job else None
        return NewEvent(kind=kind, plant_time=at, order_id=order_id, line=self.line, payload=payload,
                        dedupe_key=key)

    def _job_row(
        self, kind: str, job: str, at: datetime, *, kind_name: str | None = None, produced: Any = None,
        defective: Any = None, reason: str = "", extra: dict[str, Any] | None = None, key: str | None = None,
    ) -> NewEvent:
        order_id, op_id = order_of(job)
        payload: dict[str, Any] = {
            "work_order_id": job, "order_id": order_id, "op_id": op_id, "line": self.line,
            "kind": kind_name or WORK_ORDER_SIGNAL_KINDS.get(kind, "progress"), "at": at.isoformat(),
            "produced": int(produced or 0), "defective": int(defective or 0), "reason": reason,
            **(extra or {}),
        }
        return self._row(kind, at, job, payload, key)

    def _line_signal_row(self, kind: str, at: datetime, job: str | None, s: LineSnapshot) -> NewEvent:
        payload: dict[str, Any] = {
            "line": self.line, "kind": LINE_SIGNAL_KINDS[kind], "at": at.isoformat(),
            "reason": s.stop_reason_message or (f"stop reason {s.stop_reason}" if s.stop_reason else ""),
            "expected_recovery": None, "work_order_id": job, "state": s.state, "state_name": s.state_name,
            "stop_reason": s.stop_reason,
        }
        if kind == EventKinds.LINE_FAULT and self.expected_repair:
            payload["expected_recovery"] = (at + self.expected_repair).isoformat()
        return self._row(kind, at, job, payload)

    @staticmethod
    def _remember(store: OrderedDict[str, Any], key: str, value: Any) -> None:
        store[key] = value
        store.move_to_end(key)
        while len(store) > _REMEMBERED_JOBS:
            store.popitem(last=False)
