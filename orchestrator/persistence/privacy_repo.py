"""Re-encrypting stored personal data: after a key rotation, and for rows written before encryption."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from orchestrator.persistence import audit_repo
from orchestrator.persistence.accounts_repo import API_KEYS, revoke_customer_keys
from orchestrator.persistence.orders_repo import ORDERS, opened_row
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.vault import CUSTOMER_ID_PREFIX, SEALED, Vault


def reseal_orders(engine: Engine, vault: Vault, batch_size: int = 200) -> Iterator[int]:
    """Re-encrypt every order's customer and personal options under the newest key, in batches.

    Plaintext rows (older than encryption) are sealed; ids that were e-mails, or pseudonyms of an earlier
    secret key, become the current pseudonym. Yields the number of orders done after each batch (one
    transaction per batch, so an interrupted run is simply run again).
    """
    done, after = 0, ""
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(ORDERS.c.id, ORDERS.c.customer_id, ORDERS.c.customer, ORDERS.c.options)
                .where(ORDERS.c.id > after).order_by(ORDERS.c.id).limit(batch_size)
            ).mappings().all()
            if not rows:
                return
            for row in rows:
                conn.execute(update(ORDERS).where(ORDERS.c.id == row["id"]).values(**_resealed(vault, row)))
        done += len(rows)
        after = rows[-1]["id"]
        yield done


def _resealed(vault: Vault, row: Any) -> dict[str, Any]:
    customer = vault.open_customer(row["customer"])
    options = vault.open_options(row["options"])
    values: dict[str, Any] = {
        # Fresh tokens under the newest key (seal_* keep already-sealed values, so encrypt from plaintext).
        "customer": {SEALED: vault.cipher.encrypt_json(customer)},
        "options": vault.seal_options(options),
    }
    customer_id = str(row["customer_id"])
    email = customer.get("email")
    if email and ("@" in customer_id or customer_id.startswith(CUSTOMER_ID_PREFIX)):
        values["customer_id"] = vault.customer_id(str(email))
    return values


def count_orders(engine: Engine) -> int:
    """How many orders there are (for progress)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ORDERS)).scalar_one())


# --- a customer's requests: export and erasure ---------------------------------------------------------

ERASED_PREFIX = "ERASED-"


def customer_orders(engine: Engine, vault: Vault, customer_id: str) -> list[OrderRow]:
    """Every order filed under ``customer_id``, oldest first, personal fields opened."""
    with engine.connect() as conn:
        rows = conn.execute(select(ORDERS).where(ORDERS.c.customer_id == customer_id)
                            .order_by(ORDERS.c.created_at, ORDERS.c.id)).mappings().all()
    return [opened_row(r, vault) for r in rows]


def export_customer(engine: Engine, vault: Vault, customer_id: str) -> dict[str, Any]:
    """All personal data held about one customer, readable (the right of access and portability)."""
    orders = customer_orders(engine, vault, customer_id)
    with engine.connect() as conn:
        keys = conn.execute(select(API_KEYS.c.key_id, API_KEYS.c.name, API_KEYS.c.created_at, API_KEYS.c.revoked_at)
                            .where(API_KEYS.c.customer_id == customer_id)).mappings().all()
    return {
        "customer_id": customer_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "accounts": [{"key_id": k["key_id"], "name": k["name"], "created_at": _iso(k["created_at"]),
                      "revoked_at": _iso(k["revoked_at"])} for k in keys],
        "orders": [{
            "id": o.id, "sku": o.sku, "quantity": o.quantity, "options": o.options, "customer": o.customer,
            "special_requests": o.special_requests, "notify_url": o.notify_url, "stage": o.stage,
            "price_total": o.price_total, "currency": o.currency, "promised_date": _iso(o.promised_date),
            "created_at": _iso(o.created_at), "consent": o.consent, "erased_at": _iso(o.erased_at),
        } for o in orders],
    }


@dataclass(frozen=True)
class Erasure:
    customer_id: str
    erased_orders: list[str]
    revoked_keys: int
    anonymous_id: str


class StillInProduction(Exception):
    """Personal data an open order still needs (measurements are cut from) cannot be erased yet."""

    def __init__(self, order_ids: list[str]) -> None:
        self.order_ids = order_ids
        super().__init__(f"orders {', '.join(order_ids)} are still open")


def erase_customer(engine: Engine, vault: Vault, customer_id: str, finished_stages: frozenset[str]) -> Erasure:
    """Erase one customer's personal data; orders keep their manufacturing facts, anonymised.

    The contact record, personal options, special requests and notification URL are removed; the orders
    move to a random anonymous id (unlinkable to the e-mail's pseudonym); the customer's API keys are
    revoked. Refused while an order is still open. Idempotent: a second call finds nothing to erase.
    """
    anonymous = ERASED_PREFIX + secrets.token_hex(8).upper()
    with engine.begin() as conn:
        rows = conn.execute(select(ORDERS.c.id, ORDERS.c.stage, ORDERS.c.options)
                            .where(ORDERS.c.customer_id == customer_id)).mappings().all()
        open_orders = sorted(r["id"] for r in rows if r["stage"] not in finished_stages)
        if open_orders:
            raise StillInProduction(open_orders)
        now = datetime.now(UTC)
        for r in rows:
            options = {k: v for k, v in vault.open_options(r["options"]).items() if k not in vault.personal_options}
            conn.execute(update(ORDERS).where(ORDERS.c.id == r["id"]).values(
                customer={}, options=options, special_requests=None, notify_url=None, customer_id=anonymous,
                erased_at=now, updated_at=now))
        revoked = revoke_customer_keys(conn, customer_id)
        audit_repo.append(conn, [audit_repo.AuditEntry(
            audit_repo.SYSTEM, "system", "customer.erase", f"customer:{customer_id}", {"orders": len(rows)},
            {"anonymous_id": anonymous, "revoked_keys": revoked})])
    return Erasure(customer_id, [r["id"] for r in rows], revoked, anonymous)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
