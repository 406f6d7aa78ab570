"""Orders through the running system: API -> Temporal workflows -> simulators, and back to the API.

One stack (``c2m up`` on free ports, plant clock ×3600, plentiful stock) serves the module; each test
places its own orders.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from orchestrator.orders.stages import HAPPY_PATH
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.inventory_repo import reservations_of
from orchestrator.services.order_relations import order_relations
from orchestrator.settings import DEV_SECRET
from orchestrator.webhooks import verify
from tests.e2e.stack import Stack, plentiful_stock, save_history

pytestmark = pytest.mark.slow

SEED_EXAMPLE = {
    "sku": "aircon-split",
    "options": {"colour": "white", "self_cleaning": True},
    "quantity": 1,
    "customer": {"name": "Li Wei", "email": "li.wei@example.com"},
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("order-path")
    env = {
        "C2M_TIME_SCALE": "3600",
        "C2M_STOCK_FILE": str(plentiful_stock(var_dir / "stock.yaml")),
        "C2M_TRANSIT_HOURS": "4",
        "C2M_QUALITY_CHECK_HOURS": "1",
        "C2M_PACKING_HOURS": "1",
        "C2M_APPROVAL_ESCALATION_HOURS": "2",
    }
    s = Stack(var_dir / "var", env)
    s.start()
    s.start_worker()
    try:
        yield s
    finally:
        s.stop()


CAPTURE = os.environ.get("C2M_CAPTURE_HISTORIES")  # a folder: save the orders' histories for replay tests


def _capture(stack: Stack, name: str, order_id: str) -> None:
    if CAPTURE:
        save_history(stack, order_id, Path(CAPTURE) / f"order_{name}.json")


def work_orders_rows(engine, order_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return order_relations(engine, order_id)[0]


def _stages(order: dict) -> list[str]:
    return [m["payload"]["stage"] for m in order["milestones"] if m["kind"] == "stage"]


def test_the_seed_example_reaches_delivery_with_a_gapless_trail(stack: Stack) -> None:
    placed = stack.place(SEED_EXAMPLE, key=str(uuid.uuid4()))
    assert placed["status"] == "received"
    assert placed["tracking_url"].startswith(f"{stack.api}/track/{placed['id']}?token=")

    done = stack.wait_for(placed["id"], {"delivered"}, timeout=240)
    stages = _stages(done)
    expected = [s.value for s in HAPPY_PATH if s.value not in ("awaiting_approval", "sourcing")]
    assert stages == expected, f"trail {stages}"
    ids = [m["id"] for m in done["milestones"]]
    assert ids == sorted(ids)

    operations = {op["op_id"] for op in done["plan"]["operations"]}
    assert any("self_cleaning" in op for op in operations), operations
    items = {m["item"] for m in done["plan"]["materials"]}
    assert any("white" in i or "ral9016" in i for i in items), items
    assert any("self-cleaning" in i for i in items), items
    assert done["work_orders"], "the order's work orders are listed"
    assert {wo["state"] for wo in done["work_orders"]} == {"completed"}
    assert done["eta"] is not None
    _capture(stack, "happy_path", placed["id"])


def test_a_repeated_post_with_the_same_key_returns_the_same_order(stack: Stack) -> None:
    key = str(uuid.uuid4())
    first = stack.place(SEED_EXAMPLE, key=key)
    again = httpx.post(f"{stack.api}/api/orders", json=SEED_EXAMPLE, headers={**stack.auth, "Idempotency-Key": key},
                       timeout=30)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    listed = stack.get("/api/orders", limit=200).json()
    assert [o["id"] for o in listed["items"]].count(first["id"]) == 1


def test_the_demo_customer_sees_the_orders_placed_for_her_and_a_planner_cannot_order(stack: Stack) -> None:
    placed = stack.place(SEED_EXAMPLE, key=str(uuid.uuid4()))  # by the admin, for li.wei@example.com
    li_wei = stack.demo_key("customer")  # written by `c2m up`
    mine = stack.get("/api/orders", token=li_wei, limit=200).json()["items"]
    assert placed["id"] in [o["id"] for o in mine]
    assert {o["customer_id"] for o in mine} == {placed["customer_id"]}, "a customer lists only her own orders"
    refused = stack.post("/api/orders", SEED_EXAMPLE, token=stack.demo_key("planner"))
    assert refused.status_code == 403, refused.text
    assert stack.get("/api/orders", token="c2m_000000000000_" + "x" * 43).status_code == 401


def test_an_invalid_configuration_is_refused_with_every_problem(stack: Stack) -> None:
    body = {**SEED_EXAMPLE, "options": {"colour": "purple", "capacity": "18k", "inverter": False, "turbo": True}}
    resp = stack.post("/api/orders", body)
    assert resp.status_code == 422
    options = {e["option"] for e in resp.json()["detail"]["errors"]}
    assert {"colour", "turbo"} <= options


def test_a_cancelled_order_leaves_nothing_reserved_or_at_the_mes(stack: Stack) -> None:
    placed = stack.place({**SEED_EXAMPLE, "quantity": 3}, key=str(uuid.uuid4()))
    stack.wait_for(placed["id"], {"scheduled", "in_production"}, timeout=120)
    resp = stack.post(f"/api/orders/{placed['id']}/cancel", {"reason": "changed my mind"})
    assert resp.status_code == 200, resp.text
    done = stack.wait_for(placed["id"], {"cancelled"}, timeout=120)
    kinds = [m["kind"] for m in done["milestones"]]
    assert "compensation" in kinds
    steps = [m["payload"]["step"] for m in done["milestones"] if m["kind"] == "compensation"]
    assert steps == ["withdraw_work_orders", "release_reservations"], "compensations run in reverse order"

    mes_jobs = httpx.get(f"{stack.mes}/api/v1/job-orders", timeout=10).json()
    jobs = mes_jobs if isinstance(mes_jobs, list) else mes_jobs.get("JobResponses", mes_jobs.get("items", []))
    mine = [j for j in jobs if str(j.get("JobOrderID", "")).startswith(placed["id"])]
    assert mine, "its work orders reached the MES"
    assert all(j["JobState"] in ("Withdrawn", "Aborted", "Completed") for j in mine), mine

    engine = make_engine(f"sqlite:///{Path(stack.env['C2M_VAR_DIR']) / 'c2m.db'}")
    try:
        assert reservations_of(engine, placed["id"]) == {}, "nothing stays reserved"
        assert [wo["state"] for wo in work_orders_rows(engine, placed["id"]) if wo["state"] not in
                ("withdrawn", "completed", "aborted")] == []
    finally:
        engine.dispose()
    _capture(stack, "cancel", placed["id"])


def test_a_change_is_accepted_before_production_and_refused_after(stack: Stack) -> None:
    body = {**SEED_EXAMPLE, "special_requests": "the unit must fit a narrow balcony"}
    placed = stack.place(body, key=str(uuid.uuid4()))
    stack.wait_for(placed["id"], {"awaiting_approval"}, timeout=60)

    changed = stack.post(f"/api/orders/{placed['id']}/changes", {"options": {"colour": "silver"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["revision"] == 1

    assert stack.post(f"/api/orders/{placed['id']}/approve", {"comment": "balcony fit checked"}).status_code == 200
    stack.wait_for(placed["id"], {"in_production", "quality_check", "packed", "shipped", "delivered"}, timeout=180)
    refused = stack.post(f"/api/orders/{placed['id']}/changes", {"options": {"colour": "white"}})
    assert refused.status_code == 409
    assert "production has already started" in refused.json()["detail"]
    done = stack.wait_for(placed["id"], {"delivered"}, timeout=240)
    assert done["options"]["colour"] == "silver" or any(
        m["kind"] == "configuration_changed" and m["payload"]["options"]["colour"] == "silver"
        for m in done["milestones"])
    _capture(stack, "change_and_approval", placed["id"])


def test_a_rejected_order_ends_rejected_with_the_comment(stack: Stack) -> None:
    placed = stack.place({**SEED_EXAMPLE, "special_requests": "paint it gold"}, key=str(uuid.uuid4()))
    stack.wait_for(placed["id"], {"awaiting_approval"}, timeout=60)
    deadline = time.monotonic() + 60  # nobody decides for 2 plant hours (2 s here): the order escalates
    while not any(m["kind"] == "approval_escalated" for m in stack.order(placed["id"])["milestones"]):
        assert time.monotonic() < deadline, "an undecided order was never escalated"
        time.sleep(0.5)
    assert stack.post(f"/api/orders/{placed['id']}/reject", {"comment": "we cannot paint gold"}).status_code == 200
    done = stack.wait_for(placed["id"], {"rejected"}, timeout=60)
    assert done["status_reason"] == "we cannot paint gold"
    not_waiting = stack.post(f"/api/orders/{placed['id']}/approve")
    assert not_waiting.status_code == 409
    _capture(stack, "rejected", placed["id"])


def test_a_slipped_order_tells_its_customer_first(stack: Stack, asn_receiver) -> None:  # type: ignore[no-untyped-def]
    # 20 units keep the paint shop busy for over a wall second at this clock: time to hit the running job.
    placed = stack.place({**SEED_EXAMPLE, "quantity": 20, "notify_url": asn_receiver.url}, key=str(uuid.uuid4()))
    order_id = placed["id"]

    def painting_mine() -> bool:
        lines = stack.get("/api/lines").json()["lines"]
        return any(v["line"] == "PNT1" and (v["job_order_id"] or "").startswith(order_id) for v in lines)

    deadline = time.monotonic() + 120
    while True:
        assert time.monotonic() < deadline, "the order's painting never started (or always ended before the fault)"
        if not painting_mine():
            time.sleep(0.1)
            continue
        fault = httpx.post(f"{stack.mes}/api/v1/admin/lines/PNT1/fault", timeout=10, json={
            "mode": "hold", "reason": "paint booth filter clogged", "duration_seconds": 4 * 86400})
        if fault.status_code == 200:
            break
        assert fault.status_code == 409, fault.text  # the job ended between the two calls: try the next one

    deadline = time.monotonic() + 120
    delay: dict | None = None
    while delay is None:
        assert time.monotonic() < deadline, "no delay notice"
        order = stack.order(order_id)
        delay = next((m for m in order["milestones"] if m["kind"] == "delay"), None)
        time.sleep(0.5)
    assert order["status"] not in ("shipped", "delivered")
    assert "sorry" in delay["payload"]["message"].lower()
    promised = datetime.fromisoformat(placed["promised_date"])
    assert datetime.fromisoformat(delay["payload"]["new_date"]) > promised
    assert datetime.fromisoformat(delay["plant_time"]) < promised, "told before the promised date"

    deadline = time.monotonic() + 60
    while not any(b"delay" in w.body for w in asn_receiver.bodies()):
        assert time.monotonic() < deadline, "the notice never reached the customer's URL"
        time.sleep(0.2)
    hook = next(w for w in asn_receiver.bodies() if b"delay" in w.body)
    signature = {k.lower(): v for k, v in hook.headers.items()}["x-c2m-signature"]
    verify(DEV_SECRET, signature, hook.body, time.time())


def test_a_held_order_waits_until_released(stack: Stack) -> None:
    placed = stack.place({**SEED_EXAMPLE, "special_requests": "deliver after 18:00"}, key=str(uuid.uuid4()))
    order_id = placed["id"]
    stack.wait_for(order_id, {"awaiting_approval"}, timeout=60)
    held = stack.post(f"/api/orders/{order_id}/hold")
    assert held.status_code == 200 and held.json()["held"] is True
    # The planner's request is on the trail at once (the console shows it), before the workflow acts on it.
    assert [m["payload"] for m in stack.order(order_id)["milestones"] if m["kind"] == "hold_requested"] == \
        [{"by": "planner"}]
    assert stack.post(f"/api/orders/{order_id}/approve", {"comment": "ok"}).status_code == 200
    deadline = time.monotonic() + 30
    while not any(m["kind"] == "held" for m in stack.order(order_id)["milestones"]):
        assert time.monotonic() < deadline, "the hold was never recorded"
        time.sleep(0.3)
    time.sleep(2)  # two plant hours pass: a held order does not move on
    assert stack.order(order_id)["status"] == "awaiting_approval"
    assert stack.post(f"/api/orders/{order_id}/release").status_code == 200
    done = stack.wait_for(order_id, {"delivered"}, timeout=240)
    kinds = [m["kind"] for m in done["milestones"]]
    assert kinds.count("released") == 1 and kinds.count("release_requested") == 1
