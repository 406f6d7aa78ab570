"""Goods receipts: stock in, reserved for the order that bought it; once per receipt key.

The receipt key (supplier + purchase order + ASN) makes receiving idempotent: the same delivery is
booked once however often the step is retried.

Goods for an order go to its open reservation of the item, which belongs to the revision it is at: a
configuration change releases every row of the previous revision before the next one reserves, and the
purchases of the previous revision are cancelled (or their goods booked as free stock) before that
release. A receipt therefore needs no revision of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from orchestrator.persistence.inventory_repo.stock import RESERVATIONS, STOCK, InventoryError, insert_ignoring
from orchestrator.persistence.tables.inventory import GoodsReceiptRow

RECEIPTS = GoodsReceiptRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GoodsReceipt:
    """Goods arriving: ``for_order`` of ``quantity`` reserved for ``order_id``, the rest free stock."""

    receipt_key: str
    item: str
    unit: str
    quantity: float
    received_at: datetime
    order_id: str | None = None
    for_order: float = 0.0
    supplier: str | None = None
    po_id: str | None = None
    asn_id: str | None = None


@dataclass(frozen=True)
class ReceiptOutcome:
    """How a receipt was booked; ``repeated`` when the receipt key had been booked before."""

    receipt_key: str
    quantity: float
    for_order: float
    surplus: float
    repeated: bool


def receive_goods(engine: Engine, receipt: GoodsReceipt, now: datetime) -> ReceiptOutcome:
    """Book goods into stock and reserve ``for_order`` of them for the order; once per receipt key.

    If the order has already released its reservations (it was cancelled, or changed and its new
    revision does not hold the item) or had them issued to production, everything becomes free stock:
    a closed reservation never grows again.
    """
    with engine.begin() as conn:
        return book_receipt(conn, receipt, now)


def book_receipt(conn: Connection, receipt: GoodsReceipt, now: datetime) -> ReceiptOutcome:
    """:func:`receive_goods` inside the caller's transaction (to book the PO's state with it)."""
    if not math.isfinite(receipt.quantity) or receipt.quantity < 0:
        raise InventoryError(f"receipt {receipt.receipt_key}: quantity {receipt.quantity} must be a number >= 0")
    wanted = min(max(0.0, receipt.for_order), receipt.quantity) if receipt.order_id else 0.0
    inserted = conn.execute(
        insert_ignoring(conn, RECEIPTS)
        .values(
            receipt_key=receipt.receipt_key, order_id=receipt.order_id, item=receipt.item, unit=receipt.unit,
            quantity=receipt.quantity, for_order=0.0, surplus=0.0, supplier=receipt.supplier,
            po_id=receipt.po_id, asn_id=receipt.asn_id, received_at=receipt.received_at, created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["receipt_key"])
        .returning(RECEIPTS.c.receipt_key)  # rowcount is unreliable with RETURNING on PostgreSQL
    ).first()
    if inserted is None:
        first = conn.execute(select(RECEIPTS).where(RECEIPTS.c.receipt_key == receipt.receipt_key)).one()
        return ReceiptOutcome(receipt.receipt_key, float(first.quantity), float(first.for_order),
                              float(first.surplus), repeated=True)
    holder = _holder(conn, receipt.order_id, receipt.item) if wanted > 0 else _Holder(may_hold=False)
    for_order = wanted if holder.may_hold else 0.0
    surplus = receipt.quantity - for_order
    conn.execute(
        update(RECEIPTS).where(RECEIPTS.c.receipt_key == receipt.receipt_key)
        .values(for_order=for_order, surplus=surplus)
    )
    stock = insert_ignoring(conn, STOCK).values(
        item=receipt.item, unit=receipt.unit, on_hand=receipt.quantity, reserved=for_order, updated_at=now
    )
    conn.execute(stock.on_conflict_do_update(
        index_elements=["item"],
        set_={"on_hand": STOCK.c.on_hand + receipt.quantity, "reserved": STOCK.c.reserved + for_order,
              "updated_at": now},
    ))
    if for_order > 0 and holder.row_id is not None:
        conn.execute(
            update(RESERVATIONS).where(RESERVATIONS.c.id == holder.row_id)
            .values(quantity=RESERVATIONS.c.quantity + for_order,
                    from_receipts=RESERVATIONS.c.from_receipts + for_order, updated_at=now)
        )
    elif for_order > 0:  # the order never reserved the item: the goods open its reservation (revision 0)
        held = insert_ignoring(conn, RESERVATIONS).values(
            order_id=receipt.order_id, revision=0, item=receipt.item, unit=receipt.unit, quantity=for_order,
            from_stock=0.0, from_receipts=for_order, created_at=now, updated_at=now,
        )
        conn.execute(held.on_conflict_do_update(
            index_elements=["order_id", "revision", "item"],
            set_={"quantity": RESERVATIONS.c.quantity + for_order,
                  "from_receipts": RESERVATIONS.c.from_receipts + for_order, "updated_at": now},
        ))
    return ReceiptOutcome(receipt.receipt_key, receipt.quantity, for_order, surplus, repeated=False)


def received_for_po(conn: Connection, supplier: str, po_id: str) -> float:
    """Everything booked in for a purchase order so far (all its receipts, surplus included)."""
    total = conn.execute(
        select(func.coalesce(func.sum(RECEIPTS.c.quantity), 0.0))
        .where(RECEIPTS.c.supplier == supplier, RECEIPTS.c.po_id == po_id)
    ).scalar_one()
    return float(total)


@dataclass(frozen=True)
class _Holder:
    """Whether goods for an order may be reserved for it, and the open reservation they add to
    (``row_id`` None: the order never reserved the item, so the goods open its reservation)."""

    may_hold: bool
    row_id: int | None = None


def _holder(conn: Connection, order_id: str | None, item: str) -> _Holder:
    """Where goods for the order go: its open reservation of the item (the newest revision's, should
    there ever be two), or a new one when it never reserved the item. Nowhere when every reservation of
    the item is closed: released (the order was cancelled, or changed to a revision without the item)
    or issued (its production has started, so later goods are not the order's any more).

    On PostgreSQL the rows stay locked to the end of the receipt, so a release or issue racing it either
    sees the grown row or makes the receipt find it closed.
    """
    if order_id is None:
        return _Holder(may_hold=False)
    query = (select(RESERVATIONS.c.id, RESERVATIONS.c.released_at, RESERVATIONS.c.issued_at)
             .where(RESERVATIONS.c.order_id == order_id, RESERVATIONS.c.item == item)
             .order_by(RESERVATIONS.c.revision.desc()))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    rows = conn.execute(query).all()
    if not rows:
        return _Holder(may_hold=True)
    open_ids = [int(r.id) for r in rows if r.released_at is None and r.issued_at is None]
    return _Holder(may_hold=True, row_id=open_ids[0]) if open_ids else _Holder(may_hold=False)
