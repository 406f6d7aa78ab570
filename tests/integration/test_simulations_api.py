"""What-if simulations through the real API (uvicorn on a loopback port, SQLite and PostgreSQL): a planner
removes a line and sees the lead time rise; progress arrives on the plant event stream; bad requests and
wrong roles are refused; a simulation an API restart interrupted is failed, not left running."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from orchestrator.api.app import create_app
from orchestrator.catalog import load_catalog
from orchestrator.persistence import accounts_repo, simulations_repo
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.inventory_repo.stock import seed_stock_from_file
from orchestrator.persistence.orders_repo import insert_order
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.persistence.tables.simulations import SimulationRow
from orchestrator.runtime import plant_clock
from orchestrator.security.principals import Role
from orchestrator.settings import Settings
from tests.support.auth import ADMIN
from tests.support.event_stream import EventStreamFollower
from tests.support.servers import serving

PROJECT = Path(__file__).resolve().parents[2]
DONE_WITHIN = 60.0  # seconds: two runs of 24 orders take about 2 s plus the process's start


def _small_market() -> dict[str, Any]:
    """The standard scenario's market, squeezed into two plant days so that the lines are what binds."""
    data = yaml.safe_load((PROJECT / "scenarios" / "standard.yaml").read_text())
    data.update(name="two busy days", horizon_days=2, arrivals={"orders": 24}, start=data["start"].isoformat())
    data["policies"]["c2m"]["solve_work"] = 0.05
    return data


@pytest.fixture
def plentiful_stock(tmp_path: Path) -> Path:
    """Every item in stock, so materials never wait and capacity decides lead times."""
    catalog = load_catalog(PROJECT / "catalog")
    path = tmp_path / "stock-plenty.yaml"
    path.write_text(yaml.safe_dump({"stock": [{"item": i.id, "on_hand": 100_000, "unit": i.unit}
                                              for i in catalog.items.values()]}))
    return path


@pytest.fixture
def api(tmp_path: Path, db_url: str, plentiful_stock: Path) -> Iterator[tuple[str, Settings]]:
    settings = Settings(var_dir=tmp_path, database_url=db_url, stock_file=plentiful_stock, time_scale=60.0)
    with serving(create_app(settings)) as url:
        yield url, settings


def _key(db_url: str, role: Role) -> dict[str, str]:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            token = accounts_repo.issue_key(conn, role, f"a {role.value}", "CUS-1" if role is Role.CUSTOMER else None)
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {token.token}"}


