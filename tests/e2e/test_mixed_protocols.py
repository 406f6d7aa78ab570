"""A plant whose lines speak two protocols, on the running system: two lines over OPC UA (FAB1, PCK1),
two over MQTT Sparkplug B (PNT1, ASM1), as ``plant/mixed-protocols.yaml`` ships them.

One stack for the module (``c2m up`` with that plant file, plant clock ×3600, plentiful stock) and a
private Mosquitto on a free port (the machine's broker is never restarted). The first test delivers
orders through all four lines and reads the tracker's stream: a Sparkplug line's progress looks like an
OPC UA line's. The second restarts the broker while a Sparkplug line runs a job that finishes during the
outage: after the rebirth the completion is recorded once and every order is delivered.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from orchestrator.persistence.db import make_engine
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.work_orders_repo import work_orders_of
from tests.e2e.stack import Stack, plentiful_stock
from tests.support.event_stream import EventStreamFollower
from tests.support.mqtt_broker import MOSQUITTO, PrivateBroker
from tests.support.order_invariants import check_batch
from tests.support.processes import ROOT, wait_until

pytestmark = pytest.mark.slow

PLANT_FILE = ROOT / "plant" / "mixed-protocols.yaml"
SHIPPED_BROKER = "mqtt://127.0.0.1:1883/"
OPCUA_LINES = {"FAB1", "PCK1"}
SPARKPLUG_LINES = {"PNT1", "ASM1"}
# Job events the tracker shows for a work order, whatever protocol its line speaks.
JOB_KINDS = ("work_order_started", "line_progress", "work_order_completed")
AIRCON = {"sku": "aircon-split", "options": {"colour": "white", "self_cleaning": True},
          "customer": {"name": "Li Wei", "email": "li.wei@example.com"}}
EBIKE = {"sku": "ebike-city", "options": {}, "customer": {"name": "Li Wei", "email": "li.wei@example.com"}}
DELIVERY_TIMEOUT = 150.0


def plant_on_broker(path: Path, port: int) -> Path:
    """The shipped mixed plant file with its Sparkplug lines on the broker at 127.0.0.1:``port``."""
    text = PLANT_FILE.read_text(encoding="utf-8")
    assert SHIPPED_BROKER in text, f"{PLANT_FILE} no longer names {SHIPPED_BROKER}"
    path.write_text(text.replace(SHIPPED_BROKER, f"mqtt://127.0.0.1:{port}/"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    if not MOSQUITTO.exists():
        pytest.skip(f"{MOSQUITTO} is not installed; the mixed plant needs a private MQTT broker")
    b = PrivateBroker(tmp_path_factory.mktemp("mosquitto"))
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, broker: PrivateBroker) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("mixed-protocols")
    env = {
        "C2M_TIME_SCALE": "3600",
        "C2M_PLANT_FILE": str(plant_on_broker(var_dir / "plant.yaml", broker.port)),
        "C2M_STOCK_FILE": str(plentiful_stock(var_dir / "stock.yaml")),
        "C2M_TRANSIT_HOURS": "4",
        "C2M_QUALITY_CHECK_HOURS": "1",
        "C2M_PACKING_HOURS": "1",
        "C2M_APPROVAL_VALUE_THRESHOLD": "100000000",  # 20 air conditioners go straight to the plant
        "C2M_SSE_HEARTBEAT_SECONDS": "1",
    }
    s = Stack(var_dir / "var", env)
    try:
        s.start()
        s.start_worker()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def engine(stack: Stack) -> Iterator[Engine]:
    e = make_engine(f"sqlite:///{Path(stack.env['C2M_VAR_DIR']) / 'c2m.db'}")
    yield e
    e.dispose()


def _tracker(stack: Stack, placed: dict[str, Any]) -> EventStreamFollower:
    """The order's event stream, read with its tracking link's token, as the tracker page reads it."""
    token = parse_qs(urlsplit(placed["tracking_url"]).query)["token"][0]
    return EventStreamFollower(f"{stack.api}/api/orders/{placed['id']}/events", params={"token": token}).start()


def _job_events(events: list[dict[str, Any]], lines: set[str]) -> dict[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in JOB_KINDS}
    for e in events:
        if e["kind"] in by_kind and e["line"] in lines:
            by_kind[e["kind"]].append(e)
    return by_kind


def _line_events(engine: Engine, line: str, kind: str, after_id: int = 0) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(EVENTS.c.id, EVENTS.c.payload).where(
            EVENTS.c.line == line, EVENTS.c.kind == kind, EVENTS.c.id > after_id).order_by(EVENTS.c.id)).all()
    return [{"id": i, **(p or {})} for i, p in rows]


def _completions(engine: Engine, work_order_id: str) -> int:
    with engine.connect() as conn:
        payloads = conn.execute(select(EVENTS.c.payload).where(EVENTS.c.kind == "work_order_completed")).scalars()
        return sum(1 for p in payloads if (p or {}).get("work_order_id") == work_order_id)


def _last_event_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(EVENTS.c.id).order_by(EVENTS.c.id.desc()).limit(1)).scalar() or 0)


def test_orders_are_made_on_all_four_lines_and_the_tracker_cannot_tell_the_protocols_apart(
    stack: Stack, engine: Engine,
) -> None:
    tracked = stack.place({**AIRCON, "quantity": 3}, key=str(uuid.uuid4()))
    tracker = _tracker(stack, tracked)
    try:
        ebike = stack.place({**EBIKE, "quantity": 2}, key=str(uuid.uuid4()))
        order_ids = [tracked["id"], ebike["id"]]
        for oid in order_ids:
            stack.wait_for(oid, {"delivered"}, timeout=DELIVERY_TIMEOUT)
        events = tracker.wait_for(
            lambda evs: any(e["kind"] == "stage" and e["payload"].get("stage") == "delivered" for e in evs),
            30, "the tracked order's delivery")
    finally:
        tracker.stop()

    completed_on = {wo.line for oid in order_ids for wo in work_orders_of(engine, oid) if wo.state == "completed"}
    assert completed_on >= OPCUA_LINES | SPARKPLUG_LINES, f"completed work orders only on {sorted(completed_on)}"

    opcua, sparkplug = _job_events(events, OPCUA_LINES), _job_events(events, SPARKPLUG_LINES)
    for kind in JOB_KINDS:
        assert opcua[kind], f"the tracker saw no {kind} from an OPC UA line"
        assert sparkplug[kind], f"the tracker saw no {kind} from a Sparkplug line"
        fields = {frozenset(e["payload"]) for e in opcua[kind] + sparkplug[kind]}
        assert len(fields) == 1, f"{kind} carries different fields by protocol: {[sorted(f) for f in fields]}"
        assert {e["order_id"] for e in opcua[kind] + sparkplug[kind]} == {tracked["id"]}
    progress = [e["payload"]["produced"] for e in sparkplug["line_progress"]]
    assert max(progress) >= 1, f"Sparkplug progress never counted a unit: {progress}"

    # The planner's line board: the same live fields for every line; only the integrations page names the protocol.
    lines = {v["line"]: v for v in stack.get("/api/lines").json()["lines"]}
    assert set(lines) == OPCUA_LINES | SPARKPLUG_LINES
    for line, view in lines.items():
        assert view["connection"] == "connected" and view["state_name"] is not None, f"{line}: {view}"
    adapters = {a["endpoint"]: a for a in stack.get("/api/integrations").json()["adapters"] if a["kind"] == "line"}
    assert {line: a["adapter"] for line, a in adapters.items()} == {
        **dict.fromkeys(OPCUA_LINES, "opcua"), **dict.fromkeys(SPARKPLUG_LINES, "sparkplug")}
    assert all(adapters[line]["url"].startswith("mqtt://127.0.0.1:") for line in SPARKPLUG_LINES), adapters
    assert {a["state"] for a in adapters.values()} == {"connected"}, adapters
    facts = check_batch(stack.api, stack.mes, stack.suppliers, engine, order_ids, auth=stack.auth)
    assert facts.problems == [], "\n".join(facts.problems)


def test_a_broker_restart_mid_job_loses_no_completion(stack: Stack, engine: Engine, broker: PrivateBroker) -> None:
    placed = stack.place({**AIRCON, "quantity": 20}, key=str(uuid.uuid4()))
    order_id = placed["id"]

    running: dict[str, str] = {}

    def assembling_mine() -> bool:  # with at least half the job to go: it must not end before the broker stops
        for v in stack.get("/api/lines").json()["lines"]:
            if v["line"] == "ASM1" and (v["job_order_id"] or "").startswith(order_id) \
                    and v["state_name"] == "Execute" and (v["produced_quantity"] or 0) <= v["planned_quantity"] // 2:
                running["job"] = v["job_order_id"]
                return True
        return False

    wait_until(assembling_mine, 120, f"ASM1 running a job of {order_id}")
    job = running["job"]
    before = _last_event_id(engine)

    broker.stop()
    stopped_at = time.monotonic()

    def finished_at_the_mes() -> bool:  # the MES follows the line over OPC UA: it sees the job end meanwhile
        jobs = httpx.get(f"{stack.mes}/api/v1/job-orders", timeout=10).json()["JobResponses"]
        return any(j["JobOrderID"] == job and j["JobState"] == "Completed" for j in jobs)

    wait_until(finished_at_the_mes, 60, f"{job} completed on ASM1 while the broker is down")
    assert _completions(engine, job) == 0, "no completion can be seen while the broker is down"
    wait_until(lambda: bool(_line_events(engine, "ASM1", "line_connection", before)), 30,
               "the ASM1 monitor noticing the lost broker")
    outage = time.monotonic() - stopped_at
    broker.start()
    restarted_at = time.monotonic()

    def back(line: str) -> bool:
        statuses = [e["status"] for e in _line_events(engine, line, "line_connection", before)]
        return bool(statuses) and statuses[-1] == "connected"

    wait_until(lambda: back("ASM1"), 60, "ASM1's link back after the broker restart")
    reconnected_after = time.monotonic() - restarted_at
    wait_until(lambda: _completions(engine, job) >= 1, 60, f"{job}'s completion after the broker came back")
    completion_after = time.monotonic() - restarted_at
    connected = _line_events(engine, "ASM1", "line_connection", before)
    assert [e["status"] for e in connected][:1] == ["reconnecting"], connected
    assert connected[-1]["status"] == "connected", f"ASM1 never reported its link back: {connected}"

    stack.wait_for(order_id, {"delivered"}, timeout=DELIVERY_TIMEOUT)
    assert _completions(engine, job) == 1, f"{job} completion recorded more than once"
    assert back("PNT1"), f"PNT1: {_line_events(engine, 'PNT1', 'line_connection', before)}"
    facts = check_batch(stack.api, stack.mes, stack.suppliers, engine, [order_id], auth=stack.auth)
    assert facts.problems == [], "\n".join(facts.problems)
    print(f"\nbroker down {outage:.1f} s; ASM1 connected again {reconnected_after:.1f} s and {job}'s completion "
          f"recorded {completion_after:.1f} s after the restart; ASM1 link: {[e['status'] for e in connected]}")
