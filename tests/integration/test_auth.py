"""Authentication and roles on the real app (``create_app``) over SQLite and PostgreSQL.

Orders are stored through the repositories (no workflow engine is needed to read them); every request
goes through the real routes, dependencies and database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from orchestrator.api.app import create_app
from orchestrator.persistence import accounts_repo, orders_repo
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.keys import vault_for
from orchestrator.security.principals import Role
from orchestrator.settings import Settings

T0 = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
ADMIN = "test-admin-token-0123456789abcdef0123456789"
MEASUREMENTS = {"height": 177.5, "chest": 103.5, "waist": 91.5, "monogram": "ZXY"}


def _order(order_id: str, customer_id: str, token: str, stage: str = "received") -> OrderRow:
    return OrderRow(id=order_id, sku="suit-mtm", options={"fabric": "wool_navy", **MEASUREMENTS}, quantity=1,
                    customer_id=customer_id, customer={"name": "A", "email": "a@example.com"}, stage=stage,
                    price_total=990.0, currency="EUR", promised_date=T0 + timedelta(days=9), eta=None,
                    tracking_token=token, plan={}, created_at=T0, updated_at=T0)


class World:
    def __init__(self, api: TestClient, engine: Engine, keys: dict[str, str]) -> None:
        self.api, self.engine, self.keys = api, engine, keys

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


@pytest.fixture
def world(tmp_path: Path, db_url: str, engine: Engine) -> Iterator[World]:
    settings = Settings(var_dir=tmp_path, database_url=db_url, admin_token=ADMIN)
    vault = vault_for(settings)
    keys = {"admin": ADMIN}
    with engine.begin() as conn:
        for who, role, customer in (("alice", Role.CUSTOMER, "CUS-ALICE"), ("bob", Role.CUSTOMER, "CUS-BOB"),
                                    ("planner", Role.PLANNER, None), ("integrator", Role.INTEGRATOR, None)):
            keys[who] = accounts_repo.issue_key(conn, role, who, customer).token
    for order_id, customer, token, stage in (("ORD-ALICE001", "CUS-ALICE", "alice-tracking-token", "received"),
                                             ("ORD-BOB00001", "CUS-BOB", "bob-tracking-token", "delivered")):
        received = NewEvent(kind="stage", plant_time=T0, order_id=order_id, payload={"stage": "received"},
                            dedupe_key=f"{order_id}:received")
        orders_repo.insert_order(engine, _order(order_id, customer, token, stage), received, vault)
    with TestClient(create_app(settings)) as api:
        yield World(api, engine, keys)


def test_a_customer_sees_only_their_own_orders(world: World) -> None:
    api = world.api
    assert api.get("/api/orders/ORD-ALICE001", headers=world.as_("alice")).status_code == 200
    other = api.get("/api/orders/ORD-BOB00001", headers=world.as_("alice"))
    assert other.status_code == 404 and other.json() == {"detail": "no order 'ORD-BOB00001'"}
    assert api.get("/api/orders/ORD-NOTHERE", headers=world.as_("alice")).json() == other.json() | {
        "detail": "no order 'ORD-NOTHERE'"}  # the same answer as for an order that does not exist
    mine = api.get("/api/orders", params={"customer": "CUS-BOB"}, headers=world.as_("alice")).json()
    assert [o["id"] for o in mine["items"]] == ["ORD-ALICE001"]  # the filter cannot reach another customer
    assert api.post("/api/orders/ORD-BOB00001/cancel", headers=world.as_("alice")).status_code == 404
    assert api.get("/api/orders/ORD-BOB00001/events", headers=world.as_("alice")).status_code == 404


def test_no_token_or_a_bad_one_is_401_and_a_missing_role_is_403(world: World) -> None:
    api = world.api
    missing = api.get("/api/orders")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "bearer token" in missing.json()["detail"]
    forged = world.keys["alice"][:-4] + "AAAA"
    assert api.get("/api/orders", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert api.get("/api/orders", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert api.get("/api/schedule", headers=world.as_("alice")).status_code == 403
    denied = api.get("/api/audit", headers=world.as_("planner"))
    assert denied.status_code == 403 and "admin" in denied.json()["detail"]
    assert api.get("/api/integrations", headers=world.as_("planner")).status_code == 403
    assert api.post("/api/demo/lines/L1/fault", json={"mode": "hold"}, headers=world.as_("planner")).status_code == 403
    assert api.post("/api/orders/ORD-ALICE001/hold", headers=world.as_("integrator")).status_code == 403
    assert api.post("/api/schedule/reschedule", headers=world.as_("alice")).status_code == 403
    assert api.get("/api/schedule", headers=world.as_("planner")).status_code == 200
    assert api.get("/api/integrations", headers=world.as_("integrator")).status_code == 200
    assert api.get("/api/products").status_code == 200  # the catalog is public


def test_a_revoked_key_stops_working(world: World) -> None:
    api = world.api
    me = api.get("/api/me", headers=world.as_("bob")).json()
    assert (me["role"], me["customer_id"]) == ("customer", "CUS-BOB")
    assert api.delete(f"/api/accounts/{me['key_id']}", headers=world.as_("planner")).status_code == 403
    assert api.delete(f"/api/accounts/{me['key_id']}", headers=world.as_("admin")).status_code == 200
    assert api.get("/api/me", headers=world.as_("bob")).status_code == 401


def test_the_tracking_link_reads_one_order_and_nothing_else(world: World) -> None:
    api = world.api
    detail = api.get("/api/orders/ORD-ALICE001", params={"token": "alice-tracking-token"})
    assert detail.status_code == 200 and detail.json()["options"]["chest"] == 103.5  # the customer's own view
    assert api.get("/api/orders/ORD-BOB00001", params={"token": "alice-tracking-token"}).status_code == 404
    assert api.get("/api/orders/ORD-ALICE001", params={"token": "guessed"}).status_code == 404
    refused = api.post("/api/orders/ORD-ALICE001/cancel", params={"token": "alice-tracking-token"})
    assert refused.status_code in (401, 403)
    assert api.get("/api/orders", params={"token": "alice-tracking-token"}).status_code == 401
    page = api.get("/track/ORD-ALICE001", params={"token": "alice-tracking-token"})
    assert page.status_code == 200 and "ORD-ALICE001" in page.text
    assert api.get("/track/ORD-ALICE001").status_code == 404
    assert api.get("/track/ORD-ALICE001", params={"token": "bob-tracking-token"}).status_code == 404


def test_planners_see_personal_options_masked_admins_in_full(world: World) -> None:
    api = world.api
    planner = api.get("/api/orders/ORD-ALICE001", headers=world.as_("planner")).json()["options"]
    assert planner == {"fabric": "wool_navy", "height": "•••", "chest": "•••", "waist": "•••", "monogram": "•••"}
    admin = api.get("/api/orders/ORD-ALICE001", headers=world.as_("admin")).json()["options"]
    assert admin == {"fabric": "wool_navy", **MEASUREMENTS}


def test_staff_actions_and_order_changes_are_in_the_append_only_audit_log(world: World) -> None:
    api = world.api
    issued = api.post("/api/accounts", json={"role": "planner", "name": "night shift"}, headers=world.as_("admin"))
    assert issued.status_code == 201 and issued.json()["token"].startswith("c2m_")
    with world.engine.begin() as conn:
        event = NewEvent(kind="stage", plant_time=T0, order_id="ORD-ALICE001", payload={"stage": "planned"},
                         dedupe_key="ORD-ALICE001:planned")
        orders_repo.record_stage(conn, "ORD-ALICE001", "planned", event)
    log = api.get("/api/audit", headers=world.as_("admin")).json()["items"]
    actions = [(e["actor"], e["action"], e["target"]) for e in log]
    assert ("admin:bootstrap", "account.issue_key", f"key:{issued.json()['key_id']}") in actions
    stage = next(e for e in log if e["action"] == "order.stage")
    assert (stage["actor"], stage["before"], stage["after"]["stage"]) == ("system:workflow", {"stage": "received"},
                                                                          "planned")
    only = api.get("/api/audit", params={"target": "order:ORD-ALICE001"}, headers=world.as_("admin")).json()
    assert {e["target"] for e in only["items"]} == {"order:ORD-ALICE001"}
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
            conn.execute(text(statement))


def test_consent_is_needed_for_personal_options(world: World) -> None:
    body = {"sku": "suit-mtm", "options": {"fabric": "wool_navy", **MEASUREMENTS},
            "customer": {"name": "Alice", "email": "alice@example.com"}}
    refused = world.api.post("/api/orders", json=body, headers=world.as_("alice"))
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"][0]["code"] == "consent_required"
    assert "consent" in refused.json()["detail"]["message"]
    assert world.api.post("/api/orders", json={**body, "priority": 5},
                          headers=world.as_("alice")).status_code == 403  # customers do not set priority


def test_export_and_erasure_of_a_customers_data(world: World) -> None:
    api = world.api
    exported = api.get("/api/me/export", headers=world.as_("bob")).json()
    assert [o["id"] for o in exported["orders"]] == ["ORD-BOB00001"]
    assert exported["orders"][0]["options"]["monogram"] == "ZXY" and exported["orders"][0]["customer"]["name"] == "A"
    open_order = api.post("/api/customers/CUS-ALICE/erase", headers=world.as_("admin"))
    assert open_order.status_code == 409 and "ORD-ALICE001" in open_order.json()["detail"]
    erased = api.post("/api/me/erase", headers=world.as_("bob"))
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased_orders"] == ["ORD-BOB00001"]
    assert api.get("/api/me", headers=world.as_("bob")).status_code == 401  # the account is gone too
    kept = api.get("/api/orders/ORD-BOB00001", headers=world.as_("admin")).json()
    assert kept["options"] == {"fabric": "wool_navy"} and kept["sku"] == "suit-mtm" and kept["status"] == "delivered"
    assert kept["customer_id"].startswith("ERASED-")
    with world.engine.connect() as conn:
        row = conn.execute(text("SELECT CAST(customer AS TEXT), erased_at FROM orders WHERE id = 'ORD-BOB00001'")).one()
    assert row[0] in ("{}", "{}\n") and row[1] is not None
    assert api.get("/api/customers/CUS-BOB/export", headers=world.as_("admin")).json()["orders"] == []


def test_guest_sign_up_gives_a_customer_key_of_its_own(world: World) -> None:
    api = world.api
    first = api.post("/api/customers", json={"name": "Guest", "email": "a@example.com"})
    assert first.status_code == 201
    key = first.json()
    assert key["role"] == "customer" and key["customer_id"].startswith("GST-")
    headers = {"Authorization": f"Bearer {key['token']}"}
    assert api.get("/api/orders", headers=headers).json()["total"] == 0  # nobody else's orders by that e-mail
    assert api.post("/api/customers", json={"name": "X", "email": "x@example.com", "role": "admin"}).status_code == 422
