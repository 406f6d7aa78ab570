"""What-if simulations in the database: each state change and its event on the plant stream, together.

Every change of a simulation's state appends an event in the same transaction (docs/what-if.md):
``simulation_progress`` while it waits and runs, ``simulation_finished`` when it is done or failed, so
the planner console learns of it on ``/api/plant/events`` and no event promises what the table lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from orchestrator.orders.stages import TERMINAL
from orchestrator.persistence.events import NewEvent, append_events
from orchestrator.persistence.orders_repo import ORDERS, opened_row
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.persistence.tables.simulations import SimulationRow
from orchestrator.security.vault import Vault

SIMULATIONS = SimulationRow.__table__  # type: ignore[attr-defined]
OPEN = ("queued", "running")


def _simulation(found: Any) -> SimulationRow:
    """A row as stored; SQLite gives its times back without their zone, which is always UTC here."""
    values = dict(found)
    for key in ("created_at", "started_at", "finished_at", "updated_at"):
        if isinstance(values.get(key), datetime) and values[key].tzinfo is None:
            values[key] = values[key].replace(tzinfo=UTC)
    return SimulationRow.model_validate(values)


def _event(kind: str, row: dict[str, Any], plant_time: datetime, key: str | None) -> NewEvent:
    payload = {k: row[k] for k in ("simulation", "status", "progress", "step", "error") if row.get(k) is not None}
    return NewEvent(kind=kind, plant_time=plant_time, payload=payload, dedupe_key=key)


def insert_simulation(engine: Engine, row: SimulationRow, plant_time: datetime) -> None:
    """Store a new (queued) simulation and announce it."""
    with engine.begin() as conn:
        conn.execute(SIMULATIONS.insert().values(**row.model_dump()))
        append_events(conn, [_event("simulation_progress", {"simulation": row.id, "status": row.status,
                                                            "progress": 0.0, "step": row.step},
                                    plant_time, f"{row.id}:queued")])


def get_simulation(engine: Engine, simulation_id: str) -> SimulationRow | None:
    """One simulation, or None."""
    with engine.connect() as conn:
        found = conn.execute(select(SIMULATIONS).where(SIMULATIONS.c.id == simulation_id)).mappings().first()
    return _simulation(found) if found else None


def recent_simulations(engine: Engine, requested_by: str | None, limit: int) -> list[SimulationRow]:
    """The newest simulations first (of one requester when ``requested_by`` is given)."""
    query = select(SIMULATIONS).order_by(SIMULATIONS.c.created_at.desc(), SIMULATIONS.c.id).limit(limit)
    if requested_by is not None:
        query = query.where(SIMULATIONS.c.requested_by == requested_by)
    with engine.connect() as conn:
        return [_simulation(r) for r in conn.execute(query).mappings()]


def _change(conn: Connection, simulation_id: str, now: datetime, only_open: bool, **values: Any) -> bool:
    stmt = update(SIMULATIONS).where(SIMULATIONS.c.id == simulation_id).values(updated_at=now, **values)
    if only_open:
        stmt = stmt.where(SIMULATIONS.c.status.in_(OPEN))
    return bool(conn.execute(stmt).rowcount)


def mark_running(engine: Engine, simulation_id: str, owner: str, now: datetime, plant_time: datetime) -> bool:
    """The simulation started in ``owner``'s worker; False when it is no longer open (failed meanwhile)."""
    with engine.begin() as conn:
        if not _change(conn, simulation_id, now, True, status="running", owner=owner, started_at=now,
                       step="starting"):
            return False
        append_events(conn, [_event("simulation_progress", {"simulation": simulation_id, "status": "running",
                                                            "progress": 0.0, "step": "starting"},
                                    plant_time, f"{simulation_id}:running")])
    return True


def record_progress(engine: Engine, simulation_id: str, progress: float, step: str, now: datetime,
                    plant_time: datetime) -> None:
    """How far the simulation has come (0..1) and what it runs now."""
    with engine.begin() as conn:
        if _change(conn, simulation_id, now, True, progress=progress, step=step[:200]):
            append_events(conn, [_event("simulation_progress", {"simulation": simulation_id, "status": "running",
                                                                "progress": round(progress, 3), "step": step},
                                        plant_time, None)])


def finish(engine: Engine, simulation_id: str, report: dict[str, Any], plots: list[str], now: datetime,
           plant_time: datetime) -> None:
    """Store the report and the plots' names; the simulation is done."""
    with engine.begin() as conn:
        if _change(conn, simulation_id, now, True, status="done", progress=1.0, step="done", report=report,
                   plots=plots, finished_at=now):
            append_events(conn, [_event("simulation_finished", {"simulation": simulation_id, "status": "done",
                                                                "progress": 1.0}, plant_time,
                                        f"{simulation_id}:finished")])


def fail(engine: Engine, simulation_id: str, error: str, now: datetime, plant_time: datetime) -> bool:
    """The simulation failed (``error`` says why); False when it had already ended."""
    with engine.begin() as conn:
        if not _change(conn, simulation_id, now, True, status="failed", error=error, finished_at=now):
            return False
        append_events(conn, [_event("simulation_finished", {"simulation": simulation_id, "status": "failed",
                                                            "error": error}, plant_time,
                                    f"{simulation_id}:finished")])
    return True


def fail_abandoned(engine: Engine, abandoned: Callable[[SimulationRow], str | None], now: datetime,
                   plant_time: datetime) -> list[str]:
    """Fail every open simulation for which ``abandoned`` gives a reason; returns their ids."""
    with engine.connect() as conn:
        rows = [_simulation(r)
                for r in conn.execute(select(SIMULATIONS).where(SIMULATIONS.c.status.in_(OPEN))).mappings()]
    failed = []
    for row in rows:
        reason = abandoned(row)
        if reason is not None and fail(engine, row.id, reason, now, plant_time):
            failed.append(row.id)
    return failed


def open_orders(engine: Engine, vault: Vault | None, limit: int = 2000) -> list[OrderRow]:
    """Orders not yet delivered, cancelled, rejected or failed, oldest first (options decrypted)."""
    terminal = [s.value for s in TERMINAL]
    query = select(ORDERS).where(ORDERS.c.stage.not_in(terminal)).order_by(ORDERS.c.created_at, ORDERS.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).mappings().all()
    return [opened_row(r, vault) for r in rows]
