"""Stock levels, seeding, reservations that never over-reserve, and releases (issues: ``issues``).

Concurrency: taking stock is one conditional UPDATE,

    UPDATE stock SET reserved = reserved + :q WHERE item = :i AND on_hand - reserved >= :q

which PostgreSQL re-evaluates on the newest row version after waiting for a concurrent writer, and
which SQLite runs under its single writer lock. A reservation therefore either fits in the free stock
at the moment it commits, or changes nothing and is retried with a fresh look at the free stock.
No transaction reads before it writes, so SQLite never has to upgrade a read snapshot (which fails
at once instead of waiting). The ``stock`` check constraint refuses anything that slipped through.

Idempotency: one reservation row per order revision and item; a repeat returns the first result. A
row is open until it is released (the order gives the stock back) or issued (the stock goes to
production); only open rows count in ``stock.reserved``. A configuration change releases the order's
rows and its next revision reserves again under its own key: keyed by order and item alone, the new
revision would find the released row and take it for a repeat, reserving nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from orchestrator.inventory.netting import COUNTED_UNITS, GrossRequirement, NetRequirement, round_quantity
from orchestrator.inventory.stock_file import DEFAULT_STOCK_FILE, InitialStock, load_initial_stock
from orchestrator.persistence.tables.inventory import ReservationRow, StockRow

STOCK = StockRow.__table__  # type: ignore[attr-defined]
RESERVATIONS = ReservationRow.__table__  # type: ignore[attr-defined]
EPSILON = 1e-6
MAX_RESERVE_ROUNDS = 50


class InventoryError(ValueError):
    """A stock operation that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class StockLevel:
    """An item's stock now."""

    item: str
    unit: str
    on_hand: float
    reserved: float

    @property
    def free(self) -> float:
        """What new reservations may still take."""
        return max(0.0, self.on_hand - self.reserved)


@dataclass(frozen=True)
class Reservation:
    """What an order holds of an item; ``short`` is what stock could not cover when it was made."""

    order_id: str
    item: str
    unit: str
    requested: float
    reserved: float
    repeated: bool = False
    revision: int = 0

    @property
    def short(self) -> float:
        """The part of the request that stock did not cover (to be bought)."""
        return round_quantity(max(0.0, self.requested - self.reserved), self.unit)


