"""The line monitor's database side: one transaction per burst, and what the trail already knows.

A burst's rows, the line's status and the work order rows its job reports move (:mod:`.progress`) are
committed together. The events table doubles as the monitor's outbox: job and fault rows are committed
first, then read back in id order with what each means to its order (:mod:`.order_news`) and turned into
signals (:meth:`LineRecorder.signal_rows_after`), so a signal is never sent for a fact the database does
not hold, and a restarted monitor re-sends what its predecessor may not have.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from orchestrator.persistence.events import EVENTS, NewEvent, append_events
from orchestrator.persistence.work_orders_repo import upsert_line_status
from orchestrator.ports.lines import LineSnapshot
from workflows.lines.order_news import OrderNews, order_news
from workflows.lines.progress import record_job_rows
from workflows.lines.translate import LineMemory
from workflows.lines.types import SIGNALLED_KINDS, WORK_ORDER_SIGNAL_KINDS, EventKinds

KNOWN_COMPLETED_LIMIT = 1000  # ten times what the simulator lists; a real line lists fewer


@dataclass(frozen=True)
class SignalRow:
    """A committed event that must become a signal; ``news`` says what its order hears of it (job rows)."""

    id: int
    kind: str
    payload: dict[str, Any]
    news: OrderNews = field(default_factory=OrderNews)


def status_values(line: str, status: LineSnapshot | None, connection: str | None) -> dict[str, Any]:
    """The ``line_status`` columns for a snapshot and the monitor's link (either may be unknown)."""
    values: dict[str, Any] = {"line": line}
    if connection:
        values["connection"] = connection
    if status is not None:
        values.update(
            state=status.state, state_name=status.state_name, unit_mode=status.unit_mode,
            mach_speed=status.mach_speed, cur_mach_speed=status.cur_mach_speed,
            job_order_id=status.job_order_id, planned_quantity=status.planned_quantity,
            produced_quantity=status.produced_quantity, defective_quantity=status.defective_quantity,
            stop_reason=status.stop_reason, stop_message=(status.stop_reason_message or None),
            last_message_at=status.at,
        )
    return values


class LineRecorder:
    """Reads and writes one line's rows (synchronous: call it from a thread)."""

    def __init__(
        self, engine: Engine, line: str, on_written: Callable[[Sequence[NewEvent]], None] | None = None
    ) -> None:
        self.engine = engine
        self.line = line
        self.on_written = on_written  # told of each committed burst (the worker measures the line-event lag)

    def write(self, rows: Sequence[NewEvent], status: dict[str, Any] | None) -> int:
        """Append ``rows``, update the line's status row and the reported work orders in one transaction;
        returns rows inserted."""
        with self.engine.begin() as conn:
            inserted = append_events(conn, rows)
            record_job_rows(conn, rows)
            if status is not None:
                upsert_line_status(conn, status)
        if self.on_written is not None:
            self.on_written(rows)
        return inserted

    def load(self) -> tuple[LineMemory, set[str]]:
        """What the trail says about the line (its memory) and the job ids it recorded as completed."""
        ev = EVENTS.c
        mine = ev.line == self.line
        with self.engine.connect() as conn:
            last_state = conn.execute(
                select(ev.payload).where(mine, ev.kind == EventKinds.LINE_STATE).order_by(ev.id.desc()).limit(1)
            ).scalar()
            last_fault = conn.execute(
                select(ev.kind).where(mine, ev.kind.in_([EventKinds.LINE_FAULT, EventKinds.LINE_RECOVERED]))
                .order_by(ev.id.desc()).limit(1)
            ).scalar()
            last_hold = conn.execute(
                select(ev.kind, ev.payload).where(mine, ev.kind.in_([
                    EventKinds.WORK_ORDER_HELD, EventKinds.WORK_ORDER_RESUMED,
                    EventKinds.WORK_ORDER_COMPLETED, EventKinds.WORK_ORDER_ABORTED,
                ])).order_by(ev.id.desc()).limit(1)
            ).first()
            completed = conn.execute(
                select(ev.payload).where(mine, ev.kind == EventKinds.WORK_ORDER_COMPLETED)
                .order_by(ev.id.desc()).limit(KNOWN_COMPLETED_LIMIT)
            ).scalars().all()
        memory = LineMemory(fault_open=last_fault == EventKinds.LINE_FAULT)
        if isinstance(last_state, dict):
            memory.state = last_state.get("state")
            memory.job = last_state.get("work_order_id")
        if last_hold is not None and last_hold[0] == EventKinds.WORK_ORDER_HELD and isinstance(last_hold[1], dict):
            memory.held_job = last_hold[1].get("work_order_id")
        known = {str(p["work_order_id"]) for p in completed if isinstance(p, dict) and p.get("work_order_id")}
        return memory, known

    def signal_rows_after(self, after_id: int, limit: int = 200) -> list[SignalRow]:
        """Committed rows of this line that become signals, with id above ``after_id``, oldest first."""
        ev = EVENTS.c
        query = (
            select(ev.id, ev.kind, ev.payload)
            .where(ev.line == self.line, ev.kind.in_(SIGNALLED_KINDS), ev.id > after_id)
            .order_by(ev.id).limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [SignalRow(int(r.id), str(r.kind), dict(r.payload or {})) for r in conn.execute(query)]
            return [SignalRow(r.id, r.kind, r.payload, order_news(conn, r.id, r.kind, r.payload))
                    if r.kind in WORK_ORDER_SIGNAL_KINDS else r for r in rows]

    def signal_checkpoint(self, created_before: datetime) -> int:
        """The last id of this line's signal rows stored before ``created_before`` (0 when none):
        where a monitor without a checkpoint of its own starts re-sending."""
        ev = EVENTS.c
        query = select(func.max(ev.id)).where(
            ev.line == self.line, ev.kind.in_(SIGNALLED_KINDS), ev.created_at < created_before
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)
