"""Goods issue: an order's reserved stock leaves the store for its production, once.

Issuing closes each open reservation of the order (``issued_at``; the row stays as the trail) and
takes its quantity off both ``on_hand`` and ``reserved`` of the item, so the free stock does not
change: the goods were already promised to the order, now they are gone from the shelf.

Idempotency and races: the reservations are marked and read in one ``UPDATE ... RETURNING`` that only
matches open rows, so a retried issue finds nothing left to issue, and an issue racing a release of
the same order (a cancel arriving as production starts) leaves every row either issued or released,
never both. Stock rows are then updated in item order, as releases do, so two transactions touching
the same items never wait on each other in a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.inventory_repo.stock import RESERVATIONS, STOCK, is_open, minus_floored


@dataclass(frozen=True)
class Issued:
    """Stock issued to an order's production."""

    item: str
    unit: str
    quantity: float


def issue_order(conn: Connection, order_id: str, now: datetime) -> list[Issued]:
    """Issue everything the order still holds to its production, in the caller's transaction.

    Returns what was issued now, by item (empty when it had been issued or released before).
    """
    rows = conn.execute(
        update(RESERVATIONS)
        .where(RESERVATIONS.c.order_id == order_id, is_open())
        .values(issued_at=now, updated_at=now)
        .returning(RESERVATIONS.c.item, RESERVATIONS.c.unit, RESERVATIONS.c.quantity)
    ).all()
    issued = sorted((Issued(r.item, r.unit, float(r.quantity)) for r in rows), key=lambda i: i.item)
    for line in issued:
        if line.quantity > 0:
            conn.execute(
                update(STOCK)
                .where(STOCK.c.item == line.item)
                .values(on_hand=minus_floored(conn, STOCK.c.on_hand, line.quantity),
                        reserved=minus_floored(conn, STOCK.c.reserved, line.quantity), updated_at=now)
            )
    return issued


def issued_of(engine: Engine, order_id: str) -> dict[str, float]:
    """What was issued to the order's production, per item (empty before production starts).

    Only the revision that reached production was issued (the earlier ones were released by their
    change); the quantities are summed all the same, so the answer is what left the store.
    """
    query = (select(RESERVATIONS.c.item, RESERVATIONS.c.quantity)
             .where(RESERVATIONS.c.order_id == order_id, RESERVATIONS.c.issued_at.is_not(None)))
    out: dict[str, float] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            out[r.item] = out.get(r.item, 0.0) + float(r.quantity)
    return out
