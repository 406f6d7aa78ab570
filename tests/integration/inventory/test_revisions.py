"""Reservations per order revision on the real databases (SQLite and the local PostgreSQL).

A configuration change releases the order's reservations and the new revision reserves again: it must
really take the stock (not find the released row of the same order and item and call it a repeat), a
retry of one revision must still take nothing twice, goods received for the order go to the revision
that holds stock now, and production is issued what the new revision holds.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from orchestrator.inventory import GrossRequirement
from orchestrator.inventory.stock_file import InitialStock
from orchestrator.persistence import inventory_repo as repo
from orchestrator.persistence.tables.inventory import ReservationRow

NOW = datetime(2030, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(hours=5)
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]


def seed(engine: Engine, **on_hand: float) -> None:
    repo.seed_stock(engine, [InitialStock(item=i, on_hand=q, unit="pcs") for i, q in on_hand.items()], NOW)


def levels(engine: Engine) -> dict[str, tuple[float, float]]:
    """(on hand, reserved) per item."""
    return {item: (s.on_hand, s.reserved) for item, s in repo.stock_levels(engine).items()}


def issue(engine: Engine, order_id: str, at: datetime = LATER) -> dict[str, float]:
    with engine.begin() as conn:
        return {i.item: i.quantity for i in repo.issue_order(conn, order_id, at)}


def rows(engine: Engine, order_id: str) -> list[tuple[int, str, float, bool, bool]]:
    """(revision, item, quantity, released, issued) of every reservation row of the order."""
    with engine.connect() as conn:
        found = conn.execute(
            select(RESERVATIONS.c.revision, RESERVATIONS.c.item, RESERVATIONS.c.quantity,
                   RESERVATIONS.c.released_at, RESERVATIONS.c.issued_at)
            .where(RESERVATIONS.c.order_id == order_id)
            .order_by(RESERVATIONS.c.revision, RESERVATIONS.c.item)
        ).all()
    return [(r.revision, r.item, r.quantity, r.released_at is not None, r.issued_at is not None) for r in found]


def test_the_next_revision_reserves_again_after_a_release_and_production_is_issued_it(engine: Engine) -> None:
    seed(engine, screw=10)
    first = repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    assert (first.reserved, first.repeated) == (4, False)
    assert repo.release_order(engine, "A", NOW) == {"screw": 4}
    assert levels(engine) == {"screw": (10, 0)}

    again = repo.reserve(engine, "A", "screw", 4, "pcs", LATER, revision=1)
    assert (again.reserved, again.short, again.repeated) == (4, 0, False), "the new revision takes the stock"
    assert levels(engine) == {"screw": (10, 4)}, "the stock's reserved total says so too"
    assert repo.reservations_of(engine, "A") == {"screw": 4}

    assert issue(engine, "A") == {"screw": 4}, "production is issued what the new revision holds"
    assert levels(engine) == {"screw": (6, 0)}
    assert repo.issued_of(engine, "A") == {"screw": 4}
    assert rows(engine, "A") == [(0, "screw", 4, True, False), (1, "screw", 4, False, True)], "both kept as trail"


def test_a_retried_reserve_of_one_revision_takes_nothing_twice(engine: Engine) -> None:
    seed(engine, screw=10, motor=3)
    repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    repo.release_order(engine, "A", NOW)
    first = repo.reserve(engine, "A", "screw", 5, "pcs", LATER, revision=1)
    retried = repo.reserve(engine, "A", "screw", 5, "pcs", LATER, revision=1)
    assert (first.reserved, first.repeated, retried.reserved, retried.repeated) == (5, False, 5, True)
    late_retry = repo.reserve(engine, "A", "screw", 4, "pcs", LATER, revision=0)
    assert (late_retry.reserved, late_retry.repeated) == (4, True), "revision 0 was reserved (and released) once"
    assert levels(engine)["screw"] == (10, 5)

    # The whole request, as the order's activity makes it, retried: the same nets, nothing more taken.
    need = [GrossRequirement("screw", 5, "pcs", LATER), GrossRequirement("motor", 4, "pcs", LATER)]
    nets = repo.reserve_for_order(engine, "A", need, LATER, revision=1)
    assert [(n.item, n.from_stock, n.to_buy) for n in nets] == [("screw", 5, 0), ("motor", 3, 1)]
    nets_again = repo.reserve_for_order(engine, "A", need, LATER, revision=1)
    assert [(n.item, n.from_stock, n.to_buy) for n in nets_again] == [("screw", 5, 0), ("motor", 3, 1)]
    assert levels(engine) == {"screw": (10, 5), "motor": (3, 3)}


def test_concurrent_retries_of_the_new_revision_reserve_once(engine: Engine) -> None:
    seed(engine, cell=100)
    for n in range(4):
        repo.reserve(engine, f"O{n}", "cell", 7, "pcs", NOW)
        repo.release_order(engine, f"O{n}", NOW)
    start = threading.Barrier(8)

    def retry(order_id: str) -> repo.Reservation:
        start.wait(timeout=10)  # eight attempts at the same revision's reservation at the same instant
        return repo.reserve(engine, order_id, "cell", 9, "pcs", LATER, revision=1)

    for n in range(4):
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(retry, [f"O{n}"] * 8))
        assert sorted(r.repeated for r in results) == [False] + [True] * 7
        assert {r.reserved for r in results} == {9}
    assert levels(engine) == {"cell": (100, 4 * 9)}
    assert all(repo.reservations_of(engine, f"O{n}") == {"cell": 9} for n in range(4))


def test_goods_received_after_a_change_are_reserved_for_the_new_revision(engine: Engine) -> None:
    seed(engine, motor=0, gear=0)
    repo.reserve(engine, "A", "motor", 5, "pcs", NOW)  # revision 0: nothing there, 5 short
    repo.reserve(engine, "A", "gear", 2, "pcs", NOW)
    repo.release_order(engine, "A", NOW)
    repo.reserve(engine, "A", "motor", 3, "pcs", NOW, revision=1)  # revision 1 needs 3 motors, no gears

    motors = repo.receive_goods(engine, repo.GoodsReceipt("acme:PO-2:DA-1", "motor", "pcs", 4, LATER, order_id="A",
                                                          for_order=3), LATER)
    assert (motors.for_order, motors.surplus) == (3, 1)
    gears = repo.receive_goods(engine, repo.GoodsReceipt("acme:PO-1:DA-1", "gear", "pcs", 2, LATER, order_id="A",
                                                         for_order=2), LATER)
    assert (gears.for_order, gears.surplus) == (0, 2), "the new revision does not hold gears: free stock"
    assert levels(engine) == {"motor": (4, 3), "gear": (2, 0)}
    assert repo.reservations_of(engine, "A") == {"motor": 3}
    assert rows(engine, "A") == [(0, "gear", 0, True, False), (0, "motor", 0, True, False),
                                 (1, "motor", 3, False, False)], "the released revision did not grow"
    assert issue(engine, "A") == {"motor": 3}
    assert levels(engine) == {"motor": (1, 0), "gear": (2, 0)}


def test_what_the_order_last_held_is_its_newest_revision(engine: Engine) -> None:
    seed(engine, screw=10, motor=2)
    repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    repo.reserve(engine, "A", "motor", 2, "pcs", NOW)
    repo.release_order(engine, "A", NOW)
    repo.reserve(engine, "A", "screw", 6, "pcs", NOW, revision=1)
    issue(engine, "A")
    assert repo.reservations_of(engine, "A") == {}
    assert repo.reservations_of(engine, "A", active_only=False) == {"screw": 6}, "revision 0's rows are history"
    assert repo.issued_of(engine, "A") == {"screw": 6}
    assert levels(engine) == {"screw": (4, 0), "motor": (2, 0)}
