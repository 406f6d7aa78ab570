"""Stock reservations on the real databases (SQLite and the local PostgreSQL): never over-reserve."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from orchestrator.inventory import GrossRequirement
from orchestrator.inventory.stock_file import DEFAULT_STOCK_FILE, InitialStock, load_initial_stock
from orchestrator.persistence import inventory_repo as repo
from orchestrator.persistence.tables.inventory import ReservationRow

NOW = datetime(2030, 1, 1, tzinfo=UTC)
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]


def seed(engine: Engine, **on_hand: float) -> None:
    repo.seed_stock(engine, [InitialStock(item=i, on_hand=q, unit="pcs") for i, q in on_hand.items()], NOW)


def reserved_total(engine: Engine, item: str) -> float:
    with engine.connect() as conn:
        rows = conn.execute(select(RESERVATIONS.c.quantity).where(
            RESERVATIONS.c.item == item, RESERVATIONS.c.released_at.is_(None))).all()
    return sum(r.quantity for r in rows)


def test_concurrent_orders_never_reserve_more_than_is_on_hand(engine: Engine) -> None:
    seed(engine, motor=50)
    orders = [f"ORD-{n:03d}" for n in range(40)]  # 40 orders x 3 motors = 120 wanted, 50 there
    start = threading.Barrier(8)

    def order(order_id: str) -> repo.Reservation:
        if int(order_id[-3:]) < 8:
            start.wait(timeout=10)  # the first eight race for the same row at the same instant
        return repo.reserve(engine, order_id, "motor", 3, "pcs", NOW)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(order, orders))
    level = repo.stock_levels(engine, ["motor"])["motor"]
    assert level.reserved <= level.on_hand
    assert level.reserved == reserved_total(engine, "motor") == 50  # all of it, and not one unit more
    assert sum(r.reserved for r in results) == 50
    assert all(r.reserved + r.short == 3 and r.reserved == int(r.reserved) for r in results)


def test_hammering_one_item_from_many_threads_keeps_the_books_straight(engine: Engine) -> None:
    seed(engine, cell=1000)
    wanted = [(f"O{n}", 7 + n % 13) for n in range(120)]  # about 1,450 wanted

    def order(job: tuple[str, int]) -> float:
        return repo.reserve(engine, job[0], "cell", job[1], "pcs", NOW).reserved

    with ThreadPoolExecutor(max_workers=12) as pool:
        got = list(pool.map(order, wanted))
    level = repo.stock_levels(engine, ["cell"])["cell"]
    assert sum(got) == level.reserved == reserved_total(engine, "cell") == 1000


def test_reserving_again_for_the_same_order_and_item_takes_nothing_more(engine: Engine) -> None:
    seed(engine, screw=10)
    first = repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    again = repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    assert (first.reserved, first.repeated, again.reserved, again.repeated) == (4, False, 4, True)
    assert repo.stock_levels(engine)["screw"].reserved == 4


def test_reserve_for_order_nets_against_stock(engine: Engine) -> None:
    seed(engine, screw=10, motor=1)
    net = repo.reserve_for_order(engine, "A", [
        GrossRequirement("screw", 4, "pcs", NOW), GrossRequirement("motor", 3, "pcs", NOW),
        GrossRequirement("board", 2, "pcs", NOW),
    ], NOW)
    assert [(n.item, n.from_stock, n.to_buy) for n in net] == [("screw", 4, 0), ("motor", 1, 2), ("board", 0, 2)]


def test_release_gives_stock_back_once(engine: Engine) -> None:
    seed(engine, screw=10, motor=2)
    repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    repo.reserve(engine, "A", "motor", 2, "pcs", NOW)
    repo.reserve(engine, "B", "screw", 3, "pcs", NOW)
    assert repo.release_order(engine, "A", NOW) == {"screw": 4, "motor": 2}
    assert repo.release_order(engine, "A", NOW) == {}
    levels = repo.stock_levels(engine)
    assert (levels["screw"].reserved, levels["motor"].reserved) == (3, 0)
    assert repo.reservations_of(engine, "A") == {} and repo.reservations_of(engine, "B") == {"screw": 3}


def test_goods_receipt_adds_stock_reserves_for_the_order_and_is_booked_once(engine: Engine) -> None:
    seed(engine, motor=0)
    repo.reserve(engine, "A", "motor", 5, "pcs", NOW)  # nothing there: 5 short
    receipt = repo.GoodsReceipt("acme:PO-1:DA-1", "motor", "pcs", 8, NOW, order_id="A", for_order=5,
                                supplier="acme", po_id="PO-1", asn_id="DA-1")
    first = repo.receive_goods(engine, receipt, NOW)
    again = repo.receive_goods(engine, receipt, NOW)
    assert (first.for_order, first.surplus, first.repeated) == (5, 3, False)
    assert (again.for_order, again.surplus, again.repeated) == (5, 3, True)
    level = repo.stock_levels(engine)["motor"]
    assert (level.on_hand, level.reserved, level.free) == (8, 5, 3)
    assert repo.reservations_of(engine, "A") == {"motor": 5}


def test_goods_for_a_released_order_become_free_stock(engine: Engine) -> None:
    seed(engine, motor=0)
    repo.reserve(engine, "A", "motor", 5, "pcs", NOW)
    repo.release_order(engine, "A", NOW)
    out = repo.receive_goods(engine, repo.GoodsReceipt("k", "motor", "pcs", 5, NOW, order_id="A", for_order=5), NOW)
    assert (out.for_order, out.surplus) == (0, 5)
    assert repo.stock_levels(engine)["motor"].free == 5


def test_a_receipt_for_a_new_item_creates_its_stock_row(engine: Engine) -> None:
    repo.receive_goods(engine, repo.GoodsReceipt("k", "gear", "pcs", 6, NOW), NOW)
    assert repo.stock_levels(engine)["gear"].on_hand == 6


def test_seeding_loads_the_shipped_file_only_into_an_empty_table(engine: Engine) -> None:
    levels = load_initial_stock(DEFAULT_STOCK_FILE)
    assert repo.seed_stock_from_file(engine, NOW) == len(levels)
    repo.reserve(engine, "A", "fastener-m5x12", 100, "pcs", NOW)
    assert repo.seed_stock_from_file(engine, NOW) == 0
    assert repo.stock_levels(engine)["fastener-m5x12"].reserved == 100


def test_the_database_itself_refuses_over_reservation(engine: Engine) -> None:
    seed(engine, screw=1)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE stock SET reserved = 2 WHERE item = 'screw'"))


def test_bad_quantities_are_refused(engine: Engine) -> None:
    with pytest.raises(repo.InventoryError, match="finite number"):
        repo.reserve(engine, "A", "screw", -1, "pcs", NOW)
