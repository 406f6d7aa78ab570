"""Goods issue on the real databases (SQLite and the local PostgreSQL): an order's reserved stock leaves
the store once, however often or concurrently the issue is retried, and a later cancel gives nothing back."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from orchestrator.inventory.stock_file import InitialStock
from orchestrator.persistence import inventory_repo as repo
from orchestrator.persistence.tables.inventory import ReservationRow

NOW = datetime(2030, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(hours=5)
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]


def seed(engine: Engine, **on_hand: float) -> None:
    repo.seed_stock(engine, [InitialStock(item=i, on_hand=q, unit="pcs") for i, q in on_hand.items()], NOW)


def issue(engine: Engine, order_id: str, at: datetime = LATER) -> dict[str, float]:
    with engine.begin() as conn:
        return {i.item: i.quantity for i in repo.issue_order(conn, order_id, at)}


def levels(engine: Engine) -> dict[str, tuple[float, float]]:
    return {item: (s.on_hand, s.reserved) for item, s in repo.stock_levels(engine).items()}


def rows(engine: Engine, order_id: str) -> list[tuple[str, float, datetime | None, datetime | None]]:
    with engine.connect() as conn:
        found = conn.execute(
            select(RESERVATIONS.c.item, RESERVATIONS.c.quantity, RESERVATIONS.c.released_at, RESERVATIONS.c.issued_at)
            .where(RESERVATIONS.c.order_id == order_id).order_by(RESERVATIONS.c.item)
        ).all()
    return [(r.item, r.quantity, r.released_at, r.issued_at) for r in found]


def test_issue_takes_the_reserved_stock_off_the_shelf_once_and_keeps_the_rows(engine: Engine) -> None:
    seed(engine, screw=10, motor=2)
    repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    repo.reserve(engine, "A", "motor", 2, "pcs", NOW)
    repo.reserve(engine, "B", "screw", 3, "pcs", NOW)

    first = issue(engine, "A")
    assert first == {"motor": 2, "screw": 4}
    assert issue(engine, "A") == {}, "a retried issue finds nothing left to issue"
    assert levels(engine) == {"screw": (6, 3), "motor": (0, 0)}, "on hand and reserved both went down, once"
    assert repo.reservations_of(engine, "A") == {}
    assert repo.reservations_of(engine, "A", active_only=False) == {"motor": 2, "screw": 4}, "rows are kept"
    assert [(item, released) for item, _, released, _ in rows(engine, "A")] == [("motor", None), ("screw", None)]
    assert {issued.replace(tzinfo=UTC) for *_, issued in rows(engine, "A") if issued} == {LATER}
    assert repo.issued_of(engine, "A") == {"motor": 2, "screw": 4}
    assert repo.reservations_of(engine, "B") == {"screw": 3} and repo.issued_of(engine, "B") == {}


def test_a_cancel_after_the_issue_gives_nothing_back(engine: Engine) -> None:
    seed(engine, screw=10)
    repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    issue(engine, "A")
    assert repo.release_order(engine, "A", LATER) == {}
    assert levels(engine) == {"screw": (6, 0)}, "issued stock does not return to the shelf"
    assert [released for _, _, released, _ in rows(engine, "A")] == [None]


def test_an_issue_after_a_release_issues_nothing(engine: Engine) -> None:
    seed(engine, screw=10)
    repo.reserve(engine, "A", "screw", 4, "pcs", NOW)
    repo.release_order(engine, "A", NOW)
    assert issue(engine, "A") == {}
    assert levels(engine) == {"screw": (10, 0)}


def test_goods_arriving_for_an_issued_order_become_free_stock(engine: Engine) -> None:
    seed(engine, motor=5)
    repo.reserve(engine, "A", "motor", 5, "pcs", NOW)
    issue(engine, "A")
    late = repo.receive_goods(engine, repo.GoodsReceipt("k", "motor", "pcs", 3, LATER, order_id="A", for_order=3),
                              LATER)
    assert (late.for_order, late.surplus) == (0, 3)
    assert levels(engine) == {"motor": (3, 0)}
    assert repo.issued_of(engine, "A") == {"motor": 5}, "the issued row did not grow"


def test_concurrent_retries_issue_once(engine: Engine) -> None:
    seed(engine, cell=100, frame=10)
    for n in range(12):
        repo.reserve(engine, f"O{n}", "cell", 7, "pcs", NOW)
        repo.reserve(engine, f"O{n}", "frame", 0.5, "pcs", NOW)  # counted: whole units only, so 0 here
    start = threading.Barrier(8)

    def retry(order_id: str) -> dict[str, float]:
        start.wait(timeout=10)  # eight attempts at the same order's issue at the same instant
        return issue(engine, order_id)

    for n in (0, 1, 2):
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(retry, [f"O{n}"] * 8))
        assert sorted(results, key=len) == [{}] * 7 + [{"cell": 7, "frame": 0}], results
    assert levels(engine) == {"cell": (100 - 3 * 7, 9 * 7), "frame": (10, 0)}


def test_an_issue_racing_a_release_closes_each_row_once_and_keeps_the_ledger(engine: Engine) -> None:
    seed(engine, screw=1000, motor=1000)
    orders = [f"O{n}" for n in range(24)]
    for oid in orders:
        repo.reserve(engine, oid, "screw", 5, "pcs", NOW)
        repo.reserve(engine, oid, "motor", 2, "pcs", NOW)

    def both(job: tuple[str, bool]) -> None:
        oid, release = job
        if release:
            repo.release_order(engine, oid, LATER)
        else:
            issue(engine, oid)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(both, [(oid, flag) for oid in orders for flag in (False, True)]))
    gone = {"screw": 0.0, "motor": 0.0}
    for oid in orders:
        closed = rows(engine, oid)
        assert all((released is None) != (at is None) for _, _, released, at in closed), closed
        for item, quantity, _, at in closed:
            gone[item] += quantity if at is not None else 0.0
    assert levels(engine) == {"screw": (1000 - gone["screw"], 0), "motor": (1000 - gone["motor"], 0)}
