"""Bookings arrive without their operations: the scheduler reads them from the plan stored with each order.

An order stores its exploded plan (operations and materials) when it plans, before it ever books, so the
booking signal needs to carry only the order id, its dates and its priority. A booking that lists its
operations (a caller without a stored order, such as a planner booking by hand) is taken as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Connection

from orchestrator.persistence.tables.orders import OrderRow
from workflows.contracts import BookingRequest, OperationSpec

ORDERS = OrderRow.__table__  # type: ignore[attr-defined]
CHUNK = 500  # ids per query, well inside every database's limit on bound parameters


def stored_operations(conn: Connection, order_ids: Sequence[str]) -> dict[str, list[OperationSpec]]:
    """The operations of each order's stored plan (orders without a readable plan are left out)."""
    found: dict[str, list[OperationSpec]] = {}
    ids = list(dict.fromkeys(order_ids))
    for k in range(0, len(ids), CHUNK):
        rows = conn.execute(select(ORDERS.c.id, ORDERS.c.plan).where(ORDERS.c.id.in_(ids[k:k + CHUNK])))
        for order_id, plan in rows:
            try:
                found[str(order_id)] = [OperationSpec.model_validate(op) for op in (plan or {}).get("operations", [])]
            except (ValidationError, AttributeError):
                continue  # refused as a booking without operations, with the order named
    return found


def with_operations(conn: Connection, bookings: Sequence[BookingRequest]) -> list[BookingRequest]:
    """The bookings, each with its operations (read from the stored plan where the booking sent none)."""
    missing = [b.order_id for b in bookings if not b.operations]
    if not missing:
        return list(bookings)
    plans = stored_operations(conn, missing)
    return [b if b.operations else b.model_copy(update={"operations": plans.get(b.order_id, [])}) for b in bookings]
