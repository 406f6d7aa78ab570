"""Thirty orders while workers are killed with SIGKILL: every order is delivered, nothing is doubled."""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orchestrator.persistence.db import make_engine
from orchestrator.persistence.inventory_repo import reservations_of
from orchestrator.persistence.purchasing_repo import purchase_orders
from tests.e2e.stack import Stack, fast_suppliers
from workflows.contracts import parse_work_order_id

pytestmark = pytest.mark.slow

VARIANTS = [
    ("aircon-split", {"colour": "white", "self_cleaning": True}),
    ("aircon-split", {"colour": "silver", "capacity": "18k", "inverter": True}),
    ("aircon-split", {"colour": "champagne", "wifi": True}),
    ("ebike-city", {}),
    ("ebike-city", {"battery": "540wh", "colour": "matt_black"}),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("durability")
    env = {
        "C2M_TIME_SCALE": "3600",
        "C2M_SUPPLIERS_FILE": str(fast_suppliers(var_dir / "suppliers.yaml", factor=0.02)),
        "C2M_TRANSIT_HOURS": "4",
        "C2M_QUALITY_CHECK_HOURS": "1",
        "C2M_PACKING_HOURS": "1",
    }
    s = Stack(var_dir / "var", env)
    s.start()
    try:
        yield s
    finally:
        s.stop()


# First in the module: it needs the 18k parts out of stock, and the orders of later tests buy them in lots
# whose surplus stays on the shelf.
def test_cancelling_while_buying_cancels_the_open_purchase_orders(stack: Stack) -> None:
    """A cancel during sourcing leaves no open PO at the suppliers and nothing reserved."""
    worker = stack.start_worker()
    try:
        _cancel_while_buying(stack)
    finally:  # the next test counts on its own worker being the only one it kills
        stack.kill_worker(worker)


def _cancel_while_buying(stack: Stack) -> None:
    body = {"sku": "aircon-split", "options": {"colour": "champagne", "capacity": "18k", "inverter": True},
            "quantity": 1, "customer": {"name": "Cancel", "email": "cancel@example.com"}}
    order_id = stack.place(body)["id"]
    deadline = time.monotonic() + 120
    while not any(m["kind"] == "po_placed" for m in stack.order(order_id)["milestones"]):
        assert time.monotonic() < deadline, "the order never placed a purchase order"
        time.sleep(0.2)
    assert stack.post(f"/api/orders/{order_id}/cancel", {"reason": "found a cheaper one"}).status_code == 200
    done = stack.wait_for(order_id, {"cancelled"}, timeout=180)
    assert any(m["kind"] == "compensation" for m in done["milestones"])

    engine = make_engine(f"sqlite:///{Path(stack.env['C2M_VAR_DIR']) / 'c2m.db'}")
    try:
        ours = purchase_orders(engine, order_id=order_id)
        assert reservations_of(engine, order_id) == {}
    finally:
        engine.dispose()
    assert ours, "the order bought something before it was cancelled"
    open_states = {"accepted", "changed", "placing", "open"}
    for po in ours:
        held = httpx.get(f"{stack.suppliers}/admin/suppliers/{po.supplier}/purchase-orders", timeout=30).json()
        status = next((p["status"] for p in held if p["po_id"] == po.po_id), None)
        assert status not in open_states, f"{po.po_id} at {po.supplier} is still {status}"


@pytest.mark.timeout(900)
def test_thirty_orders_survive_killed_workers_without_loss_or_duplicates(stack: Stack) -> None:
    rng = random.Random(7)
    worker = stack.start_worker()
    orders = []
    for n in range(30):
        sku, options = VARIANTS[n % len(VARIANTS)]
        body = {"sku": sku, "options": options, "quantity": 1 + n % 2,
                "customer": {"name": f"Customer {n}", "email": f"c{n}@example.com"}}
        orders.append(stack.place(body, key=f"durability-{n}")["id"])

    kills = 0
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        statuses = {oid: stack.order(oid)["status"] for oid in orders}
        if all(s in ("delivered", "failed", "cancelled", "rejected") for s in statuses.values()):
            break
        if kills < 5:
            time.sleep(rng.uniform(3, 10))
            stack.kill_worker(worker)
            kills += 1
            worker = stack.start_worker()
        else:
            time.sleep(2)
    assert kills == 5
    final = {oid: stack.order(oid) for oid in orders}
    assert Counter(o["status"] for o in final.values()) == Counter({"delivered": 30}), {
        oid: (o["status"], o["status_reason"]) for oid, o in final.items() if o["status"] != "delivered"}

    # Exactly one work order per operation at the MES.
    jobs = httpx.get(f"{stack.mes}/api/v1/job-orders", timeout=30).json()["JobResponses"]
    per_op = Counter(parse_work_order_id(j["JobOrderID"])[:2] for j in jobs
                     if j["JobOrderID"].split(".")[0] in final)
    for oid, order in final.items():
        ops = {op["op_id"] for op in order["plan"]["operations"]}
        assert {op for (o, op) in per_op if o == oid} == ops, oid
    assert max(per_op.values()) == 1, [k for k, v in per_op.items() if v > 1]

    # Exactly one live purchase order per sourced need at the suppliers.
    engine = make_engine(f"sqlite:///{Path(stack.env['C2M_VAR_DIR']) / 'c2m.db'}")
    try:
        ours = [po for oid in final for po in purchase_orders(engine, order_id=oid)]
    finally:
        engine.dispose()
    need_of = {po.po_id: po.need_id for po in ours}
    live = defaultdict(list)
    suppliers = {po.supplier for po in ours}
    for supplier in suppliers:
        held = httpx.get(f"{stack.suppliers}/admin/suppliers/{supplier}/purchase-orders", timeout=30).json()
        for po in held:
            if po["po_id"] in need_of and po["status"] not in ("rejected", "cancelled"):
                live[need_of[po["po_id"]]].append(po["po_id"])
    assert ours, "some orders had to buy material"
    assert all(len(pos) == 1 for pos in live.values()), {n: p for n, p in live.items() if len(p) != 1}
    assert set(live) == {po.need_id for po in ours if po.state not in ("rejected", "cancelled", "placing")}


@pytest.mark.timeout(600)
def test_orders_continue_after_the_whole_stack_restarts(stack: Stack) -> None:
    """Temporal, the simulators and the API restart (state under var/); in-flight orders carry on."""
    if not any(w.poll() is None for w in stack.workers):
        stack.start_worker()
    placed = [stack.place({"sku": sku, "options": options, "quantity": 1,
                           "customer": {"name": "Restart", "email": "restart@example.com"}})["id"]
              for sku, options in VARIANTS[:3]]
    stack.wait_for(placed[0], {"materials_reserved", "sourcing", "scheduled", "in_production"}, timeout=120)
    stack.stop()
    stack.workers.clear()
    stack.start()
    stack.start_worker()
    for oid in placed:
        done = stack.wait_for(oid, {"delivered"}, timeout=600)
        stages = [m["payload"]["stage"] for m in done["milestones"] if m["kind"] == "stage"]
        assert stages[-1] == "delivered" and len(stages) == len(set(stages)), stages
