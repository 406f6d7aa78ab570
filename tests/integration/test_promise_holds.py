"""The live promise counts stock promised to orders that have not reserved it yet as taken (SQLite and
PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine
from temporalio.client import Client

from orchestrator.catalog import load_catalog
from orchestrator.catalog.model import ItemKind
from orchestrator.catalog.quote import quote
from orchestrator.clock import PlantClock
from orchestrator.inventory.stock_file import InitialStock
from orchestrator.orders.promising import PromisePolicy
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.inventory_repo import promised_from_stock, release_order, reserve, seed_stock
from orchestrator.persistence.orders_repo import insert_order
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.plant import load_plant
from orchestrator.services.intake import Intake, NewOrder, from_stock
from orchestrator.services.schedule_promise import SchedulePromiser
from orchestrator.settings import Settings
from tests.support.processes import ROOT

NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)
ORDERS = OrderRow.__table__  # type: ignore[attr-defined]


def _order(engine: Engine, oid: str, stage: str, counted: dict[str, float]) -> None:
    row = OrderRow(id=oid, sku="ebike-city", options={}, quantity=1, customer_id="c1", customer={}, stage=stage,
                   price_total=900.0, currency="EUR", promised_date=NOW, eta=NOW, tracking_token=f"tok-{oid}",
                   plan={"promise": {"method": "test", "summary": "", "from_stock": counted}},
                   created_at=NOW, updated_at=NOW)
    insert_order(engine, row, NewEvent(kind="stage", plant_time=NOW, order_id=oid, payload={"stage": stage},
                                       dedupe_key=f"{oid}:{stage}"))


def test_stock_promised_to_an_order_not_yet_reserved_is_not_promised_again(engine: Engine) -> None:
    q = quote(load_catalog(ROOT / "catalog"), "ebike-city", {}, 1)
    leaf = next(r for r in q.bom if r.kind in (ItemKind.PURCHASED, ItemKind.STOCKED))
    seed_stock(engine, [InitialStock(item=leaf.item, on_hand=leaf.quantity, unit=leaf.unit)], NOW)
    promiser = SchedulePromiser(engine, load_plant(ROOT / "plant" / "default.yaml"), {}, PromisePolicy())

    def covered() -> bool:
        material = promiser.compute(q.routing, q.bom, NOW).material
        return next(m for m in material if m.item == leaf.item).covered_by_stock

    first = promiser.compute(q.routing, q.bom, NOW)
    assert covered() and from_stock(first)[leaf.item] == leaf.quantity  # exactly enough for one order

    _order(engine, "ORD-HELD", "received", from_stock(first))  # promised, not reserved yet
    assert promised_from_stock(engine) == from_stock(first)
    assert not covered()  # a second order is promised after the item's lead time instead

    with engine.begin() as conn:  # an approval wait holds it too
        conn.execute(update(ORDERS).where(ORDERS.c.id == "ORD-HELD").values(stage="awaiting_approval"))
    assert not covered()

    with engine.begin() as conn:  # planned: the plan keeps the promise's note, and it holds until reserved
        conn.execute(update(ORDERS).where(ORDERS.c.id == "ORD-HELD").values(
            stage="planned", plan={"operations": [], "materials": [], "promise": {"from_stock": from_stock(first)}}))
    assert not covered()

    reserve(engine, "ORD-HELD", leaf.item, leaf.quantity, leaf.unit, NOW)  # the reservation holds it now
    assert promised_from_stock(engine) == {} and not covered()
    release_order(engine, "ORD-HELD", NOW)  # given back (a cancel): free for the next order
    assert covered()


async def test_orders_placed_at_the_same_moment_do_not_both_count_the_same_stock(
        engine: Engine, db_url: str, temporal_client: Client, task_queue: str, tmp_path: Path) -> None:
    """Two customers order at once with stock for one: one is promised from stock, the other after the
    item's lead time (the live validation saw both promised from stock when placed 0.1 s apart)."""
    catalog = load_catalog(ROOT / "catalog")
    q = quote(catalog, "ebike-city", {}, 1)
    leaf = next(r for r in q.bom if r.kind in (ItemKind.PURCHASED, ItemKind.STOCKED))
    seed_stock(engine, [InitialStock(item=leaf.item, on_hand=leaf.quantity, unit=leaf.unit)], NOW)
    settings = Settings(database_url=db_url, var_dir=tmp_path, task_queue=task_queue)
    intake = Intake(engine, catalog, SchedulePromiser(engine, load_plant(ROOT / "plant" / "default.yaml"), {},
                                                      PromisePolicy()),
                    PlantClock(NOW.timestamp(), 1.0), settings)
    order = NewOrder(sku="ebike-city", options={}, quantity=1, customer_id="c1",
                     customer={"name": "A", "email": "a@example.com"}, special_requests=None, notify_url=None)
    placed = await asyncio.gather(*(intake.place(order, None, temporal_client) for _ in range(2)))
    try:
        counted = [((row.plan or {}).get("promise") or {}).get("from_stock", {}).get(leaf.item, 0.0)
                   for row, _ in placed]
        assert sorted(counted) == [0.0, leaf.quantity], counted
        assert promised_from_stock(engine)[leaf.item] == leaf.quantity
    finally:
        for row, _ in placed:
            with contextlib.suppress(Exception):
                await temporal_client.get_workflow_handle(row.id).terminate("test over")