def _wait_done(client: httpx.Client, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + DONE_WITHIN
    while time.monotonic() < deadline:
        sim = client.get(url).json()
        if sim["status"] in ("done", "failed"):
            return sim
        time.sleep(0.3)
    raise AssertionError(f"{url} not done within {DONE_WITHIN:.0f} s: {client.get(url).json()}")


def test_removing_a_line_raises_the_lead_time_and_reports_progress_live(
        api: tuple[str, Settings], db_url: str) -> None:
    url, settings = api
    planner = _key(db_url, Role.PLANNER)
    stream = EventStreamFollower(f"{url}/api/plant/events", headers=planner).start()
    try:
        with httpx.Client(base_url=url, headers=planner, timeout=30) as client:
            answer = client.post("/api/simulations", json={
                "scenario": _small_market(), "changes": [{"kind": "remove_line", "line": "ASM1"}], "seed": 7})
            assert answer.status_code == 202, answer.text
            created = answer.json()
            assert created["status"] == "queued" and created["url"] == f"/api/simulations/{created['id']}"
            sim = _wait_done(client, created["url"])
            assert sim["status"] == "done", sim["error"]
            c2m = sim["report"]["figures"]["c2m"]
            baseline, variant = c2m["baseline"], c2m["variant"]
            assert baseline["orders"] == variant["orders"] == 24
            assert "ASM1" in baseline["utilisation"] and "ASM1" not in variant["utilisation"]
            assert variant["on_time_share"] <= baseline["on_time_share"]
            assert variant["promised_lead_days"]["p50"] > baseline["promised_lead_days"]["p50"]
            assert variant["actual_lead_days"]["p50"] > baseline["actual_lead_days"]["p50"]
            assert variant["utilisation"]["ASM2"] > baseline["utilisation"]["ASM2"]

            assert {p["name"] for p in sim["plots"]} == {"c2m-lead-times", "c2m-utilisation"}
            png = client.get(sim["plots"][0]["url"])
            assert png.status_code == 200 and png.headers["content-type"] == "image/png"
            assert png.content.startswith(b"\x89PNG")
            missing = client.get(f"{created['url']}/plots/nothing.png")
            assert missing.status_code == 404 and "c2m-lead-times" in missing.json()["detail"]

            mine = client.get("/api/simulations").json()
            assert [s["id"] for s in mine] == [created["id"]] and mine[0]["report"] is None

        ours = [e for e in stream.wait_for(
            lambda es: any(e["kind"] == "simulation_finished" and e["payload"]["simulation"] == created["id"]
                           for e in es), 15, "the simulation's finished event")
                if e["kind"].startswith("simulation_") and e["payload"]["simulation"] == created["id"]]
    finally:
        stream.stop()
    progress = [e["payload"] for e in ours if e["kind"] == "simulation_progress"]
    assert [p["status"] for p in progress[:2]] == ["queued", "running"]
    shares = [p["progress"] for p in progress]
    assert shares == sorted(shares) and any(0 < s < 1 for s in shares)
    assert ours[-1]["kind"] == "simulation_finished" and ours[-1]["payload"]["status"] == "done"
    assert (Path(settings.var_dir) / "simulations" / created["id"] / "c2m-utilisation.png").is_file()


@pytest.mark.parametrize(("body", "where", "words"), [
    ({"changes": [{"kind": "remove_line", "line": "ASM9"}]}, "changes[0].line", ["ASM9", "FAB1"]),
    ({"changes": [{"kind": "remove_line", "line": "PNT1"}]}, "changes[0].line", ["painting"]),
    ({"changes": [{"kind": "supplier_lead_time", "supplier": "nobody", "factor": 2}]}, "changes[0].supplier",
     ["nobody", "ningbo-global"]),
    ({"changes": [{"kind": "rush_order", "sku": "aircon-split", "options": {"colour": "tartan"}}]},
     "changes[0].options", ["colour"]),
    ({"scenario": {"name": "x", "plant": "/etc/passwd", "mix": [{"sku": "suit-mtm", "share": 1}]}},
     "scenario.plant", ["cannot name"]),
    ({"scenario": {"name": "x", "mix": []}}, "scenario", ["mix"]),
    ({"scenario": {"mix": [{"sku": "suit-mtm", "share": 1}], "arrivals": {"rate_per_day": 1000}}},
     "orders", ["1000"]),
])
def test_a_bad_request_is_422_naming_what_and_where(api: tuple[str, Settings], body: dict[str, Any], where: str,
                                                    words: list[str]) -> None:
    url, _ = api
    answer = httpx.post(f"{url}/api/simulations", json=body, headers=ADMIN, timeout=30)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["where"] == where
    for word in words:
        assert word in detail["message"]
    assert httpx.get(f"{url}/api/simulations", headers=ADMIN, timeout=30).json() == []


def test_an_unknown_change_kind_is_422_from_the_schema(api: tuple[str, Settings]) -> None:
    url, _ = api
    answer = httpx.post(f"{url}/api/simulations", json={"changes": [{"kind": "close_plant"}]}, headers=ADMIN,
                        timeout=30)
    assert answer.status_code == 422 and "remove_line" in answer.text


def test_customers_and_integrators_may_not_simulate(api: tuple[str, Settings], db_url: str) -> None:
    url, _ = api
    for role in (Role.CUSTOMER, Role.INTEGRATOR):
        answer = httpx.post(f"{url}/api/simulations", json={}, headers=_key(db_url, role), timeout=30)
        assert answer.status_code == 403 and "planner" in answer.json()["detail"]
        assert httpx.get(f"{url}/api/simulations", headers=_key(db_url, role), timeout=30).status_code == 403
    assert httpx.post(f"{url}/api/simulations", json={}, timeout=30).status_code == 401
    assert httpx.get(f"{url}/api/simulations/SIM-NONE", headers=ADMIN, timeout=30).status_code == 404


def test_a_simulation_interrupted_by_a_restart_is_marked_failed(tmp_path: Path, db_url: str,
                                                                plentiful_stock: Path) -> None:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    dead = SimulationRow(id="SIM-INTERRUPTED", status="running", requested_by="planner:x", request={},
                         owner="somewhere-else:1:gone", created_at=now - timedelta(hours=1),
                         updated_at=now - timedelta(hours=1))
    alive = dead.model_copy(update={"id": "SIM-ELSEWHERE", "updated_at": now})  # another API, still busy
    for row in (dead, alive):
        simulations_repo.insert_simulation(engine, row, now)
    settings = Settings(var_dir=tmp_path, database_url=db_url, stock_file=plentiful_stock)
    try:
        with serving(create_app(settings)) as url, httpx.Client(base_url=url, headers=ADMIN, timeout=30) as client:
            failed = client.get("/api/simulations/SIM-INTERRUPTED").json()
            assert failed["status"] == "failed" and "run it again" in failed["error"]
            assert client.get("/api/simulations/SIM-ELSEWHERE").json()["status"] == "running"
            # The API stops while its own simulation runs (the whole standard scenario: far from done).
            long = client.post("/api/simulations", json={"scenario": "standard"}).json()
            _wait_running(client, long["url"])
        stopped = simulations_repo.get_simulation(engine, long["id"])
        assert stopped is not None and stopped.status == "failed" and "the API stopped" in (stopped.error or "")
    finally:
        engine.dispose()


def _wait_running(client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + DONE_WITHIN
    while time.monotonic() < deadline:
        if client.get(url).json()["status"] == "running":
            return
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start within {DONE_WITHIN:.0f} s: {client.get(url).json()}")


def test_the_current_plant_takes_its_open_orders_and_stock(api: tuple[str, Settings], db_url: str) -> None:
    url, settings = api
    engine = make_engine(db_url)
    wall = datetime.now(UTC)
    given = plant_clock(settings).now() + timedelta(days=10)  # the promise the open order's customer holds
    try:
        seed_stock_from_file(engine, wall, settings.stock_file)
        for oid, stage in (("ORD-OPEN0001", "in_production"), ("ORD-DONE0001", "delivered")):
            row = OrderRow(id=oid, sku="ebike-city", options={}, quantity=2, customer_id="c1", customer={},
                           stage=stage, price_total=900.0, currency="EUR", promised_date=given, eta=wall,
                           tracking_token=f"tok-{oid}", plan={}, created_at=wall, updated_at=wall)
            insert_order(engine, row, NewEvent(kind="stage", plant_time=wall, order_id=oid, payload={"stage": stage},
                                               dedupe_key=f"{oid}:{stage}"))
    finally:
        engine.dispose()
    with httpx.Client(base_url=url, headers=ADMIN, timeout=30) as client:
        answer = client.post("/api/simulations", json={"scenario": "current", "orders": 4,
                                                       "changes": [{"kind": "supplier_lead_time",
                                                                    "supplier": "ningbo-global", "factor": 2}]})
        assert answer.status_code == 202, answer.text
        sim = _wait_done(client, answer.json()["url"])
    assert sim["status"] == "done", sim["error"]
    report = sim["report"]
    assert report["scenario"] == "current plant"
    assert report["known_orders"] == {"baseline": 1, "variant": 1}  # the open order, not the delivered one
    assert report["figures"]["c2m"]["baseline"]["orders"] == 5
    assert any("from scratch" in note for note in report["notes"])
    assert any("keep the promises" in note for note in report["notes"])
    # The open order (first in the stream) keeps its promise of 10 plant days from now on both sides, where
    # a fresh c2m promise on plentiful stock would be 2 to 3 days; minutes of plant time pass meanwhile.
    for side in ("baseline", "variant"):
        assert report["lead_times"]["c2m"][side]["promised"][0] == pytest.approx(10, abs=0.1)
    stock = yaml.safe_load((Path(settings.var_dir) / "simulations" / sim["id"] / "stock-now.yaml").read_text())
    on_hand = {s["item"]: s["on_hand"] for s in stock["stock"]}
    assert on_hand["eb-motor-hub-250"] == 100_000 and len(on_hand) > 50  # the database's stock, not the file's
