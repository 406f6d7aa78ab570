"""``GET /metrics`` on the real API app: request latency by route template, orders by stage, supplier outcomes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from orchestrator.api.app import create_app
from orchestrator.inventory.scorecard import HistoryKind, SupplierHistoryRecord
from orchestrator.persistence import purchasing_repo as po_repo
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.orders_repo import insert_order
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.settings import Settings
from tests.support.auth import ADMIN
from tests.support.ports import free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(var_dir=tmp_path, database_url=database_url, temporal_address=f"127.0.0.1:{free_port()}",
                    opcua_port=free_port(), mes_port=free_port(), suppliers_port=free_port())


def _scrape(client: TestClient) -> Samples:
    resp = client.get("/metrics")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(resp.text) for s in family.samples}


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def _order(stage: str) -> OrderRow:
    now = datetime.now(UTC)
    return OrderRow(id=f"ORD-{uuid.uuid4().hex[:8].upper()}", sku="test-sku", options={}, quantity=1,
                    customer_id="c-1", customer={}, stage=stage, price_total=10.0, currency="EUR",
                    promised_date=now, tracking_token="t", plan={}, created_at=now, updated_at=now)


def test_requests_are_timed_by_route_template_and_status(tmp_path: Path, db_url: str) -> None:
    with TestClient(create_app(_settings(tmp_path, db_url)), headers=ADMIN) as client:
        assert client.get("/api/products").status_code == 200
        assert client.get("/api/orders/ORD-NOT-THERE").status_code == 404
        assert client.get("/api/orders/ORD-ALSO-MISSING").status_code == 404
        assert client.get("/no/such/page").status_code == 404
        samples = _scrape(client)
        openapi = client.get("/openapi.json").json()

    count = "c2m_http_request_duration_seconds_count"
    assert _value(samples, count, method="GET", route="/api/products", status="200") == 1
    # Two order ids, one series: the route template, never the raw path.
    assert _value(samples, count, method="GET", route="/api/orders/{order_id}", status="404") == 2
    assert _value(samples, count, method="GET", route="unmatched", status="404") == 1
    assert not any(name == count and "ORD-NOT-THERE" in dict(labels).values() for name, labels in samples)
    assert _value(samples, "c2m_http_requests_in_flight") == 1  # the scrape itself
    assert "/metrics" not in openapi["paths"]


def test_orders_by_stage_and_supplier_outcomes_come_from_the_database(
    tmp_path: Path, db_url: str, engine: Engine
) -> None:
    with TestClient(create_app(_settings(tmp_path, db_url)), headers=ADMIN) as client:
        before = _scrape(client)
        assert _value(before, "c2m_metrics_database_up") == 1
        assert _value(before, "c2m_orders", stage="in_production") is None

        for stage in ("in_production", "in_production", "sourcing"):
            order = _order(stage)
            insert_order(engine, order, NewEvent(kind="stage", plant_time=order.created_at, order_id=order.id,
                                                 payload={"stage": stage}))
        now = datetime.now(UTC)
        with engine.begin() as conn:
            po_repo.append_history(conn, [
                po_repo.HistoryEntry(SupplierHistoryRecord("acme", HistoryKind.REJECTED, now, "PO-1"), "PO-1:r"),
                po_repo.HistoryEntry(SupplierHistoryRecord("acme", HistoryKind.ACCEPTED, now, "PO-2"), "PO-2:a"),
                po_repo.HistoryEntry(SupplierHistoryRecord("acme", HistoryKind.ACCEPTED, now, "PO-3"), "PO-3:a"),
            ])
        after = _scrape(client)

    assert _value(after, "c2m_orders", stage="in_production") == 2
    assert _value(after, "c2m_orders", stage="sourcing") == 1
    assert _value(after, "c2m_supplier_outcomes_total", supplier="acme", outcome="rejected") == 1
    assert _value(after, "c2m_supplier_outcomes_total", supplier="acme", outcome="accepted") == 2


def test_metrics_answer_while_the_database_is_down(tmp_path: Path) -> None:
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2"
    with TestClient(create_app(_settings(tmp_path, unreachable)), headers=ADMIN) as client:
        samples = _scrape(client)
    assert _value(samples, "c2m_metrics_database_up") == 0
    assert not any(name == "c2m_orders" for name, _ in samples)
