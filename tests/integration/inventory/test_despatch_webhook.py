"""``POST /api/webhooks/despatch-advice`` and each supplier's own ``/api/webhooks/suppliers/{id}/despatch-advice``
on the real app and databases: only signed, fresh, first-time ASNs for our own purchase orders get through, read
by the supplier's adapter."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from orchestrator.api.app import create_app
from orchestrator.persistence import purchasing_repo
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.tables.orders import EventRow
from orchestrator.persistence.tables.purchasing import PurchaseOrderRow
from orchestrator.settings import Settings
from orchestrator.webhooks import SIGNATURE_HEADER, sign
from tests.support.asn_adapters import asn_adapters_installed, plain_text_asn

SECRET = "webhook-test-secret"
URL = "/api/webhooks/despatch-advice"
NOW = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
EVENTS = EventRow.__table__  # type: ignore[attr-defined]


def asn_body(po_id: str = "PO-1", asn_id: str = "DA-ACME-000001", supplier: str = "acme") -> bytes:
    """A DespatchAdvice as the supplier portal sends it."""
    return json.dumps({
        "ID": asn_id, "IssueDate": "2030-03-01", "IssueTime": "08:00:00Z",
        "OrderReference": {"ID": po_id, "SalesOrderID": "SO-1"},
        "DespatchSupplierParty": {"Party": {"PartyIdentification": {"ID": supplier}, "PartyName": {"Name": "Acme"}}},
        "Shipment": {"ID": "SHP-1", "Delivery": {
            "EstimatedDeliveryPeriod": {"EndDate": "2030-03-02", "EndTime": "10:00:00Z"},
            "Despatch": {"ActualDespatchDate": "2030-03-01", "ActualDespatchTime": "08:00:00Z"}}},
        "DespatchLine": [{"ID": "1", "OrderLineReference": {"LineID": "1"},
                          "Item": {"SellersItemIdentification": {"ID": "gear"}},
                          "DeliveredQuantity": 5, "OutstandingQuantity": 0, "UnitCode": "EA"}],
    }, separators=(",", ":")).encode()


@pytest.fixture
def api(db_url: str, tmp_path: Path, temporal_env: WorkflowEnvironment) -> Iterator[TestClient]:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        purchasing_repo.save_purchase_order(conn, PurchaseOrderRow(
            po_id="PO-1", supplier="acme", order_id="ORD-1", need_id="ORD-1:gear", item="gear", unit="pcs",
            need_quantity=5, quantity=5, idempotency_key="k1", state="accepted", workflow_id="src-nobody-runs-this",
            need_by=NOW + timedelta(days=2), created_at=NOW, updated_at=NOW))
    engine.dispose()
    settings = Settings(database_url=db_url, webhook_secret=SECRET, var_dir=tmp_path,
                        temporal_address=temporal_env.client.service_client.config.target_host)
    with TestClient(create_app(settings)) as client:
        yield client


def post(api: TestClient, body: bytes, header: str | None) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json", **({SIGNATURE_HEADER: header} if header else {})}
    response = api.post(URL, content=body, headers=headers)
    return response.status_code, response.json()


def events(api: TestClient, kind: str) -> list[dict[str, object]]:
    with api.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return [r.payload for r in conn.execute(select(EVENTS.c.payload).where(EVENTS.c.kind == kind))]


def test_a_signed_asn_is_recorded_on_its_po(api: TestClient) -> None:
    body = asn_body()
    status, answer = post(api, body, sign(SECRET, body, time.time()))
    assert status == 200, answer
    assert answer["status"] == "recorded"  # its workflow is not running: recorded, nothing to wake
    po = purchasing_repo.purchase_order(api.app.state.engine, "PO-1")  # type: ignore[attr-defined]
    assert po is not None and po.state == "shipped"
    assert po.expected_delivery == datetime(2030, 3, 2, 10, 0, tzinfo=UTC)
    [event] = events(api, "asn_received")
    assert (event["asn_id"], event["shipped_quantity"]) == ("DA-ACME-000001", 5.0)
    # The supplier's retry (signed afresh) is accepted again and changes nothing.
    status, _ = post(api, body, sign(SECRET, body, time.time() + 1))
    assert status == 200 and len(events(api, "asn_received")) == 1


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "missing"),
        ("t=123", "no v1"),
        ("garbage", "not key=value"),
    ],
)
def test_malformed_signatures_are_refused(api: TestClient, header: str | None, detail: str) -> None:
    status, answer = post(api, asn_body(), header)
    assert status == 401 and detail in str(answer["detail"])
    assert events(api, "asn_received") == []


def test_a_forged_or_tampered_asn_is_refused(api: TestClient) -> None:
    body = asn_body()
    assert post(api, body, sign("not-the-secret", body, time.time()))[0] == 401
    assert post(api, asn_body(asn_id="DA-OTHER"), sign(SECRET, body, time.time()))[0] == 401
    assert events(api, "asn_received") == []


def test_a_stale_signature_is_refused(api: TestClient) -> None:
    body = asn_body()
    status, answer = post(api, body, sign(SECRET, body, time.time() - 3600))
    assert status == 401 and "tolerance" in str(answer["detail"])


def test_a_replayed_request_is_refused(api: TestClient) -> None:
    body = asn_body()
    header = sign(SECRET, body, time.time())
    assert post(api, body, header)[0] == 200
    status, answer = post(api, body, header)
    assert status == 401 and "replay" in str(answer["detail"])


def test_an_asn_for_a_po_we_never_placed_is_404_and_its_retry_is_not_a_replay(api: TestClient) -> None:
    body = asn_body(po_id="PO-NOT-OURS")
    header = sign(SECRET, body, time.time())
    status, answer = post(api, body, header)
    assert status == 404 and "never placed" in str(answer["detail"])
    assert post(api, body, header)[0] == 404  # refused again for the same reason, not as a replay


def test_a_body_that_is_no_despatch_advice_is_422(api: TestClient) -> None:
    body = b'{"ID": "x"}'
    status, answer = post(api, body, sign(SECRET, body, time.time()))
    assert status == 422 and "DespatchAdvice" in str(answer["detail"])


# --- each supplier's own URL, read by the adapter the supplier file names -----------------------------

SUPPLIERS = {"suppliers": [
    {"id": "acme", "parts": [{"item": "gear", "lead_time_days": 2}]},
    {"id": "acme-east", "parts": [{"item": "gear", "lead_time_days": 3}]},
    {"id": "textile", "adapter": "plain-text-asn", "parts": [{"item": "cloth", "lead_time_days": 2}]},
    {"id": "mute", "adapter": "no-asn-reader", "parts": [{"item": "bolt", "lead_time_days": 2}]},
]}


def supplier_url(supplier: str) -> str:
    return f"/api/webhooks/suppliers/{supplier}/despatch-advice"


@pytest.fixture
def routed_api(db_url: str, tmp_path: Path, temporal_env: WorkflowEnvironment) -> Iterator[TestClient]:
    """The app with a supplier file whose suppliers use ``ubl-http``, a third party's reader, and no reader."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        for po_id, supplier, item in (("PO-1", "acme", "gear"), ("PO-T", "textile", "cloth"), ("PO-M", "mute", "bolt")):
            purchasing_repo.save_purchase_order(conn, PurchaseOrderRow(
                po_id=po_id, supplier=supplier, order_id="ORD-1", need_id=f"ORD-1:{item}", item=item, unit="pcs",
                need_quantity=5, quantity=5, idempotency_key=f"k-{po_id}", state="accepted",
                workflow_id="src-nobody-runs-this", need_by=NOW + timedelta(days=2), created_at=NOW, updated_at=NOW))
    engine.dispose()
    suppliers_file = tmp_path / "suppliers.yaml"
    suppliers_file.write_text(yaml.safe_dump(SUPPLIERS), encoding="utf-8")
    settings = Settings(database_url=db_url, webhook_secret=SECRET, var_dir=tmp_path, suppliers_file=suppliers_file,
                        temporal_address=temporal_env.client.service_client.config.target_host)
    with asn_adapters_installed(), TestClient(create_app(settings)) as client:
        yield client


