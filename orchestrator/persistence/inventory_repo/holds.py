"""Stock promised to orders that have not reserved it yet: the promise's soft hold.

An order is promised from free stock at entry, but its workflow reserves the stock only after approval
and planning: hours for a special request, seconds otherwise. Another order promised in between would
count the same stock free and be promised a date that only stock it will not get could keep (the live
validation of the promise simulation found one such order waiting twenty days). So intake stores what
the promise counted from stock (``plan.promise.from_stock``), and the next promise counts it as taken
while the order is still ``received`` or ``awaiting_approval``. Once the workflow plans the order, its
plan replaces the promise's note and its reservation (a moment later) holds the stock for real.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine

from orchestrator.orders.stages import Stage
from orchestrator.persistence.tables.orders import OrderRow

ORDERS = OrderRow.__table__  # type: ignore[attr-defined]
NOT_YET_RESERVED = (Stage.RECEIVED.value, Stage.AWAITING_APPROVAL.value)


def promised_from_stock(engine: Engine) -> dict[str, float]:
    """Per item, the stock the promises of orders not yet reserved counted on."""
    held: dict[str, float] = {}
    with engine.connect() as conn:
        for (plan,) in conn.execute(select(ORDERS.c.plan).where(ORDERS.c.stage.in_(NOT_YET_RESERVED))):
            counted = ((plan or {}).get("promise") or {}).get("from_stock") or {}
            for item, quantity in counted.items():
                held[item] = held.get(item, 0.0) + float(quantity)
    return held
