"""Faults injected into the real stack while orders are in flight; after each, every order is delivered
with nothing lost, doubled or leaked.

One stack for the module, each part its own process (so one can be restarted alone) on a private
PostgreSQL (so the database itself can be restarted): plant clock ×3600, plentiful stock except the
Wi-Fi module, which every batch has to buy. A baseline batch runs first with no fault; each later test
places the same batch, injects one fault mid-flight, heals it and checks the invariants. The figures
(recovery time, lead times against the baseline, retries) go to ``tests/artifacts/fault-report.*``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from orchestrator.persistence.db import make_engine
from tests.e2e.stack import fast_suppliers, plentiful_stock
from tests.support.fault_report import FaultFigures, activity_retries, write_report
from tests.support.order_invariants import check_batch
from tests.support.parts_stack import PartsStack
from tests.support.postgres_server import PostgresServer, PostgresUnavailable
from tests.support.processes import ROOT

pytestmark = pytest.mark.slow

BOUGHT_ITEM = "ac-wifi-module"  # the one item never in stock: every batch buys it
BATCH = [
    ("aircon-split", {"colour": "white", "wifi": True}),
    ("aircon-split", {"colour": "silver", "capacity": "18k", "inverter": True, "wifi": True}),
    ("aircon-split", {"colour": "white", "self_cleaning": True}),
    ("aircon-split", {"colour": "champagne", "wifi": True}),
    ("ebike-city", {}),
    ("ebike-city", {"battery": "540wh", "colour": "matt_black"}),
]
DELIVERY_TIMEOUT = 180.0  # wall seconds for a batch to be delivered after its fault is healed
ACTIVE = {"in_production", "quality_check", "packed", "shipped", "delivered"}


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(f"fault-injection suite needs a private PostgreSQL: {exc}")
    try:
        server.init()
        yield server
    finally:
        server.destroy()


@pytest.fixture(scope="module")
def figures() -> Iterator[list[FaultFigures]]:
    collected: list[FaultFigures] = []
    yield collected
    if collected:
        print("\n" + write_report(collected, ROOT / "tests" / "artifacts"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, pg: PostgresServer) -> Iterator[PartsStack]:
    var_dir = tmp_path_factory.mktemp("faults")
    stock = plentiful_stock(var_dir / "stock.yaml")
    env = {
        "C2M_TIME_SCALE": "3600",
        "C2M_STOCK_FILE": str(stock),
        "C2M_SUPPLIERS_FILE": str(fast_suppliers(var_dir / "suppliers.yaml", factor=0.02)),
        "C2M_TRANSIT_HOURS": "4",
        "C2M_QUALITY_CHECK_HOURS": "1",
        "C2M_PACKING_HOURS": "1",
    }
    s = PartsStack(var_dir / "var", pg.url, env)
    try:
        s.start()
        s.start_worker()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def engine(stack: PartsStack, pg: PostgresServer) -> Iterator[Engine]:
    e = make_engine(pg.url)
    yield e
    e.dispose()


# --- one batch under one fault ---------------------------------------------------------------------


def _order(stack: PartsStack, oid: str) -> dict[str, Any]:
    resp = httpx.get(f"{stack.api}/api/orders/{oid}", headers=stack.auth, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _place(stack: PartsStack, fault: str, n: int) -> str:
    sku, options = BATCH[n % len(BATCH)]
    body = {"sku": sku, "options": options, "quantity": 1,
            "customer": {"name": f"Fault {fault} {n}", "email": f"{fault}-{n}@example.com"}}
    resp = httpx.post(f"{stack.api}/api/orders", json=body,
                      headers={**stack.auth, "Idempotency-Key": f"fault-{fault}-{n}"}, timeout=30)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def _drain_bought_item(engine: Engine) -> None:
    """A stocktake finds no free Wi-Fi modules: the surplus a previous batch bought is gone, so this batch buys."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE stock SET on_hand = reserved WHERE item = :item"), {"item": BOUGHT_ITEM})


