"""Orders in the database: intake (idempotent on the client's key), stage projection, queries.

Personal fields are sealed here on the way in and opened on the way out (:class:`~orchestrator.security.vault.
Vault`): callers see plaintext ``OrderRow``s, the database holds the customer and personal options encrypted.
Functions take the caller's vault; without one they use the environment's (:func:`default_vault`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from orchestrator.persistence import audit_repo
from orchestrator.persistence.events import EVENTS, NewEvent, append_events
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.keys import default_vault
from orchestrator.security.vault import Vault

ORDERS = OrderRow.__table__  # type: ignore[attr-defined]


def _sealed(values: dict[str, Any], vault: Vault | None) -> dict[str, Any]:
    """Column values with the personal ones encrypted."""
    v = vault or default_vault()
    out = dict(values)
    if "customer" in out:
        out["customer"] = v.seal_customer(out["customer"])
    if "options" in out:
        out["options"] = v.seal_options(out["options"])
    return out


def opened_row(row: Any, vault: Vault | None) -> OrderRow:
    """The order of a stored row, personal fields decrypted."""
    v = vault or default_vault()
    values = dict(row)
    values["customer"] = v.open_customer(values["customer"])
    values["options"] = v.open_options(values["options"])
    return OrderRow(**values)


def insert_order(
    engine: Engine, order: OrderRow, received: NewEvent, vault: Vault | None = None,
    audit: audit_repo.AuditEntry | None = None,
) -> tuple[OrderRow, bool]:
    """Store a new order with its ``received`` event in one transaction.

    Returns ``(order, True)`` when stored, or ``(existing, False)`` when an order with the same
    idempotency key exists already (a retried POST), so no second order is ever created.
    """
    values = _sealed(order.model_dump(), vault)
    try:
        with engine.begin() as conn:
            conn.execute(ORDERS.insert().values(**values))
            append_events(conn, [received])
            audit_repo.append(conn, [audit] if audit else [])
        return order, True
    except IntegrityError:
        if order.idempotency_key is None:
            raise
        existing = order_by_idempotency_key(engine, order.idempotency_key, vault)
        if existing is None:
            raise
        return existing, False


def order_by_idempotency_key(engine: Engine, key: str, vault: Vault | None = None) -> OrderRow | None:
    """The order a client created with this idempotency key, if any."""
    with engine.connect() as conn:
        row = conn.execute(select(ORDERS).where(ORDERS.c.idempotency_key == key)).mappings().first()
    return opened_row(row, vault) if row else None


def get_order(engine: Engine, order_id: str, vault: Vault | None = None) -> OrderRow | None:
    """One order by id."""
    with engine.connect() as conn:
        row = conn.execute(select(ORDERS).where(ORDERS.c.id == order_id)).mappings().first()
    return opened_row(row, vault) if row else None


@dataclass(frozen=True)
class OrderFilter:
    """Filters for listing orders; all optional."""

    stage: str | None = None
    customer_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    sku: str | None = None


def list_orders(
    engine: Engine, flt: OrderFilter, limit: int, offset: int, vault: Vault | None = None,
) -> tuple[list[OrderRow], int]:
    """A page of orders, newest first, and the total matching the filter."""
    conds = []
    if flt.stage:
        conds.append(ORDERS.c.stage == flt.stage)
    if flt.customer_id:
        conds.append(ORDERS.c.customer_id == flt.customer_id)
    if flt.sku:
        conds.append(ORDERS.c.sku == flt.sku)
    if flt.created_from:
        conds.append(ORDERS.c.created_at >= flt.created_from)
    if flt.created_to:
        conds.append(ORDERS.c.created_at < flt.created_to)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(ORDERS).where(*conds)).scalar_one()
        rows = conn.execute(
            select(ORDERS).where(*conds).order_by(ORDERS.c.created_at.desc(), ORDERS.c.id).limit(limit).offset(offset)
        ).mappings().all()
    return [opened_row(r, vault) for r in rows], int(total)


def orders_of_customer(engine: Engine, email: str, vault: Vault | None = None) -> list[OrderRow]:
    """Every order placed under this e-mail's pseudonymous id, oldest first (for export and erasure).

    Orders placed with a client-given customer id are found by that id through :func:`list_orders`.
    """
    customer_id = (vault or default_vault()).customer_id(email)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ORDERS).where(ORDERS.c.customer_id == customer_id).order_by(ORDERS.c.created_at, ORDERS.c.id)
        ).mappings().all()
    return [opened_row(r, vault) for r in rows]


def record_stage(
    conn: Connection,
    order_id: str,
    stage: str,
    event: NewEvent,
    eta: datetime | None = None,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
    vault: Vault | None = None,
) -> None:
    """Move the order's projection to ``stage`` and append its milestone event, in the caller's transaction.

    Retrying with the same event dedupe key changes nothing further.
    """
    values: dict[str, Any] = {"stage": stage, "updated_at": datetime.now(UTC), "stage_reason": reason}
    if eta is not None:
        values["eta"] = eta
    if extra:
        values.update(_sealed(extra, vault))
    before = conn.execute(select(ORDERS.c.stage).where(ORDERS.c.id == order_id)).scalar_one_or_none()
    conn.execute(update(ORDERS).where(ORDERS.c.id == order_id).values(**values))
    append_events(conn, [event])
    if before != stage:  # a retried step moves nothing and audits nothing
        audit_repo.append(conn, [audit_repo.AuditEntry(
            audit_repo.SYSTEM, "system", "order.stage", f"order:{order_id}", {"stage": before},
            {"stage": stage, "reason": reason, **({"eta": eta.isoformat()} if eta else {})})])


def promise_note(conn: Connection, order_id: str) -> dict[str, Any] | None:
    """What intake noted of the order's promise (method, summary, the stock it counted), if anything."""
    plan = conn.execute(select(ORDERS.c.plan).where(ORDERS.c.id == order_id)).scalar_one_or_none()
    note = plan.get("promise") if isinstance(plan, dict) else None
    return note if isinstance(note, dict) else None


