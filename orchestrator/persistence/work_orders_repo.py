"""Work orders and line status in the database: the plant schedule's reads and writes.

The plant scheduler alone writes ``work_orders``; the line monitor writes ``line_status`` through
:func:`upsert_line_status`; the API and the order workflow read. Functions taking a ``Connection``
join the caller's transaction; those taking an ``Engine`` run their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.tables.plant import LineStatusRow, WorkOrderRow

WORK_ORDERS = WorkOrderRow.__table__  # type: ignore[attr-defined]
LINE_STATUS = LineStatusRow.__table__  # type: ignore[attr-defined]


class PlanState(StrEnum):
    """Where a work order stands in the plant schedule (``work_orders.state``)."""

    PLANNED = "planned"
    RELEASED = "released"
    RUNNING = "running"
    HELD = "held"
    COMPLETED = "completed"
    ABORTED = "aborted"
    WITHDRAWN = "withdrawn"

    @property
    def started(self) -> bool:
        """True once a line has taken the work order: it can no longer move."""
        return self in (PlanState.RUNNING, PlanState.HELD, PlanState.COMPLETED, PlanState.ABORTED)

    @property
    def finished(self) -> bool:
        """True for end states."""
        return self in (PlanState.COMPLETED, PlanState.ABORTED, PlanState.WITHDRAWN)


OPEN_STATES = (PlanState.PLANNED, PlanState.RELEASED, PlanState.RUNNING, PlanState.HELD)
CONNECTIONS = ("connected", "reconnecting", "down")


def stamp() -> datetime:
    """Bookkeeping time for ``created_at``/``updated_at`` (wall clock, not plant time)."""
    return datetime.now(UTC)


def _utc(value: Any) -> Any:
    """Datetimes are stored in UTC and read back timezone-aware (SQLite keeps no offset)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _utc_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _utc(v) for k, v in values.items()}


def _rows(conn: Connection, query: Any) -> list[WorkOrderRow]:
    return [WorkOrderRow(**_utc_values(dict(r))) for r in conn.execute(query).mappings().all()]


# --- reading work orders ---------------------------------------------------------------------------


def work_orders_of(engine: Engine, order_id: str) -> list[WorkOrderRow]:
    """Every work order of an order (all attempts), by operation and attempt."""
    with engine.connect() as conn:
        return order_work_orders(conn, [order_id], current_only=False)


def order_work_orders(conn: Connection, order_ids: Iterable[str], current_only: bool = True) -> list[WorkOrderRow]:
    """Work orders of these orders; with ``current_only`` the latest attempt of each operation."""
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        return []
    rows = _rows(conn, select(WORK_ORDERS).where(WORK_ORDERS.c.order_id.in_(ids))
                 .order_by(WORK_ORDERS.c.order_id, WORK_ORDERS.c.op_id, WORK_ORDERS.c.attempt))
    if not current_only:
        return rows
    latest: dict[tuple[str, str], WorkOrderRow] = {}
    for row in rows:
        latest[(row.order_id, row.op_id)] = row  # sorted by attempt: the last one wins
    return list(latest.values())


def get_work_order(conn: Connection, work_order_id: str) -> WorkOrderRow | None:
    """One work order by id."""
    found = _rows(conn, select(WORK_ORDERS).where(WORK_ORDERS.c.id == work_order_id))
    return found[0] if found else None