def insert_ignoring(conn: Connection, table: Any) -> Any:
    """An INSERT that supports ON CONFLICT on both dialects we run on."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


# --- reading -------------------------------------------------------------------------------------


def stock_levels(engine: Engine, items: Iterable[str] | None = None) -> dict[str, StockLevel]:
    """Stock of the given items (all items when None); items never stocked are absent."""
    query = select(STOCK.c.item, STOCK.c.unit, STOCK.c.on_hand, STOCK.c.reserved)
    if items is not None:
        query = query.where(STOCK.c.item.in_(list(items)))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {r.item: StockLevel(r.item, r.unit, float(r.on_hand), float(r.reserved)) for r in rows}


def reservations_of(engine: Engine, order_id: str, active_only: bool = True) -> dict[str, float]:
    """What an order holds, per item (``active_only``: still open, neither released nor issued).

    With ``active_only=False``: what its newest revision holds or held, closed rows included (the rows
    of earlier revisions were released by the change and are history).
    """
    query = select(RESERVATIONS.c.item, RESERVATIONS.c.quantity).where(RESERVATIONS.c.order_id == order_id)
    if active_only:
        query = query.where(is_open())
    else:
        newest = (select(func.max(RESERVATIONS.c.revision)).where(RESERVATIONS.c.order_id == order_id)
                  .scalar_subquery())
        query = query.where(RESERVATIONS.c.revision == newest)
    out: dict[str, float] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            out[r.item] = out.get(r.item, 0.0) + float(r.quantity)
    return out


# --- seeding -------------------------------------------------------------------------------------


def seed_stock(engine: Engine, levels: Sequence[InitialStock], now: datetime) -> int:
    """Load starting stock, only into an empty stock table (a restart never resets live stock).

    Returns the number of items loaded (0 when stock existed already).
    """
    with engine.begin() as conn:
        if conn.execute(select(STOCK.c.item).limit(1)).first() is not None:
            return 0
        rows = [
            {"item": s.item, "unit": s.unit, "on_hand": s.on_hand, "reserved": 0.0, "updated_at": now}
            for s in levels
        ]
        if rows:
            # Two processes seeding at once: the second inserts nothing instead of failing.
            conn.execute(insert_ignoring(conn, STOCK).on_conflict_do_nothing(index_elements=["item"]), rows)
        return len(rows)


def seed_stock_from_file(engine: Engine, now: datetime, path: Path | str = DEFAULT_STOCK_FILE) -> int:
    """Load ``stock/initial.yaml`` (or ``path``) into an empty stock table; for the composition roots."""
    return seed_stock(engine, load_initial_stock(path), now)


# --- reserving -----------------------------------------------------------------------------------


def reserve(engine: Engine, order_id: str, item: str, quantity: float, unit: str, now: datetime,
            revision: int = 0) -> Reservation:
    """Reserve up to ``quantity`` of ``item`` for the order's ``revision`` from free stock; the rest is short.

    Counted units are reserved whole. Repeating the call for the same order, revision and item returns
    the first reservation (``repeated``) and takes nothing more, even once it is closed; the next
    revision of a changed order reserves afresh.
    """
    if not math.isfinite(quantity) or quantity < 0:
        raise InventoryError(f"cannot reserve {quantity} {unit} of {item!r} for {order_id}: need a finite number >= 0")
    for _ in range(MAX_RESERVE_ROUNDS):
        existing = _reservation(engine, order_id, revision, item)
        if existing is not None:
            return Reservation(order_id, item, unit, quantity, existing, repeated=True, revision=revision)
        free = _free(engine, item)
        take = min(quantity, free)
        take = math.floor(take + EPSILON) if unit in COUNTED_UNITS else math.floor(take * 1e4 + EPSILON) / 1e4
        take = max(0.0, float(take))
        try:
            with engine.begin() as conn:
                if take > 0:
                    taken = conn.execute(
                        update(STOCK)
                        .where(STOCK.c.item == item, STOCK.c.on_hand - STOCK.c.reserved >= take - EPSILON)
                        .values(reserved=STOCK.c.reserved + take, updated_at=now)
                    )
                    if taken.rowcount != 1:
                        raise _Raced()
                conn.execute(RESERVATIONS.insert().values(
                    order_id=order_id, revision=revision, item=item, unit=unit, quantity=take, from_stock=take,
                    from_receipts=0.0, created_at=now, updated_at=now,
                ))
            return Reservation(order_id, item, unit, quantity, take, revision=revision)
        except _Raced:
            continue  # someone took stock between our look and our update: look again
        except IntegrityError:
            continue  # the same revision reserved this item concurrently: the next round returns theirs
    raise InventoryError(
        f"could not reserve {item!r} for {order_id} after {MAX_RESERVE_ROUNDS} attempts under contention; retry later"
    )


def reserve_for_order(
    engine: Engine, order_id: str, requirements: Sequence[GrossRequirement], now: datetime, revision: int = 0
) -> list[NetRequirement]:
    """Reserve each gross requirement from stock for the order's ``revision``; what stock cannot cover is
    the net requirement to buy."""
    out = []
    for req in requirements:
        res = reserve(engine, order_id, req.item, req.quantity, req.unit, now, revision)
        out.append(NetRequirement(req.item, req.unit, req.quantity, res.reserved, res.short, req.need_by))
    return out


def is_open() -> Any:
    """The condition of an open reservation: neither released nor issued."""
    return RESERVATIONS.c.released_at.is_(None) & RESERVATIONS.c.issued_at.is_(None)


class _Raced(Exception):
    """The conditional update found less free stock than we had seen."""


def _reservation(engine: Engine, order_id: str, revision: int, item: str) -> float | None:
    """The quantity of the revision's reservation of the item, open or closed; None when there is none."""
    with engine.connect() as conn:
        row = conn.execute(
            select(RESERVATIONS.c.quantity).where(RESERVATIONS.c.order_id == order_id,
                                                  RESERVATIONS.c.revision == revision, RESERVATIONS.c.item == item)
        ).first()
    return float(row.quantity) if row else None


def _free(engine: Engine, item: str) -> float:
    with engine.connect() as conn:
        row = conn.execute(select(STOCK.c.on_hand, STOCK.c.reserved).where(STOCK.c.item == item)).first()
    return max(0.0, float(row.on_hand) - float(row.reserved)) if row else 0.0


# --- releasing -----------------------------------------------------------------------------------


def release_order(engine: Engine, order_id: str, now: datetime) -> dict[str, float]:
    """Give back everything an order holds, of any revision (a cancel's or a change's compensation). Idempotent.

    Stock already issued to production is not given back: it has left the store. Returns what was
    released now, per item (empty when it had been released or issued before).
    """
    with engine.begin() as conn:
        # Mark and read in one statement: concurrent releases of one order release each row once, and a
        # concurrent issue of the same rows leaves each row either released or issued, never both.
        released = conn.execute(
            update(RESERVATIONS)
            .where(RESERVATIONS.c.order_id == order_id, is_open())
            .values(released_at=now, updated_at=now)
            .returning(RESERVATIONS.c.item, RESERVATIONS.c.quantity)
        ).all()
        out: dict[str, float] = {}
        for row in sorted(released, key=lambda r: r.item):  # stock rows in one order: no lock-order deadlock
            if row.quantity > 0:
                conn.execute(
                    update(STOCK)
                    .where(STOCK.c.item == row.item)
                    .values(reserved=minus_floored(conn, STOCK.c.reserved, row.quantity), updated_at=now)
                )
            out[row.item] = float(row.quantity)
    return out


def minus_floored(conn: Connection, column: Any, quantity: float) -> Any:
    """``column - quantity``, never below zero (float dust must not trip the check constraint)."""
    if conn.dialect.name == "postgresql":
        return func.greatest(column - quantity, 0.0)
    return func.max(column - quantity, 0.0)  # SQLite's two-argument max() is the scalar one
