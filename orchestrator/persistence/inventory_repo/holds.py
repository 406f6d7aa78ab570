"""Stock promised to orders that have not reserved it yet: the promise's soft hold.

An order is promised from free stock at entry, but its workflow reserves the stock only after approval
and planning: hours for a special request, seconds otherwise. Another order promised in between would
count the same stock free and be promised a date that only stock it will not get could keep (the live
validation of the promise simulation found one such order waiting twenty days). So intake stores what
the promise counted from stock (``plan.promise.from_stock``; the workflow's plan keeps the note), and
the next promise counts it as taken until the order's reservation holds the stock for real: while the
order is ``received``, ``awaiting_approval`` or ``planned`` and has not reserved the item yet. (The live
validation found the moment between planning and reserving too: an order placed then was promised the
stock again.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from orchestrator.orders.stages import Stage
from orchestrator.persistence.tables.inventory import ReservationRow
from orchestrator.persistence.tables.orders import OrderRow

ORDERS = OrderRow.__table__  # type: ignore[attr-defined]
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]
NOT_YET_RESERVED = (Stage.RECEIVED.value, Stage.AWAITING_APPROVAL.value, Stage.PLANNED.value)
CHUNK = 500  # order ids per query, well inside every database's limit on bound parameters


def promised_from_stock(engine: Engine) -> dict[str, float]:
    """Per item, the stock the promises of orders not yet reserved counted on (an item the order has
    reserved already is held by its reservation)."""
    held: dict[str, float] = {}
    with engine.connect() as conn:
        pending = {order_id: ((plan or {}).get("promise") or {}).get("from_stock") or {}
                   for order_id, plan in conn.execute(select(ORDERS.c.id, ORDERS.c.plan)
                                                      .where(ORDERS.c.stage.in_(NOT_YET_RESERVED)))}
        pending = {order_id: counted for order_id, counted in pending.items() if counted}
        reserved: set[tuple[str, str]] = set()
        ids = list(pending)
        for k in range(0, len(ids), CHUNK):
            rows = conn.execute(select(RESERVATIONS.c.order_id, RESERVATIONS.c.item)
                                .where(RESERVATIONS.c.order_id.in_(ids[k:k + CHUNK])))
            reserved.update((str(order_id), str(item)) for order_id, item in rows)
    for order_id, counted in pending.items():
        for item, quantity in counted.items():
            if (order_id, item) not in reserved:
                held[item] = held.get(item, 0.0) + float(quantity)
    return held
