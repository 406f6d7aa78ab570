"""Live event streams over real HTTP: ordered ids, per-order filtering, exact resume with Last-Event-ID."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from orchestrator.api.app import create_app
from orchestrator.persistence.events import NewEvent, record_events
from orchestrator.persistence.orders_repo import insert_order
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.settings import Settings
from tests.support.auth import ADMIN
from tests.support.servers import serving


def _read_events(resp: httpx.Response, count: int, timeout: float = 10.0) -> list[dict]:
    events: list[dict] = []
    current: dict = {}
    deadline = time.monotonic() + timeout
    for line in resp.iter_lines():
        if time.monotonic() > deadline:
            break
        if line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
        elif line == "" and current:
            events.append(current)
            current = {}
            if len(events) >= count:
                break
    return events


def _event(order_id: str | None, n: int) -> NewEvent:
    return NewEvent(kind="test", plant_time=datetime.now(UTC), order_id=order_id, payload={"n": n},
                    dedupe_key=f"{order_id}:{n}")


def _order(order_id: str) -> OrderRow:
    now = datetime.now(UTC)
    return OrderRow(id=order_id, sku="aircon-split", options={}, quantity=1, customer_id="c1", customer={},
                    stage="received", price_total=1.0, currency="EUR", promised_date=now, tracking_token="t",
                    plan={}, created_at=now, updated_at=now)


def test_streams_deliver_in_order_and_resume_exactly(tmp_path: Path, db_url: str, engine: Engine) -> None:
    settings = Settings(var_dir=tmp_path, database_url=db_url)
    insert_order(engine, _order("A"), _event("A", 0))
    insert_order(engine, _order("B"), _event("B", 0))
    with serving(create_app(settings)) as base, httpx.Client(base_url=base, timeout=15, headers=ADMIN) as http:
        def writer() -> None:
            for n in range(1, 21):
                record_events(engine, [_event("A" if n % 2 else "B", n)])
                time.sleep(0.01)

        with http.stream("GET", "/api/plant/events") as plant:
            assert plant.headers["content-type"].startswith("text/event-stream")
            thread = threading.Thread(target=writer)
            thread.start()
            seen = _read_events(plant, 22)
            thread.join()
        ids = [e["id"] for e in seen]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) == 22
        a_ids = [e["id"] for e in seen if e["data"]["order_id"] == "A"]

        # A client of order A that saw its first three events reconnects: it gets exactly the rest.
        with http.stream("GET", "/api/orders/A/events", headers={"Last-Event-ID": str(a_ids[2])}) as resumed:
            rest = _read_events(resumed, len(a_ids) - 3)
        assert [e["id"] for e in rest] == a_ids[3:]
        assert {e["data"]["order_id"] for e in rest} == {"A"}
        assert http.get("/api/orders/nope/events").status_code == 404


def test_a_bad_resume_point_is_a_clear_error(tmp_path: Path, db_url: str) -> None:
    settings = Settings(var_dir=tmp_path, database_url=db_url)
    with serving(create_app(settings)) as base:
        resp = httpx.get(f"{base}/api/plant/events", headers={"Last-Event-ID": "yesterday", **ADMIN}, timeout=5)
    assert resp.status_code == 400
    assert "Last-Event-ID" in resp.json()["detail"]
