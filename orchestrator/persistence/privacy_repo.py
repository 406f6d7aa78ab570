"""Re-encrypting stored personal data: after a key rotation, and for rows written before encryption."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from orchestrator.persistence.orders_repo import ORDERS
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
