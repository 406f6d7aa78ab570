"""What a committed job row means to its order's workflow: production began, production ended, or nothing.

An order's path needs two facts from the floor, not one per work order: its first work order started (it
enters production) and every operation of its booking completed (quality check may begin). Everything in
between goes to the trail and the work order rows, where the tracker and the planner read it. That keeps
an order's history at two line signals whatever its routing.

Both facts are read from committed rows, so that concurrent monitors of different lines agree without
talking to each other:

- the *first start* is the order's start row with the lowest id: the row finds no start of the order
  before it (a monitor whose row commits later with a lower id may say so too; a repeat is harmless);
- the *last completion* is any completion after which every operation of the order's current work orders
  has a completion row: whichever monitor looks last sees them all, so at least one tells the order.

An order without work orders in the database (a job started by hand, a test) hears every event as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.work_orders_repo import PlanState
from workflows.lines.types import EventKinds


class Tell(StrEnum):
    """What the order hears of a job row."""

    NOTHING = "nothing"
    EVENT = "event"  # the row itself, as a work_order_event (a first start, or any event of an unbooked order)
    FINISHED = "finished"  # production_finished with every operation of the order


@dataclass(frozen=True)
class OrderNews:
    """What to tell the order of one job row; ``op_ids`` with ``FINISHED``."""

    tell: Tell = Tell.EVENT
    op_ids: tuple[str, ...] = ()


def order_news(conn: Connection, row_id: int, kind: str, payload: dict[str, Any]) -> OrderNews:
    """What the order of the job row ``row_id`` (of ``kind``) must hear."""
    order_id = payload.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        return OrderNews(Tell.NOTHING)
    current = repo.order_work_orders(conn, [order_id])
    if not current:
        return OrderNews(Tell.EVENT)
    ev = EVENTS.c
    mine = ev.order_id == order_id
    if kind == EventKinds.WORK_ORDER_STARTED:
        earlier = conn.execute(select(ev.id).where(mine, ev.kind == EventKinds.WORK_ORDER_STARTED, ev.id < row_id)
                               .limit(1)).first()
        return OrderNews(Tell.NOTHING if earlier else Tell.EVENT)
    if kind == EventKinds.WORK_ORDER_COMPLETED:
        ops = {r.op_id for r in current if r.state != PlanState.WITHDRAWN}
        done = conn.execute(select(ev.payload).where(mine, ev.kind == EventKinds.WORK_ORDER_COMPLETED)).scalars()
        completed = {p.get("op_id") for p in done if isinstance(p, dict)}
        if ops and ops <= completed:
            return OrderNews(Tell.FINISHED, tuple(sorted(ops)))
    return OrderNews(Tell.NOTHING)
