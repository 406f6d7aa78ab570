"""The planner's key figures: orders in flight, on-time delivery, lead time against promise, work in progress.

Every time here is plant time. An order's ``created_at`` column is wall time (bookkeeping), so an order's
start is its ``received`` milestone's plant time instead; its end is its ``delivered`` milestone's plant
time; its promise (``promised_date``) is plant time already. Only when the ``received`` milestone is
missing (a row written by hand) is ``created_at`` mapped onto the plant clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from orchestrator.clock import PlantClock
from orchestrator.orders.stages import TERMINAL, Stage
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.orders_repo import ORDERS
from orchestrator.persistence.work_orders_repo import WORK_ORDERS, PlanState

#: Work orders counted as work in progress on their line: handed to the MES, running or held there.
WIP_STATES = (PlanState.RELEASED, PlanState.RUNNING, PlanState.HELD)
_CHUNK = 500  # ids per IN (...) list: well inside SQLite's and PostgreSQL's limits


@dataclass(frozen=True)
class LineWip:
    """Work in progress on one line."""

    line: str
    work_orders: int = 0
    units: int = 0
    remaining_units: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannerKpis:
    """The figures of ``GET /api/planner/kpis`` (durations in plant hours)."""

    plant_time: datetime
    window_days: float
    orders_in_flight: int
    orders_by_stage: dict[str, int]
    delivered: int
    delivered_on_time: int
    on_time_rate: float | None
    average_lead_hours: float | None
    average_promised_lead_hours: float | None
    wip: list[LineWip]


def utc(value: datetime) -> datetime:
    """Datetimes read back from SQLite carry no offset; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i:i + _CHUNK])


def stage_times(conn: Connection, order_ids: Sequence[str], stage: str) -> dict[str, datetime]:
    """The plant time of each order's first milestone of ``stage`` (orders without one are left out)."""
    found: dict[str, datetime] = {}
    ev = EVENTS.c
    for ids in _chunks(order_ids):
        rows = conn.execute(
            select(ev.order_id, func.min(ev.plant_time))
            .where(ev.kind == "stage", ev.order_id.in_(ids), ev.payload["stage"].as_string() == stage)
            .group_by(ev.order_id)
        ).all()
        found.update({str(r[0]): utc(r[1]) for r in rows if r[1] is not None})
    return found


def orders_by_stage(conn: Connection) -> dict[str, int]:
    """How many orders stand at each stage (stages without orders are left out)."""
    rows = conn.execute(select(ORDERS.c.stage, func.count()).group_by(ORDERS.c.stage)).all()
    return {str(stage): int(n) for stage, n in rows}


def line_wip(conn: Connection, line_ids: Sequence[str]) -> list[LineWip]:
    """Work orders released, running or held per line, with their units; every plant line is listed."""
    wo = WORK_ORDERS.c
    rows = conn.execute(
        select(wo.line, wo.state, func.count(), func.sum(wo.quantity), func.sum(wo.produced))
        .where(wo.state.in_([s.value for s in WIP_STATES])).group_by(wo.line, wo.state)
    ).all()
    acc: dict[str, dict[str, Any]] = {line: {"work_orders": 0, "units": 0, "remaining": 0, "by_state": {}}
                                      for line in line_ids}
    for line, state, count, quantity, produced in rows:
        a = acc.setdefault(str(line), {"work_orders": 0, "units": 0, "remaining": 0, "by_state": {}})
        a["work_orders"] += int(count)
        a["units"] += int(quantity or 0)
        a["remaining"] += max(int(quantity or 0) - int(produced or 0), 0)
        a["by_state"][str(state)] = int(count)
    return [LineWip(line=line, work_orders=a["work_orders"], units=a["units"], remaining_units=a["remaining"],
                    by_state=a["by_state"]) for line, a in acc.items()]


def planner_kpis(conn: Connection, line_ids: Sequence[str], clock: PlantClock, now: datetime,
                 window_days: float = 30.0) -> PlannerKpis:
    """The planner's figures at plant time ``now``; delivery figures cover orders delivered in the last
    ``window_days`` plant days."""
    by_stage = orders_by_stage(conn)
    terminal = {s.value for s in TERMINAL}
    in_flight = sum(n for stage, n in by_stage.items() if stage not in terminal)

    since = now - timedelta(days=window_days)
    delivered_ids = [str(r[0]) for r in conn.execute(
        select(ORDERS.c.id).where(ORDERS.c.stage == Stage.DELIVERED.value)).all()]
    delivered_at = {oid: at for oid, at in stage_times(conn, delivered_ids, Stage.DELIVERED.value).items()
                    if at >= since}
    ids = list(delivered_at)
    received_at = stage_times(conn, ids, Stage.RECEIVED.value)
    orders: dict[str, tuple[datetime, datetime]] = {}
    for chunk in _chunks(ids):
        for oid, promised, created in conn.execute(
                select(ORDERS.c.id, ORDERS.c.promised_date, ORDERS.c.created_at).where(ORDERS.c.id.in_(chunk))):
            orders[str(oid)] = (utc(promised), utc(created))

    on_time, lead, promised_lead = 0, [], []
    for oid, delivered in delivered_at.items():
        promised, created_wall = orders[oid]
        # Wall-clock created_at only when the received milestone is missing: mapped onto the plant clock.
        start = received_at.get(oid) or clock.plant_at(created_wall)
        on_time += delivered <= promised
        lead.append((delivered - start).total_seconds() / 3600)
        promised_lead.append((promised - start).total_seconds() / 3600)
    count = len(delivered_at)
    return PlannerKpis(
        plant_time=now, window_days=window_days, orders_in_flight=in_flight, orders_by_stage=by_stage,
        delivered=count, delivered_on_time=on_time, on_time_rate=on_time / count if count else None,
        average_lead_hours=sum(lead) / count if count else None,
        average_promised_lead_hours=sum(promised_lead) / count if count else None,
        wip=line_wip(conn, line_ids),
    )