def update_order(conn: Connection, order_id: str, vault: Vault | None = None, **values: Any) -> None:
    """Update columns of one order (plan, eta...) in the caller's transaction; personal ones are sealed."""
    current = conn.execute(select(*(ORDERS.c[k] for k in values)).where(ORDERS.c.id == order_id)).mappings().first()
    changed = sorted(k for k in values if current is None or not _same(current[k], values[k]))
    if not changed:
        return  # an ETA restated by every event: nothing to write, nothing to audit
    values = _sealed(values, vault)
    values["updated_at"] = datetime.now(UTC)
    conn.execute(update(ORDERS).where(ORDERS.c.id == order_id).values(**values))
    audit_repo.append(conn, [audit_repo.AuditEntry(
        audit_repo.SYSTEM, "system", "order.update", f"order:{order_id}", None, _audited(values, changed))])


def _same(stored: Any, new: Any) -> bool:
    """Equal as stored (SQLite returns naive datetimes for aware ones written)."""
    if isinstance(stored, datetime) and isinstance(new, datetime):
        return (stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored) == (
            new.replace(tzinfo=UTC) if new.tzinfo is None else new)
    return bool(stored == new)


def _audited(values: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """What an update changed, for the audit log: dates and stages as they are, anything else only named
    (plans are large, personal fields are never copied into the log)."""
    shown: dict[str, Any] = {}
    for key in changed:
        value = values[key]
        if isinstance(value, datetime):
            shown[key] = value.isoformat()
        elif isinstance(value, str | int | float) and key in ("stage", "stage_reason", "quantity", "price_total"):
            shown[key] = value
        else:
            shown[key] = "changed"
    return shown


def milestones(engine: Engine, order_id: str) -> list[dict[str, Any]]:
    """The order's trail, oldest first: every event with its stream id."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(EVENTS).where(EVENTS.c.order_id == order_id).order_by(EVENTS.c.id)
        ).mappings().all()
    return [dict(r) for r in rows]