def post_to(api: TestClient, url: str, body: bytes, *, signed: bool = True) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json", **({SIGNATURE_HEADER: sign(SECRET, body, time.time())}
                                                      if signed else {})}
    response = api.post(url, content=body, headers=headers)
    return response.status_code, response.json()


def text_asn(asn_id: str = "T-1", supplier: str = "textile") -> bytes:
    return plain_text_asn(asn_id, "PO-T", supplier, "cloth", 5, "2030-03-01T08:00:00+00:00",
                          "2030-03-03T08:00:00+00:00")


def test_a_suppliers_own_url_reads_the_asn_with_its_adapter(routed_api: TestClient) -> None:
    status, answer = post_to(routed_api, supplier_url("acme"), asn_body())
    assert status == 200 and answer["status"] == "recorded", answer
    status, answer = post_to(routed_api, supplier_url("textile"), text_asn())
    assert status == 200 and (answer["po_id"], answer["asn_id"]) == ("PO-T", "T-1"), answer
    assert sorted(str(e["asn_id"]) for e in events(routed_api, "asn_received")) == ["DA-ACME-000001", "T-1"]
    po = purchasing_repo.purchase_order(routed_api.app.state.engine, "PO-T")  # type: ignore[attr-defined]
    assert po is not None and po.state == "shipped"
    # Signatures and replays are checked as on the shared URL.
    assert post_to(routed_api, supplier_url("acme"), asn_body(), signed=False)[0] == 401


