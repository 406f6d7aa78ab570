"""Purchase orders, supplier history and the scorecards computed from it, webhook replay memory.

Writers take a ``Connection`` so that one activity can put several writes (the PO's new state, its
event, the supplier's history) into one transaction; readers take the ``Engine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from orchestrator.inventory.scorecard import HistoryKind, Scorecard, SupplierHistoryRecord, compute_scorecard
from orchestrator.persistence.events import NewEvent, append_events
from orchestrator.persistence.tables.purchasing import PurchaseOrderRow, SupplierHistoryRow, WebhookDeliveryRow
from orchestrator.ports.suppliers import DespatchAdvice

PURCHASE_ORDERS = PurchaseOrderRow.__table__  # type: ignore[attr-defined]
HISTORY = SupplierHistoryRow.__table__  # type: ignore[attr-defined]
WEBHOOK_DELIVERIES = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class HistoryEntry:
    """A supplier history record to append, with the key that makes appending it idempotent."""

    record: SupplierHistoryRecord
    dedupe_key: str


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


# --- purchase orders -----------------------------------------------------------------------------


def save_purchase_order(conn: Connection, row: PurchaseOrderRow) -> bool:
    """Insert a PO row; False (and nothing changed) when the PO id exists already (a retried step)."""
    inserted = conn.execute(
        _insert(conn, PURCHASE_ORDERS).values(**row.model_dump()).on_conflict_do_nothing(index_elements=["po_id"])
        .returning(PURCHASE_ORDERS.c.po_id)
    ).first()
    return inserted is not None


def update_purchase_order(conn: Connection, po_id: str, values: Mapping[str, Any]) -> None:
    """Set columns of a PO row (``updated_at`` must be among them when the caller wants it moved)."""
    conn.execute(update(PURCHASE_ORDERS).where(PURCHASE_ORDERS.c.po_id == po_id).values(**values))


def set_state_if_open(conn: Connection, po_id: str, state: str) -> bool:
    """Set a PO's state unless it has moved past the open states (shipped, received, cancelled...)."""
    done = conn.execute(update(PURCHASE_ORDERS).where(PURCHASE_ORDERS.c.po_id == po_id,
                                                      PURCHASE_ORDERS.c.state.in_(OPEN_STATES)).values(state=state))
    return bool(done.rowcount)


def purchase_order(engine: Engine | Connection, po_id: str) -> PurchaseOrderRow | None:
    """One PO by our id."""
    query = select(PURCHASE_ORDERS).where(PURCHASE_ORDERS.c.po_id == po_id)
    if isinstance(engine, Connection):
        row = engine.execute(query).mappings().first()
    else:
        with engine.connect() as conn:
            row = conn.execute(query).mappings().first()
    return _po(row) if row else None


def purchase_orders(
    engine: Engine, order_id: str | None = None, need_id: str | None = None, supplier: str | None = None
) -> list[PurchaseOrderRow]:
    """POs filtered by order, need and/or supplier, oldest first."""
    query = select(PURCHASE_ORDERS)
    if order_id is not None:
        query = query.where(PURCHASE_ORDERS.c.order_id == order_id)
    if need_id is not None:
        query = query.where(PURCHASE_ORDERS.c.need_id == need_id)
    if supplier is not None:
        query = query.where(PURCHASE_ORDERS.c.supplier == supplier)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(PURCHASE_ORDERS.c.created_at, PURCHASE_ORDERS.c.attempt)).mappings().all()
    return [_po(r) for r in rows]


def _po(row: Any) -> PurchaseOrderRow:
    return PurchaseOrderRow(**{k: _aware(v) for k, v in dict(row).items()})


# --- supplier history and scorecards ---------------------------------------------------------------


def append_history(conn: Connection, entries: Sequence[HistoryEntry], now: datetime | None = None) -> int:
    """Append history records; a repeated dedupe key is skipped. Returns how many were new."""
    if not entries:
        return 0
    created = now or datetime.now(UTC)
    rows = [
        {
            "supplier": e.record.supplier,
            "kind": e.record.kind.value,
            "po_id": e.record.po_id,
            "item": e.record.item,
            "promised_delivery": e.record.promised_delivery,
            "actual_delivery": e.record.actual_delivery,
            "at": e.record.at,
            "created_at": created,
            "dedupe_key": e.dedupe_key,
        }
        for e in entries
    ]
    inserted = 0
    for row in rows:  # one by one: RETURNING tells what was new on both dialects
        stmt = _insert(conn, HISTORY).values(**row).on_conflict_do_nothing(index_elements=["dedupe_key"])
        inserted += conn.execute(stmt.returning(HISTORY.c.id)).first() is not None
    return inserted


