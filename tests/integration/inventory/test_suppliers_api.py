"""``GET /api/suppliers`` and ``GET /api/suppliers/{id}``: the configured suppliers with scorecards from history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.api.app import create_app
from orchestrator.inventory import HistoryKind, SupplierHistoryRecord
from orchestrator.persistence import purchasing_repo
from orchestrator.persistence.db import make_engine
from orchestrator.settings import Settings
from tests.support.auth import ADMIN

T0 = datetime(2030, 1, 1, tzinfo=UTC)
SUPPLIERS = """
suppliers:
  - id: acme
    name: Acme Parts
    country: DE
    parts:
      - {item: gear, name: Gear, price: 10, moq: 10, multiple: 5, lead_time_days: {min: 1, mode: 2, max: 3}}
      - {item: bolt, price: 0.1, lead_time_days: {min: 1, mode: 1, max: 1}}
  - id: brisk
    name: Brisk Supply
    parts:
      - {item: gear, price: 12, lead_time_days: {min: 1, mode: 2, max: 3}}
"""


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    db_url = f"sqlite:///{tmp_path / 'c2m.db'}"
    from orchestrator.persistence.migrate import upgrade

    upgrade(db_url)
    engine = make_engine(db_url)

    def rec(kind: HistoryKind, n: int, late_days: float = 0) -> purchasing_repo.HistoryEntry:
        promised = T0 + timedelta(days=n)
        return purchasing_repo.HistoryEntry(SupplierHistoryRecord(
            "acme", kind, promised, f"PO-{n}", "gear", promised_delivery=promised,
            actual_delivery=promised + timedelta(days=late_days)), f"{kind.value}-{n}")

    with engine.begin() as conn:
        purchasing_repo.append_history(conn, [
            rec(HistoryKind.ACCEPTED, 1), rec(HistoryKind.ACCEPTED, 2), rec(HistoryKind.ACCEPTED, 3),
            rec(HistoryKind.REJECTED, 4),
            rec(HistoryKind.DELIVERED, 1), rec(HistoryKind.DELIVERED, 2, late_days=2), rec(HistoryKind.DELIVERED, 3),
        ])
        assert purchasing_repo.append_history(conn, [rec(HistoryKind.REJECTED, 4)]) == 0  # idempotent
    engine.dispose()
    (tmp_path / "suppliers.yaml").write_text(SUPPLIERS)
    settings = Settings(database_url=db_url, var_dir=tmp_path, suppliers_file=tmp_path / "suppliers.yaml")
    with TestClient(create_app(settings), headers=ADMIN) as client:
        yield client


def test_the_list_shows_every_supplier_with_its_scorecard(api: TestClient) -> None:
    response = api.get("/api/suppliers")
    assert response.status_code == 200
    by_id = {s["id"]: s for s in response.json()}
    assert set(by_id) == {"acme", "brisk"}
    assert by_id["acme"]["items"] == ["gear", "bolt"]
    card = by_id["acme"]["scorecard"]
    assert (card["purchase_orders"], card["rejection_rate"], card["deliveries"]) == (4, 0.25, 3)
    assert card["on_time_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert card["avg_lead_time_error_days"] == pytest.approx(2 / 3, abs=1e-3)
    assert by_id["brisk"]["scorecard"]["on_time_rate"] is None  # no history yet


def test_one_supplier_with_parts_and_a_window(api: TestClient) -> None:
    detail = api.get("/api/suppliers/acme").json()
    assert detail["name"] == "Acme Parts" and detail["country"] == "DE"
    gear = next(p for p in detail["parts"] if p["item"] == "gear")
    assert (gear["moq"], gear["multiple"], gear["price"]) == (10, 5, 10)
    recent = api.get("/api/suppliers/acme", params={"since": (T0 + timedelta(days=3)).isoformat()}).json()
    assert recent["scorecard"]["purchase_orders"] == 2  # the accepted PO-3 and the rejected PO-4


def test_an_unknown_supplier_is_404_naming_the_known_ones(api: TestClient) -> None:
    response = api.get("/api/suppliers/nobody")
    assert response.status_code == 404
    assert "acme, brisk" in response.json()["detail"]
