"""What belongs to an order besides its row: work orders and purchase orders, for the order detail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from orchestrator.persistence.purchasing_repo import purchase_orders
from orchestrator.persistence.work_orders_repo import work_orders_of


def order_relations(engine: Engine, order_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(work orders, purchase orders) of the order, as JSON-ready dicts."""
    wos = [row.model_dump(mode="json") for row in work_orders_of(engine, order_id)]
    pos = [row.model_dump(mode="json") for row in purchase_orders(engine, order_id=order_id)]
    return wos, pos