def wait_for(what: str, check: Callable[[], bool], timeout: float = 120, every: float = 0.2) -> float:
    """Poll ``check`` until true; fail naming ``what`` after ``timeout``. Returns the seconds it took."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout:.0f} s"
        time.sleep(every)
    return time.monotonic() - start


def _any_status(stack: PartsStack, orders: list[str], wanted: set[str]) -> Callable[[], bool]:
    return lambda: any(_order(stack, oid)["status"] in wanted for oid in orders)


def _last_event(stack: PartsStack, orders: list[str]) -> int:
    return max((m["id"] for oid in orders for m in _order(stack, oid)["milestones"]), default=0)


def _healthy(stack: PartsStack) -> bool:
    try:
        return httpx.get(f"{stack.api}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def run_batch(stack: PartsStack, engine: Engine, figures: list[FaultFigures], fault: str,
              inject: Callable[[list[str]], dict[str, Any]] | None) -> FaultFigures:
    """Place the batch, inject the fault, wait for delivery, check every invariant, record the figures."""
    _drain_bought_item(engine)
    placed_at: dict[str, float] = {}
    orders = []
    for n in range(len(BATCH)):
        orders.append(_place(stack, fault, n))
        placed_at[orders[-1]] = time.monotonic()
    fig = FaultFigures(fault=fault, orders=len(orders))
    if inject is not None:
        before = _last_event(stack, orders)
        fault_at = time.monotonic()
        fig.notes.update(inject(orders))
        fig.health_back_s = round(_until(lambda: _healthy(stack), 120, f"{fault}: health back to 200") - fault_at, 1)
        fig.progress_back_s = round(_until(lambda: _last_event(stack, orders) > before, 120,
                                           f"{fault}: orders progressing again") - fault_at, 1)
    delivered_at: dict[str, float] = {}
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while len(delivered_at) < len(orders) and time.monotonic() < deadline:
        for oid in orders:
            if oid not in delivered_at and _order(stack, oid)["status"] in ("delivered", "failed", "cancelled"):
                delivered_at[oid] = time.monotonic()
        time.sleep(0.5)
    leads = [delivered_at[o] - placed_at[o] for o in delivered_at]
    fig.max_lead_s = round(max(leads), 1) if leads else None
    fig.mean_lead_s = round(sum(leads) / len(leads), 1) if leads else None
    facts = check_batch(stack.api, stack.mes, stack.suppliers, engine, orders, stack.auth)
    fig.delivered = facts.delivered
    fig.purchase_orders = facts.purchase_orders
    fig.po_reattempts = facts.po_attempts_beyond_first
    fig.work_orders = facts.work_orders
    fig.work_order_reruns = facts.work_order_reruns
    fig.reservations_still_active = facts.reservations_still_active
    fig.problems = facts.problems
    workflows = orders + [str(po["workflow_id"]) for oid in orders for po in _order(stack, oid)["purchase_orders"]]
    fig.activity_retries = activity_retries(stack.env["C2M_TEMPORAL_ADDRESS"], sorted(set(workflows)))
    figures.append(fig)
    assert facts.purchase_orders, "the batch bought its Wi-Fi modules (purchase orders are exercised)"
    assert not facts.problems, "\n".join(facts.problems)
    return fig


def _until(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until ``check`` holds; the monotonic time at which it did."""
    wait_for(what, check, timeout)
    return time.monotonic()


# --- the faults ----------------------------------------------------------------------------------


def test_baseline_batch_without_faults(stack: PartsStack, engine: Engine, figures: list[FaultFigures]) -> None:
    fig = run_batch(stack, engine, figures, "baseline", None)
    assert fig.delivered == len(BATCH)


def test_worker_killed_mid_order(stack: PartsStack, engine: Engine, figures: list[FaultFigures]) -> None:
    def inject(orders: list[str]) -> dict[str, Any]:
        wait_for("an order in production", _any_status(stack, orders, ACTIVE))
        for worker in stack.live_workers():
            stack.kill_worker(worker)
        stack.start_worker()
        return {"fault": "worker SIGKILL with an order in production; a new worker started"}

    run_batch(stack, engine, figures, "worker_killed", inject)


def test_temporal_dev_server_restarted(stack: PartsStack, engine: Engine, figures: list[FaultFigures]) -> None:
    def inject(orders: list[str]) -> dict[str, Any]:
        wait_for("an order in production", _any_status(stack, orders, ACTIVE))
        down = stack.restart_part("temporal")
        return {"fault": "Temporal dev server stopped (SIGTERM) and started again on its database",
                "server_back_s": round(down, 1)}

    run_batch(stack, engine, figures, "temporal_restarted", inject)


def _running_work_order(stack: PartsStack, orders: list[str]) -> Callable[[], bool]:
    def check() -> bool:
        lines = httpx.get(f"{stack.api}/api/lines", headers=stack.auth, timeout=10).json()["lines"]
        return any((v.get("job_order_id") or "").split(".")[0] in orders for v in lines)
    return check