def work_orders_by_id(conn: Connection, ids: Iterable[str]) -> dict[str, WorkOrderRow]:
    """Work orders by id (unknown ids left out)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {r.id: r for r in _rows(conn, select(WORK_ORDERS).where(WORK_ORDERS.c.id.in_(wanted)))}


def open_work_orders(conn: Connection) -> list[WorkOrderRow]:
    """Work orders the schedule still places: planned, released, running or held (for the solver)."""
    query = select(WORK_ORDERS).where(WORK_ORDERS.c.state.in_([s.value for s in OPEN_STATES]))
    return _rows(conn, query.order_by(WORK_ORDERS.c.order_id, WORK_ORDERS.c.op_id))


def live_at_mes(conn: Connection) -> list[WorkOrderRow]:
    """Work orders the MES holds and has not finished as far as we know: what to ask it about."""
    finished = ["completed", "aborted", "withdrawn"]
    query = select(WORK_ORDERS).where(WORK_ORDERS.c.mes_state.is_not(None), WORK_ORDERS.c.mes_state.not_in(finished))
    return _rows(conn, query.order_by(WORK_ORDERS.c.id))


def schedule_rows(
    conn: Connection, finished_since: datetime | None, include_withdrawn: bool = False
) -> list[WorkOrderRow]:
    """The planner's view: open work orders, plus those that finished since ``finished_since`` (plant time;
    a withdrawn one counts by its planned end)."""
    states = [s.value for s in OPEN_STATES]
    finished = [PlanState.COMPLETED.value, PlanState.ABORTED.value]
    if include_withdrawn:
        finished.append(PlanState.WITHDRAWN.value)
    recent = WORK_ORDERS.c.state.in_(finished)
    if finished_since is not None:
        finished_since = _utc(finished_since)
        ended = WORK_ORDERS.c.actual_end >= finished_since
        never_ran = and_(WORK_ORDERS.c.actual_end.is_(None), WORK_ORDERS.c.planned_end >= finished_since)
        recent = and_(recent, or_(ended, never_ran))
    query = select(WORK_ORDERS).where(or_(WORK_ORDERS.c.state.in_(states), recent))
    return _rows(conn, query.order_by(WORK_ORDERS.c.line, WORK_ORDERS.c.planned_start, WORK_ORDERS.c.id))


def next_attempt(conn: Connection, order_id: str, op_id: str) -> int:
    """The attempt number a new work order for this operation gets."""
    query = select(func.max(WORK_ORDERS.c.attempt)).where(
        WORK_ORDERS.c.order_id == order_id, WORK_ORDERS.c.op_id == op_id)
    return int(conn.execute(query).scalar() or 0) + 1


# --- writing work orders ---------------------------------------------------------------------------


def insert_work_orders(conn: Connection, rows: Sequence[WorkOrderRow]) -> None:
    """Add new work orders (ids must be new)."""
    if rows:
        now = stamp()
        values = [_utc_values({**r.model_dump(), "created_at": getattr(r, "created_at", None) or now,
                               "updated_at": now}) for r in rows]
        conn.execute(insert(WORK_ORDERS), values)


def update_work_order(conn: Connection, work_order_id: str, **values: Any) -> None:
    """Change some columns of one work order."""
    conn.execute(update(WORK_ORDERS).where(WORK_ORDERS.c.id == work_order_id)
                 .values(**_utc_values(values), updated_at=stamp()))


@dataclass(frozen=True)
class PlannedWindow:
    """Where and when the schedule puts a work order."""

    work_order_id: str
    line: str
    start: datetime
    end: datetime


def write_plan(conn: Connection, windows: Sequence[PlannedWindow]) -> None:
    """Store the planned line and window of many work orders in one statement."""
    if not windows:
        return
    stmt = (update(WORK_ORDERS).where(WORK_ORDERS.c.id == bindparam("wo_id"))
            .values(line=bindparam("new_line"), planned_start=bindparam("start"), planned_end=bindparam("end"),
                    updated_at=bindparam("now")))
    now = stamp()
    conn.execute(stmt, [{"wo_id": w.work_order_id, "new_line": w.line, "start": _utc(w.start), "end": _utc(w.end),
                         "now": now} for w in windows])


def record_mes_view(conn: Connection, work_order_id: str, mes_state: str, mes_line: str) -> None:
    """Remember what the MES says about a work order (its state and line)."""
    conn.execute(update(WORK_ORDERS).where(WORK_ORDERS.c.id == work_order_id)
                 .values(mes_state=mes_state, mes_line=mes_line, updated_at=stamp()))


def mark_notified(conn: Connection, rows: Iterable[WorkOrderRow]) -> None:
    """Remember that the orders were told these work orders' lines and ends."""
    values = [{"wo_id": r.id, "n_line": r.line, "n_end": _utc(r.planned_end)} for r in rows]
    if values:
        conn.execute(update(WORK_ORDERS).where(WORK_ORDERS.c.id == bindparam("wo_id"))
                     .values(notified_line=bindparam("n_line"), notified_end=bindparam("n_end")), values)


