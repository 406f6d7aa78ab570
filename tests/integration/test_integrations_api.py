"""``GET /api/integrations`` and the adapters' recent messages, against the real simulators.

The plant simulator, the MES simulator and the supplier simulator run as real processes; the supplier
file adds one supplier whose endpoint nothing listens on. Adapter traffic reaches the journal through the
real HTTP adapters (the worker's wiring), webhook deliveries through the API's own route.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from adapters.mes import HttpMesAdapter
from adapters.suppliers import HttpSupplierDirectory
from orchestrator.api.app import create_app
from orchestrator.persistence import work_orders_repo
from orchestrator.persistence.journal_writer import JournalWriter
from orchestrator.ports.suppliers import PurchaseOrderNotFound
from orchestrator.settings import Settings
from orchestrator.webhooks import SIGNATURE_HEADER
from tests.fixtures.mes import MesSim
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.fixtures.suppliers import TEST_SUPPLIERS, SupplierSim
from tests.support.auth import ADMIN
from tests.support.ports import free_port
from tests.support.processes import wait_until

LINES = ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]


def supplier_file(tmp_path: Path) -> tuple[Path, str]:
    """The test suppliers plus one whose endpoint nothing listens on."""
    gone = f"http://127.0.0.1:{free_port()}/suppliers/gone-parts"
    data: dict[str, Any] = {"suppliers": [
        *TEST_SUPPLIERS["suppliers"],
        {"id": "gone-parts", "name": "Gone Parts Ltd", "endpoint": gone, "reliability": 1.0,
         "parts": [{"item": "widget", "price": 11, "lead_time_days": {"min": 1, "mode": 2, "max": 3}}]},
    ]}
    path = tmp_path / "suppliers.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path, gone


@pytest.fixture
def settings(tmp_path: Path, db_url: str, opcua_plant_shared: OpcUaPlant, mes_sim_shared: MesSim,
             supplier_sim: SupplierSim) -> Settings:
    path, _ = supplier_file(tmp_path)
    return Settings(
        var_dir=tmp_path, database_url=db_url, temporal_address=f"127.0.0.1:{free_port()}", temporal_ui_port=18233,
        opcua_url=opcua_plant_shared.url, mes_url=mes_sim_shared.url, suppliers_url=supplier_sim.base_url,
        suppliers_file=path, public_url="http://factory.example:8000",
    )


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=ADMIN) as client:
        yield client


def by_endpoint(view: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(a["kind"], a["endpoint"]): a for a in view["adapters"]}


async def test_every_configured_adapter_is_listed_with_its_state(api: TestClient, engine: Engine,
                                                                 settings: Settings, supplier_sim: SupplierSim) -> None:
    with engine.begin() as conn:
        work_orders_repo.upsert_line_status(conn, {"line": "FAB1", "connection": "connected"})
        work_orders_repo.upsert_line_status(conn, {"line": "PNT1", "connection": "reconnecting"})
    resp = api.get("/api/integrations")
    assert resp.status_code == 200, resp.text
    view = resp.json()
    adapters = by_endpoint(view)
    assert [a["endpoint"] for a in view["adapters"] if a["kind"] == "line"] == LINES
    fab1 = adapters[("line", "FAB1")]
    assert (fab1["state"], fab1["adapter"], fab1["name"], fab1["problem"]) == (
        "connected", "opcua", "Fabrication", None)
    assert fab1["url"] == settings.opcua_url and fab1["latency_ms"] is not None
    assert (adapters[("line", "PNT1")]["state"], adapters[("line", "PNT1")]["problem"]) == ("reconnecting", "link_lost")
    assert (adapters[("line", "SEW1")]["state"], adapters[("line", "SEW1")]["problem"]) == ("down", "no_monitor")

    mes = adapters[("mes", "mes")]
    assert (mes["state"], mes["adapter"], mes["url"]) == ("connected", "b2mml-http", settings.mes_url)
    assert mes["latency_ms"] >= 0 and mes["last_message_at"] is None and mes["problem"] is None
    quick = adapters[("supplier", "quick-parts")]
    assert (quick["state"], quick["name"], quick["url"]) == (
        "connected", "Quick Parts GmbH", supplier_sim.supplier_url("quick-parts"))
    assert adapters[("supplier", "steady-supply")]["state"] == "connected"
    gone = adapters[("supplier", "gone-parts")]
    assert (gone["state"], gone["problem"], gone["latency_ms"]) == ("down", "unreachable", None)
    assert "failed" in gone["detail"]
    webhook = adapters[("webhook", "despatch-advice")]
    assert webhook["url"] == "http://factory.example:8000/api/webhooks/despatch-advice"
    assert webhook["state"] == "connected"
    assert view["temporal"] == {"address": settings.temporal_address, "ui_url": "http://127.0.0.1:18233",
                                "state": "down", "latency_ms": None}
    assert all(a["messages_url"] == f"/api/integrations/{a['kind']}/{a['endpoint']}/messages"
               for a in view["adapters"])


async def test_adapter_traffic_shows_as_recent_messages(api: TestClient, engine: Engine, settings: Settings,
                                                        supplier_sim: SupplierSim) -> None:
    async with JournalWriter(engine) as journal:
        async with HttpMesAdapter(settings.resolved_mes_url, journal=journal) as mes:
            assert await mes.statuses(["WO-nobody"]) == []
        async with HttpSupplierDirectory.from_file(settings.suppliers_file, supplier_sim.base_url,
                                                   journal=journal) as suppliers:
            with pytest.raises(PurchaseOrderNotFound):
                await suppliers.supplier("quick-parts").order_status("PO-nobody")
    sent, = [m for m in api.get("/api/integrations/mes/mes/messages").json() if m["direction"] == "sent"]
    assert sent["summary"] == "GET /api/v1/job-orders?id=WO-nobody" and sent["ok"]
    answer = api.get("/api/integrations/mes/mes/messages?limit=1").json()
    assert len(answer) == 1 and answer[0]["direction"] == "received"
    assert answer[0]["summary"] == "GET /api/v1/job-orders?id=WO-nobody → 200 OK"
    assert '"JobResponses"' in answer[0]["body"]

    refused = api.get("/api/integrations/supplier/quick-parts/messages").json()[0]
    assert refused["summary"].startswith("GET /suppliers/quick-parts/purchase-orders/PO-nobody → 404")
    assert refused["ok"] is False
    adapters = by_endpoint(api.get("/api/integrations").json())
    assert adapters[("mes", "mes")]["last_message_at"] is not None
    quick = adapters[("supplier", "quick-parts")]
    assert (quick["state"], quick["problem"]) == ("connected", "last_failed")
    assert adapters[("supplier", "steady-supply")]["last_message_at"] is None

    # The supplier goes away after having answered: reconnecting (it was up a moment ago), not down.
    supplier_sim.stop()
    quick = by_endpoint(api.get("/api/integrations").json())[("supplier", "quick-parts")]
    assert (quick["state"], quick["problem"]) == ("reconnecting", "unreachable")


def test_webhook_deliveries_are_journaled_accepted_or_refused(api: TestClient) -> None:
    body = b'{"ID": "ASN-1"}'
    resp = api.post("/api/webhooks/despatch-advice", content=body, headers={SIGNATURE_HEADER: "t=1,v1=forged"})
    assert resp.status_code == 401

    def journaled() -> list[dict[str, Any]]:
        return list(api.get("/api/integrations/webhook/despatch-advice/messages").json())

    wait_until(lambda: len(journaled()) == 1, 10, "the refused delivery in the journal")
    [delivery] = journaled()
    assert delivery["direction"] == "received" and delivery["ok"] is False
    assert delivery["summary"].startswith("POST /api/webhooks/despatch-advice → 401: signature refused")
    assert delivery["body"] == body.decode()
    webhook = by_endpoint(api.get("/api/integrations").json())[("webhook", "despatch-advice")]
    assert webhook["problem"] == "last_failed" and webhook["last_message_at"] is not None


def test_messages_refuse_an_unknown_kind_and_a_silly_limit(api: TestClient) -> None:
    resp = api.get("/api/integrations/printer/p1/messages")
    assert resp.status_code == 422 and "'line', 'mes', 'supplier' or 'webhook'" in resp.text
    assert api.get("/api/integrations/mes/mes/messages?limit=0").status_code == 422
    assert api.get("/api/integrations/mes/mes/messages?limit=201").status_code == 422
    assert api.get("/api/integrations/line/NOPE/messages").json() == []


def test_a_configured_temporal_ui_url_is_used(tmp_path: Path, db_url: str) -> None:
    settings = Settings(var_dir=tmp_path, database_url=db_url, temporal_address=f"127.0.0.1:{free_port()}",
                        temporal_ui_url="https://temporal.factory.example/", opcua_port=free_port(),
                        mes_port=free_port(), suppliers_port=free_port())
    started = time.monotonic()
    with TestClient(create_app(settings), headers=ADMIN) as client:
        view = client.get("/api/integrations").json()
    assert time.monotonic() - started < 15, "probes must be bounded"
    assert view["temporal"]["ui_url"] == "https://temporal.factory.example"
    adapters = by_endpoint(view)
    assert adapters[("mes", "mes")]["state"] == "down"
    assert {a["state"] for a in view["adapters"] if a["kind"] == "supplier"} == {"down"}
    assert httpx.URL(adapters[("mes", "mes")]["url"]).port == settings.mes_port