def test_opcua_simulator_restarted_mid_job(stack: PartsStack, engine: Engine, figures: list[FaultFigures]) -> None:
    def inject(orders: list[str]) -> dict[str, Any]:
        wait_for("a work order of the batch running on a line", _running_work_order(stack, orders))
        down = stack.restart_part("opcua")
        return {"fault": "OPC UA plant simulator stopped (SIGTERM) with a job running, started again",
                "server_back_s": round(down, 1)}

    run_batch(stack, engine, figures, "opcua_restarted", inject)


def test_mes_simulator_restarted(stack: PartsStack, engine: Engine, figures: list[FaultFigures]) -> None:
    def inject(orders: list[str]) -> dict[str, Any]:
        wait_for("a work order of the batch running on a line", _running_work_order(stack, orders))
        down = stack.restart_part("mes")
        return {"fault": "MES simulator stopped (SIGTERM) with a job running, started again",
                "server_back_s": round(down, 1)}

    run_batch(stack, engine, figures, "mes_restarted", inject)


def test_suppliers_down_for_a_while(stack: PartsStack, engine: Engine, figures: list[FaultFigures]) -> None:
    def po_open(orders: list[str]) -> bool:
        return any(po["state"] in ("accepted", "changed") for oid in orders
                   for po in _order(stack, oid)["purchase_orders"])

    def inject(orders: list[str]) -> dict[str, Any]:
        wait_for("a purchase order placed and not yet received", lambda: po_open(orders))
        assert httpx.put(f"{stack.suppliers}/admin/faults", json={"down": True}, timeout=10).status_code == 200
        time.sleep(8)  # the outage: 8 plant hours in which every supplier answers 503 (nothing to poll for)
        assert httpx.delete(f"{stack.suppliers}/admin/faults", timeout=10).status_code == 200
        return {"fault": "every supplier answered 503 for 8 s (8 plant hours) with a PO open"}

    run_batch(stack, engine, figures, "suppliers_down", inject)


def test_postgres_restarted_under_the_api(stack: PartsStack, engine: Engine, pg: PostgresServer,
                                          figures: list[FaultFigures]) -> None:
    outage: dict[str, Any] = {}

    def inject(orders: list[str]) -> dict[str, Any]:
        wait_for("an order in production", _any_status(stack, orders, ACTIVE))
        pg.stop()
        try:
            health = httpx.get(f"{stack.api}/health", timeout=30)
            outage["health"] = health.status_code
            outage["database"] = health.json()["components"]["database"]["state"]
            body = {"sku": "ebike-city", "options": {}, "quantity": 1,
                    "customer": {"name": "During outage", "email": "outage@example.com"}}
            placed = httpx.post(f"{stack.api}/api/orders", json=body, timeout=60,
                                headers={**stack.auth, "Idempotency-Key": "fault-pg-outage"})
            outage["place_status"] = placed.status_code
            outage["place_detail"] = placed.text[:200]
            outage["body"] = body
            time.sleep(3)  # the outage lasts a few plant hours while workers keep retrying (nothing to poll)
        finally:
            pg.start()
        return {"fault": "private PostgreSQL stopped (fast) with orders in production, started 3 s later",
                "health_during_outage": outage["health"], "order_placed_during_outage": outage["place_status"]}

    run_batch(stack, engine, figures, "postgres_restarted", inject)
    assert outage["health"] == 503 and outage["database"] == "down"
    assert outage["place_status"] in (201, 503), f"placing during the outage: {outage['place_detail']}"
    if outage["place_status"] == 503:
        assert "database is unreachable" in outage["place_detail"], outage["place_detail"]
    again = httpx.post(f"{stack.api}/api/orders", json=outage["body"],
                       headers={**stack.auth, "Idempotency-Key": "fault-pg-outage"}, timeout=30)
    # Refused during the outage: nothing was stored, so the retry creates it now (201); accepted: the retry finds it.
    assert again.status_code == (201 if outage["place_status"] == 503 else 200), again.text
    later = check_batch(stack.api, stack.mes, stack.suppliers, engine, [_delivered(stack, again.json()["id"])],
                        stack.auth)
    assert not later.problems, later.problems


def _delivered(stack: PartsStack, oid: str) -> str:
    wait_for(f"{oid} delivered", lambda: _order(stack, oid)["status"] == "delivered", DELIVERY_TIMEOUT, 0.5)
    return oid