def test_on_the_shared_url_the_supplier_the_document_names_decides_the_reader(routed_api: TestClient) -> None:
    status, answer = post_to(routed_api, URL, text_asn("T-2"))  # not UBL: read by textile's own adapter
    assert status == 200 and answer["asn_id"] == "T-2", answer
    # UBL naming textile: textile's adapter reads key=value lines, so the document is refused, saying so.
    ubl = asn_body(po_id="PO-T", asn_id="DA-T-3", supplier="textile")
    status, answer = post_to(routed_api, URL, ubl)
    assert status == 422 and "not a readable DespatchAdvice" in str(answer["detail"]), answer
    assert [e["asn_id"] for e in events(routed_api, "asn_received")] == ["T-2"]


def test_an_unknown_supplier_is_404_and_its_retry_is_not_a_replay(routed_api: TestClient) -> None:
    body = asn_body()
    header = sign(SECRET, body, time.time())
    for _ in range(2):
        response = routed_api.post(supplier_url("nobody"), content=body, headers={SIGNATURE_HEADER: header})
        assert response.status_code == 404, response.text
        assert "no supplier 'nobody'" in response.json()["detail"] and "acme" in response.json()["detail"]
    assert events(routed_api, "asn_received") == []


def test_an_asn_naming_another_supplier_than_its_url_is_422(routed_api: TestClient) -> None:
    status, answer = post_to(routed_api, supplier_url("acme-east"), asn_body())
    assert status == 422, answer
    assert "names supplier 'acme' but was posted to the URL of supplier 'acme-east'" in str(answer["detail"])
    assert "/api/webhooks/suppliers/acme/despatch-advice" in str(answer["detail"])
    assert events(routed_api, "asn_received") == []


def test_a_supplier_whose_adapter_reads_no_asns_is_422_naming_the_adapter(routed_api: TestClient) -> None:
    body = asn_body(po_id="PO-M", asn_id="DA-M-1", supplier="mute")
    for url in (supplier_url("mute"), URL):
        status, answer = post_to(routed_api, url, body)
        assert status == 422, answer
        assert "supplier 'mute' uses the supplier adapter 'no-asn-reader'" in str(answer["detail"]), answer
        assert "read_despatch_advice" in str(answer["detail"])
    assert events(routed_api, "asn_received") == []
