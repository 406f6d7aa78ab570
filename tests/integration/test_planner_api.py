"""The planner console's API: key figures and exceptions from rows written through the repositories
(SQLite and PostgreSQL), and demo fault injection against the real OPC UA plant simulator."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.engine import Engine

from adapters.opcua import OpcUaLineControl
from orchestrator.api.app import create_app
from orchestrator.clock import PlantClock
from orchestrator.persistence import work_orders_repo
from orchestrator.persistence.events import NewEvent, record_events
from orchestrator.persistence.migrate import upgrade
from orchestrator.persistence.orders_repo import insert_order, record_stage, update_order
from orchestrator.persistence.purchasing_repo import save_purchase_order
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.tables.purchasing import PurchaseOrderRow
from orchestrator.ports.lines import CommandStatus
from orchestrator.settings import Settings
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.opcua.opcua_helpers import connected, job_id, read, wait_value
from tests.support.auth import ADMIN
from tests.support.broken_line_adapter import registered
from tests.support.ports import free_port
from tests.support.processes import ROOT

# Plant time runs 60 times faster than wall time from an epoch a day ago: plant "now" is ~2 months ahead of
# the wall clock, so a figure computed from the wall-clock created_at column would be far off.
SCALE = 60.0
EPOCH = time.time() - 24 * 3600
CLOCK = PlantClock(EPOCH, SCALE)
HELD, EXECUTE = 11, 6


def _settings(tmp_path: Path, db_url: str, **extra: Any) -> Settings:
    return Settings(var_dir=tmp_path, database_url=db_url, time_scale=SCALE, clock_epoch=EPOCH,
                    approval_value_threshold=20_000, approval_max_quantity=20, **extra)


@pytest.fixture
async def api(tmp_path: Path, db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(_settings(tmp_path, db_url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://planner", headers=ADMIN,
                                 timeout=15) as client:
        yield client
    app.state.engine.dispose()


def _order(engine: Engine, received: datetime, promised: datetime, *, stage: str = "received",
           eta: datetime | None = None, quantity: int = 1, price: float = 500.0,
           special: str | None = None) -> str:
    oid = f"ORD-{uuid.uuid4().hex[:8].upper()}"
    wall = datetime.now(UTC)
    row = OrderRow(id=oid, sku="aircon-split", options={}, quantity=quantity, customer_id="c1", customer={},
                   special_requests=special, stage="received", price_total=price, currency="EUR",
                   promised_date=promised, eta=eta or promised, tracking_token=f"tok-{oid}", plan={},
                   created_at=wall, updated_at=wall)
    insert_order(engine, row, NewEvent(kind="stage", plant_time=received, order_id=oid,
                                       payload={"stage": "received"}, dedupe_key=f"{oid}:received"))
    if stage != "received":
        _stage(engine, oid, stage, received + timedelta(minutes=5))
    return oid


def _stage(engine: Engine, oid: str, stage: str, at: datetime, eta: datetime | None = None) -> None:
    with engine.begin() as conn:
        record_stage(conn, oid, stage, NewEvent(kind="stage", plant_time=at, order_id=oid,
                                                payload={"stage": stage}, dedupe_key=f"{oid}:{stage}"), eta=eta)


def _event(engine: Engine, kind: str, at: datetime, order_id: str | None = None, line: str | None = None,
           **payload: Any) -> None:
    record_events(engine, [NewEvent(kind=kind, plant_time=at, order_id=order_id, line=line, payload=payload,
                                    dedupe_key=f"{kind}:{order_id}:{line}:{at.isoformat()}")])


def _work_order(order_id: str, op: str, line: str, state: str, quantity: int, produced: int = 0) -> WorkOrderRow:
    now = datetime.now(UTC)
    return WorkOrderRow(id=f"{order_id}.{op}.1", order_id=order_id, op_id=op, op_type="assembly", work_master=op,
                        line=line, state=state, quantity=quantity, produced=produced, created_at=now, updated_at=now)


async def test_kpis_use_plant_time_milestones_and_count_work_in_progress(api: httpx.AsyncClient,
                                                                          engine: Engine) -> None:
    now = CLOCK.now()
    # Delivered on time: 50 plant hours of lead against 60 promised.
    a0 = now - timedelta(days=5)
    a = _order(engine, a0, a0 + timedelta(hours=60))
    _stage(engine, a, "delivered", a0 + timedelta(hours=50))
    # Delivered late: 80 hours against 72 promised.
    b0 = now - timedelta(days=8)
    b = _order(engine, b0, b0 + timedelta(hours=72))
    _stage(engine, b, "delivered", b0 + timedelta(hours=80))
    # Delivered before the 30-day window: not in the delivery figures.
    c0 = now - timedelta(days=60)
    _stage(engine, _order(engine, c0, c0 + timedelta(hours=10)), "delivered", c0 + timedelta(hours=5))
    running = _order(engine, now - timedelta(hours=3), now + timedelta(days=2), stage="in_production")
    _order(engine, now - timedelta(hours=1), now + timedelta(days=2), stage="awaiting_approval")
    _order(engine, now - timedelta(hours=2), now + timedelta(days=2), stage="cancelled")
    with engine.begin() as conn:
        work_orders_repo.insert_work_orders(conn, [
            _work_order(running, "frame", "FAB1", "running", 10, produced=4),
            _work_order(running, "wire", "FAB1", "released", 5),
            _work_order(running, "assemble", "ASM1", "held", 3, produced=1),
            _work_order(running, "paint", "PNT1", "planned", 7),
            _work_order(running, "pack", "PCK1", "completed", 2, produced=2),
        ])

    resp = await api.get("/api/planner/kpis")
    assert resp.status_code == 200, resp.text
    k = resp.json()
    assert k["orders_in_flight"] == 2
    assert k["orders_by_stage"] == {"delivered": 3, "in_production": 1, "awaiting_approval": 1, "cancelled": 1}
    assert (k["delivered"], k["delivered_on_time"], k["on_time_rate"]) == (2, 1, 0.5)
    assert k["average_lead_hours"] == pytest.approx(65.0)
    assert k["average_promised_lead_hours"] == pytest.approx(66.0)
    assert abs(datetime.fromisoformat(k["plant_time"]) - CLOCK.now()) < timedelta(minutes=5)
    wip = {w["line"]: w for w in k["wip"]}
    assert list(wip) == ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]
    assert (wip["FAB1"]["work_orders"], wip["FAB1"]["units"], wip["FAB1"]["remaining_units"]) == (2, 15, 11)
    assert wip["FAB1"]["by_state"] == {"running": 1, "released": 1}
    assert (wip["ASM1"]["work_orders"], wip["ASM1"]["units"], wip["ASM1"]["remaining_units"]) == (1, 3, 2)
    assert wip["PNT1"]["work_orders"] == 0 and wip["PCK1"]["work_orders"] == 0

    longer = (await api.get("/api/planner/kpis", params={"window_days": 90})).json()
    assert longer["delivered"] == 3
    assert (await api.get("/api/planner/kpis", params={"window_days": 0})).status_code == 422


async def test_kpis_of_an_empty_plant(api: httpx.AsyncClient) -> None:
    k = (await api.get("/api/planner/kpis")).json()
    assert k["orders_in_flight"] == 0 and k["delivered"] == 0
    assert k["on_time_rate"] is None and k["average_lead_hours"] is None
    assert all(w["work_orders"] == 0 for w in k["wip"])


async def test_exceptions_list_what_needs_a_planner_oldest_first(api: httpx.AsyncClient, engine: Engine) -> None:
    now = CLOCK.now()
    due = now + timedelta(days=3)
    # At the approval gate because of special requests and its value.
    gate = _order(engine, now - timedelta(hours=6), due, special="engrave our logo", price=25_000.0)
    _stage(engine, gate, "awaiting_approval", now - timedelta(hours=5))
    # Held, released, held again: on hold since the second hold.
    held = _order(engine, now - timedelta(hours=9), due, stage="sourcing")
    _event(engine, "held", now - timedelta(hours=8), held)
    _event(engine, "released", now - timedelta(hours=7), held)
    _event(engine, "held", now - timedelta(hours=4), held)
    released = _order(engine, now - timedelta(hours=9), due, stage="planned")
    _event(engine, "held", now - timedelta(hours=8), released)
    _event(engine, "released", now - timedelta(hours=7), released)
    # Late: its ETA is 10 h after its promise, announced 3 h ago.
    late = _order(engine, now - timedelta(hours=12), due, stage="scheduled")
    with engine.begin() as conn:
        update_order(conn, late, eta=due + timedelta(hours=10))
    _event(engine, "delay", now - timedelta(hours=3), late, new_date=(due + timedelta(hours=10)).isoformat())
    # Delivered despite a delay notice: nothing to do any more.
    done = _order(engine, now - timedelta(days=4), now - timedelta(days=1), stage="delivered")
    _event(engine, "delay", now - timedelta(days=2), done)
    # FAB1 held by a fault, PNT1 kept out of the plan by the scheduler, ASM1 working normally.
    with engine.begin() as conn:
        work_orders_repo.upsert_line_status(conn, {"line": "FAB1", "state": HELD, "state_name": "Held",
                                                   "stop_reason": 999, "stop_reason_message": "Material jam",
                                                   "connection": "connected", "at": now - timedelta(hours=2)})
        work_orders_repo.upsert_line_status(conn, {"line": "ASM1", "state": EXECUTE, "state_name": "Execute",
                                                   "stop_reason": 0, "connection": "connected", "at": now})
        work_orders_repo.set_line_fault(conn, "PNT1", now - timedelta(hours=1), now + timedelta(hours=2),
                                        "oven maintenance")
    _event(engine, "line_fault", now - timedelta(hours=2), line="FAB1", reason="Material jam")
    # Purchase orders: one past its promised delivery, one received, one not due yet.
    with engine.begin() as conn:
        for po_id, state, promised in (("PO-LATE", "accepted", now - timedelta(hours=10)),
                                       ("PO-DONE", "received", now - timedelta(hours=20)),
                                       ("PO-SOON", "accepted", now + timedelta(hours=5))):
            save_purchase_order(conn, PurchaseOrderRow(
                po_id=po_id, supplier="acme-motors", order_id=late, need_id=f"{late}-r0-motor", item="motor",
                unit="pcs", need_quantity=4, quantity=4, idempotency_key=po_id, state=state, workflow_id="wf",
                need_by=now, promised_delivery=promised, created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC)))

    resp = await api.get("/api/planner/exceptions")
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    found = [(e["kind"], e["order_id"] or e["line"]) for e in items]
    assert found == [("late_supplier", late), ("approval", gate), ("on_hold", held), ("delayed_order", late),
                     ("line_fault", "FAB1"), ("line_fault", "PNT1")], found
    by_kind = {(e["kind"], e["order_id"] or e["line"]): e for e in items}

    approval = by_kind[("approval", gate)]
    assert approval["actions"] == ["approve", "reject"]
    assert approval["details"]["reasons"] == ["special_requests", "value"]
    assert approval["details"]["special_requests"] == "engrave our logo"
    assert datetime.fromisoformat(approval["since"]) == now - timedelta(hours=5)
    assert approval["tracking_url"].endswith(f"/track/{gate}?token=tok-{gate}")

    assert by_kind[("on_hold", held)]["actions"] == ["release"]
    assert datetime.fromisoformat(by_kind[("on_hold", held)]["since"]) == now - timedelta(hours=4)

    delayed = by_kind[("delayed_order", late)]
    assert delayed["actions"] == ["hold"]
    assert delayed["details"]["late_by_hours"] == 10.0
    assert datetime.fromisoformat(delayed["since"]) == now - timedelta(hours=3)

    fab = by_kind[("line_fault", "FAB1")]
    assert fab["details"]["state_name"] == "Held" and fab["details"]["reason"] == "Material jam"
    assert "Material jam" in fab["summary"] and "clear_fault" in fab["actions"]
    assert by_kind[("line_fault", "PNT1")]["details"]["reason"] == "oven maintenance"

    supplier = by_kind[("late_supplier", late)]
    assert (supplier["po_id"], supplier["supplier"]) == ("PO-LATE", "acme-motors")
    assert supplier["details"]["late_by_hours"] == 10.0
    assert "motor" in supplier["summary"]


async def test_no_exceptions_when_all_is_well(api: httpx.AsyncClient, engine: Engine) -> None:
    now = CLOCK.now()
    _order(engine, now - timedelta(hours=1), now + timedelta(days=2), stage="scheduled")
    assert (await api.get("/api/planner/exceptions")).json()["items"] == []


# --- demo fault injection against the real plant simulator --------------------------------------------


@asynccontextmanager
async def _demo_app(tmp_path: Path, opcua_url: str, **extra: Any) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    app = create_app(Settings(var_dir=tmp_path, database_url=url, opcua_url=opcua_url, **extra))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://planner", headers=ADMIN,
                                     timeout=30) as client:
            yield client
    finally:
        app.state.engine.dispose()


async def test_demo_fault_holds_a_running_line_and_clear_resumes_it(tmp_path: Path, opcua_plant: OpcUaPlant) -> None:
    async with _demo_app(tmp_path, opcua_plant.url) as api, OpcUaLineControl(opcua_plant.url) as control, \
            connected(opcua_plant.url) as ua_client:
        # A long job: one plant hour (one wall second) per unit.
        assert await control.store_and_start("FAB1", job_id(), 500, 0, 3600) == CommandStatus.OK
        await wait_value(ua_client, "FAB1", "state", lambda s: s == EXECUTE)

        resp = await api.post("/api/demo/lines/FAB1/fault", json={"mode": "hold", "reason": "Material jam",
                                                                    "duration_hours": 0})
        assert resp.status_code == 200, resp.text
        assert resp.json()["command"] == "InjectFault"
        await wait_value(ua_client, "FAB1", "state", lambda s: s == HELD)
        assert await read(ua_client, "FAB1", "stop_reason_message") == "Material jam"

        resp = await api.post("/api/demo/lines/FAB1/clear")
        assert resp.status_code == 200, resp.text
        assert resp.json()["command"] == "Resume"
        await wait_value(ua_client, "FAB1", "state", lambda s: s == EXECUTE)
        assert await read(ua_client, "FAB1", "stop_reason") == 0

        # An idle line has no job to hold: 409 says why.
        resp = await api.post("/api/demo/lines/ASM2/fault", json={"mode": "hold", "reason": "x"})
        assert resp.status_code == 409
        assert "ASM2" in resp.json()["detail"] and "hold" in resp.json()["detail"]
        # Unknown lines and bad bodies are refused before the simulator is asked.
        resp = await api.post("/api/demo/lines/NOPE/fault", json={"mode": "hold"})
        assert resp.status_code == 404 and "FAB1" in resp.json()["detail"]
        assert (await api.post("/api/demo/lines/FAB1/fault", json={"mode": "explode"})).status_code == 422
        assert (await api.post("/api/demo/lines/NOPE/clear")).status_code == 404


async def test_demo_faults_are_refused_outside_dev_mode(tmp_path: Path) -> None:
    async with _demo_app(tmp_path, f"opc.tcp://127.0.0.1:{free_port()}/", mode="production",
                         secret_key="s" * 40, webhook_secret="w" * 40,
                         data_keys="Z2V0LWEtcmVhbC1rZXktaW4tcHJvZHVjdGlvbi0xMjM=") as api:
        for path in ("/api/demo/lines/FAB1/fault", "/api/demo/lines/FAB1/clear"):
            resp = await api.post(path, json={"mode": "hold"})
            assert resp.status_code == 403
            assert "production mode" in resp.json()["detail"] and "C2M_MODE=dev" in resp.json()["detail"]


async def test_demo_fault_says_when_the_simulator_is_unreachable(tmp_path: Path) -> None:
    url = f"opc.tcp://127.0.0.1:{free_port()}/"
    async with _demo_app(tmp_path, url) as api:
        resp = await api.post("/api/demo/lines/FAB1/fault", json={"mode": "hold"})
    assert resp.status_code == 503
    assert url in resp.json()["detail"] and "c2m up" in resp.json()["detail"]


async def test_demo_commands_to_a_line_whose_adapter_offers_no_control_are_409(tmp_path: Path) -> None:
    plant = yaml.safe_load((ROOT / "plant" / "default.yaml").read_text(encoding="utf-8"))
    plant["lines"]["FAB1"]["status"] = {"adapter": "opcua-doubled-completions"}  # watches the line, commands nothing
    plant_file = tmp_path / "plant.yaml"
    plant_file.write_text(yaml.safe_dump(plant, allow_unicode=True), encoding="utf-8")
    with registered(tmp_path / "site"):
        async with _demo_app(tmp_path, f"opc.tcp://127.0.0.1:{free_port()}/", plant_file=plant_file) as api:
            for path, body in (("/api/demo/lines/FAB1/fault", {"mode": "hold"}), ("/api/demo/lines/FAB1/clear", None)):
                resp = await api.post(path, json=body)
                assert resp.status_code == 409, resp.text
                detail = resp.json()["detail"]
                assert "line FAB1 cannot be commanded" in detail and "'opcua-doubled-completions'" in detail, detail
                assert "no job control" in detail, detail