def record_progress(
    conn: Connection,
    work_order_id: str,
    state: PlanState,
    at: datetime | None = None,
    *,
    produced: int | None = None,
    defective: int | None = None,
    reason: str | None = None,
    actual_start: datetime | None = None,
    actual_end: datetime | None = None,
) -> tuple[WorkOrderRow, PlanState] | None:
    """Move a work order to ``state`` as its line or the MES reported; returns (row after, state before).

    End states are final: a late ``started`` after ``completed`` changes nothing (None is returned
    then, and for unknown ids). ``at`` fills the actual start (on starting) or end (on finishing)
    unless the caller gives them explicitly.
    """
    row = get_work_order(conn, work_order_id)
    if row is None:
        return None
    before = PlanState(row.state)
    if before.finished:
        return None
    values: dict[str, Any] = {"state": state.value}
    if state.started and row.actual_start is None:
        values["actual_start"] = actual_start or at
    if state.finished and state is not PlanState.WITHDRAWN:
        values["actual_end"] = actual_end or at
    if produced is not None:
        values["produced"] = produced
    if defective is not None:
        values["defective"] = defective
    if state in (PlanState.HELD, PlanState.ABORTED, PlanState.WITHDRAWN):
        values["stop_reason"] = (reason or None) and reason[:500]
    elif state in (PlanState.RUNNING, PlanState.COMPLETED):
        values["stop_reason"] = None
    update_work_order(conn, work_order_id, **values)
    after = get_work_order(conn, work_order_id)
    assert after is not None
    return after, before


# --- line status -----------------------------------------------------------------------------------

# Snapshot keys (LineSnapshot field names, plus the monitor's own) -> line_status columns.
_STATUS_COLUMNS = {
    "state": "state",
    "state_name": "state_name",
    "unit_mode": "unit_mode",
    "mach_speed": "mach_speed",
    "cur_mach_speed": "cur_mach_speed",
    "job_order_id": "job_order_id",
    "planned_quantity": "planned_quantity",
    "produced_quantity": "produced_quantity",
    "defective_quantity": "defective_quantity",
    "stop_reason": "stop_reason",
    "stop_reason_message": "stop_message",
    "stop_message": "stop_message",
    "connection": "connection",
    "last_message_at": "last_message_at",
    "at": "last_message_at",
}


def upsert_line_status(conn: Connection, snapshot: Mapping[str, Any]) -> None:
    """Store a line's live status (for the line monitor).

    ``snapshot`` is a ``LineSnapshot``'s ``model_dump()`` (``at`` becomes ``last_message_at``) and/or
    ``connection`` (``connected``/``reconnecting``/``down``); it must name the ``line``. Only the
    keys present are written, so a connection change alone keeps the last values. Other keys (the
    lifetime counters, completed job lists) are ignored. The scheduler's fault columns are untouched.
    """
    line = snapshot.get("line")
    if not isinstance(line, str) or not line:
        raise ValueError(f"a line status needs the line id under 'line'; got keys {sorted(snapshot)}")
    values: dict[str, Any] = {}
    for key, column in _STATUS_COLUMNS.items():
        if key in snapshot and not (key == "at" and "last_message_at" in snapshot):
            values[column] = snapshot[key]
    connection = values.get("connection")
    if connection is not None:
        connection = str(getattr(connection, "value", connection))
        if connection not in CONNECTIONS:
            raise ValueError(f"line {line}: connection must be one of {', '.join(CONNECTIONS)}, got {connection!r}")
        values["connection"] = connection
    if values.get("job_order_id") == "":
        values["job_order_id"] = None  # the line shows an empty string when it has no job
    if isinstance(values.get("stop_message"), str):
        values["stop_message"] = values["stop_message"][:500] or None
    values["updated_at"] = stamp()
    _upsert(conn, line, values)


def _upsert(conn: Connection, line: str, values: dict[str, Any]) -> None:
    dialect = conn.dialect.name
    values = _utc_values(values)
    row = {"line": line, "connection": "down", **values}  # a new row starts as "not heard from yet"
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(LINE_STATUS).values(**row).on_conflict_do_update(
            index_elements=["line"], set_=values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(LINE_STATUS).values(**row).on_conflict_do_update(index_elements=["line"], set_=values)
    else:  # pragma: no cover - other databases are not supported
        raise ValueError(f"line status cannot be written on {dialect}: c2m supports SQLite and PostgreSQL")
    conn.execute(stmt)


def line_statuses(conn: Connection) -> dict[str, LineStatusRow]:
    """Every line's status row by line id."""
    rows = conn.execute(select(LINE_STATUS)).mappings().all()
    return {r["line"]: LineStatusRow(**_utc_values(dict(r))) for r in rows}


def set_line_fault(conn: Connection, line: str, since: datetime, until: datetime, reason: str) -> None:
    """The scheduler plans no work on ``line`` before ``until`` (a fault since ``since``)."""
    _upsert(conn, line, {"fault_since": since, "fault_until": until, "fault_reason": reason[:500] or None,
                         "updated_at": stamp()})


def clear_line_fault(conn: Connection, line: str) -> None:
    """The line works again: the scheduler may plan on it from now."""
    _upsert(conn, line, {"fault_since": None, "fault_until": None, "fault_reason": None, "updated_at": stamp()})
