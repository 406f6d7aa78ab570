"""Personal data is unreadable in the database (SQLite file and PostgreSQL rows), yet the API returns it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from orchestrator.api.app import create_app
from orchestrator.persistence import orders_repo
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.privacy_repo import reseal_orders
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.keys import vault_for
from orchestrator.settings import Settings
from tests.support.auth import ADMIN

T0 = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
CUSTOMER = {"name": "Zhang Xiuying", "email": "Zhang.Xiuying@Example.com", "phone": "+86 138 0013 8000",
            "address": "88 Nanjing Road"}
MEASUREMENTS = {"height": 177.5, "chest": 103.5, "waist": 91.5, "monogram": "ZXY"}
SECRETS = ("Zhang", "Xiuying", "example.com", "0013", "Nanjing", "177.5", "103.5", "91.5", "ZXY")


def _suit(vault_email: str, customer_id: str) -> OrderRow:
    return OrderRow(id="ORD-PII00001", sku="suit-mtm", options={"fabric": "wool_navy", **MEASUREMENTS},
                    quantity=1, customer_id=customer_id, customer=CUSTOMER, stage="received", price_total=990.0,
                    currency="EUR", promised_date=T0 + timedelta(days=9), eta=None, tracking_token="tok", plan={},
                    created_at=T0, updated_at=T0)


def _raw(engine: Engine) -> str:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT customer_id, CAST(customer AS TEXT), CAST(options AS TEXT) FROM orders"))
        return repr(row.all())


def test_personal_fields_are_encrypted_at_rest_and_the_api_returns_them(
    tmp_path: Path, db_url: str, engine: Engine,
) -> None:
    settings = Settings(var_dir=tmp_path, database_url=db_url)
    vault = vault_for(settings)
    customer_id = vault.customer_id(CUSTOMER["email"])
    received = NewEvent(kind="stage", plant_time=T0, order_id="ORD-PII00001", payload={"stage": "received"},
                        dedupe_key="ORD-PII00001:received")
    orders_repo.insert_order(engine, _suit(CUSTOMER["email"], customer_id), received, vault)
    with engine.begin() as conn:  # the planning step writes the options again
        orders_repo.update_order(conn, "ORD-PII00001", vault, options={"fabric": "wool_navy", **MEASUREMENTS})

    stored = _raw(engine)
    assert "wool_navy" in stored and customer_id in stored  # non-personal options stay queryable
    for secret in SECRETS:
        assert secret not in stored, secret
    if db_url.startswith("sqlite"):
        engine.dispose()
        data = b"".join(p.read_bytes() for p in tmp_path.glob("c2m.db*"))
        assert b"wool_navy" in data
        for secret in SECRETS:
            assert secret.encode() not in data, secret

    assert customer_id.startswith("CUS-") and "zhang" not in customer_id.lower()
    assert [o.id for o in orders_repo.orders_of_customer(engine, " zhang.xiuying@example.COM", vault)] == [
        "ORD-PII00001"]
    with TestClient(create_app(settings), headers=ADMIN) as api:
        detail = api.get("/api/orders/ORD-PII00001").json()
        assert detail["customer_id"] == customer_id
        assert detail["options"] == {"fabric": "wool_navy", **MEASUREMENTS}
        page = api.get("/api/orders", params={"customer": "zhang.xiuying@example.com"}).json()
        assert [o["id"] for o in page["items"]] == ["ORD-PII00001"]
        assert api.get("/api/orders", params={"customer": "someone@example.com"}).json()["total"] == 0
    assert orders_repo.get_order(engine, "ORD-PII00001", vault).customer == CUSTOMER  # type: ignore[union-attr]


def test_rotation_reseals_old_and_plaintext_rows(tmp_path: Path, db_url: str, engine: Engine) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old_vault = vault_for(Settings(var_dir=tmp_path, database_url=db_url, data_keys=old))
    received = NewEvent(kind="stage", plant_time=T0, order_id="ORD-PII00001", payload={"stage": "received"},
                        dedupe_key="ORD-PII00001:received")
    orders_repo.insert_order(engine, _suit(CUSTOMER["email"], CUSTOMER["email"].lower()), received, old_vault)

    rotated = vault_for(Settings(var_dir=tmp_path, database_url=db_url, data_keys=f"{new},{old}"))
    assert list(reseal_orders(engine, rotated, batch_size=1)) == [1]
    only_new = vault_for(Settings(var_dir=tmp_path, database_url=db_url, data_keys=new))
    row = orders_repo.get_order(engine, "ORD-PII00001", only_new)
    assert row is not None and row.customer == CUSTOMER and row.options["chest"] == 103.5
    assert row.customer_id == only_new.customer_id(CUSTOMER["email"])  # the e-mail id became a pseudonym