def supplier_history(
    engine: Engine, suppliers: Iterable[str] | None = None, since: datetime | None = None
) -> list[SupplierHistoryRecord]:
    """History records, oldest first, of some suppliers (all when None) from ``since`` on."""
    query = select(HISTORY)
    if suppliers is not None:
        query = query.where(HISTORY.c.supplier.in_(list(suppliers)))
    if since is not None:
        query = query.where(HISTORY.c.at >= since)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(HISTORY.c.at, HISTORY.c.id)).mappings().all()
    return [
        SupplierHistoryRecord(
            supplier=r["supplier"],
            kind=HistoryKind(r["kind"]),
            at=_aware(r["at"]),
            po_id=r["po_id"],
            item=r["item"],
            promised_delivery=_aware(r["promised_delivery"]),
            actual_delivery=_aware(r["actual_delivery"]),
        )
        for r in rows
    ]


def scorecards(engine: Engine, suppliers: Iterable[str], since: datetime | None = None) -> dict[str, Scorecard]:
    """The scorecard of each supplier (an empty one for a supplier without history)."""
    wanted = list(suppliers)
    records = supplier_history(engine, wanted, since)
    return {s: compute_scorecard(s, records) for s in wanted}


def _aware(value: Any) -> Any:
    # SQLite hands timezone-aware columns back naive; every time we store is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- webhook replay memory -------------------------------------------------------------------------


def remember_signature(engine: Engine, digest: str, endpoint: str, now: datetime, keep: timedelta) -> bool:
    """Remember an accepted webhook signature; False when it was seen before (a replay).

    Signatures older than ``keep`` are forgotten: the signature's timestamp check refuses them anyway.
    """
    with engine.begin() as conn:
        conn.execute(delete(WEBHOOK_DELIVERIES).where(WEBHOOK_DELIVERIES.c.received_at < now - keep))
        inserted = conn.execute(
            _insert(conn, WEBHOOK_DELIVERIES)
            .values(signature=digest, endpoint=endpoint, received_at=now)
            .on_conflict_do_nothing(index_elements=["signature"])
            .returning(WEBHOOK_DELIVERIES.c.signature)
        ).first()
    return inserted is not None


def forget_signature(engine: Engine, digest: str) -> None:
    """Forget a signature whose request could not be processed, so the sender's retry is not a replay."""
    with engine.begin() as conn:
        conn.execute(delete(WEBHOOK_DELIVERIES).where(WEBHOOK_DELIVERIES.c.signature == digest))


# --- despatch advice (ASN) -----------------------------------------------------------------------

OPEN_STATES = ("placing", "accepted", "changed")


def record_asn(conn: Connection, asn: DespatchAdvice, plant_now: datetime) -> PurchaseOrderRow | None:
    """Note an ASN on its PO (shipped, expected delivery) and append its ``asn_received`` event.

    Idempotent (the event's dedupe key is the supplier's ASN id); used by the webhook and by the
    status poll that recovers lost ASNs. Returns the PO row, or None when the PO is not ours.
    """
    po = purchase_order(conn, asn.po_id)
    if po is None or po.supplier != asn.supplier:
        return None
    values: dict[str, Any] = {"expected_delivery": asn.estimated_delivery, "updated_at": datetime.now(UTC)}
    if po.state in OPEN_STATES:
        values["state"] = "shipped"
    if po.shipped_at is None:
        values["shipped_at"] = asn.shipped_at
    update_purchase_order(conn, po.po_id, values)
    append_events(conn, [NewEvent(
        kind="asn_received",
        plant_time=plant_now,
        order_id=po.order_id,
        payload={
            "po_id": po.po_id,
            "supplier": po.supplier,
            "asn_id": asn.asn_id,
            "item": po.item,
            "shipped_at": asn.shipped_at.isoformat(),
            "estimated_delivery": asn.estimated_delivery.isoformat(),
            "shipped_quantity": float(sum(line.shipped_quantity for line in asn.lines)),
            "outstanding_quantity": float(sum(line.outstanding_quantity for line in asn.lines)),
        },
        dedupe_key=f"asn:{po.supplier}:{asn.asn_id}",
    )])
    return po
