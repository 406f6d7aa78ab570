"""What must hold for a batch of delivered orders, whatever went wrong on the way.

Nothing lost: every order delivered, its trail complete. Nothing doubled: each stage once, each work
order completed once, one live purchase order per need, one MES job order per work order, the materials
issued once. Nothing leaked: no purchase order open, no work order still running at the MES, no finished
order still holding reserved stock (production issued it, or the cancel released it), and the stock
ledger equal to the open reservations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from orchestrator.orders.stages import HAPPY_PATH, TERMINAL, Stage
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.inventory_repo.stock import RESERVATIONS, STOCK, is_open
from orchestrator.persistence.purchasing_repo import purchase_orders
from orchestrator.persistence.work_orders_repo import work_orders_of

# Stages an order may skip: approval (only some orders wait for a planner), sourcing (only when it buys).
OPTIONAL_STAGES = {Stage.AWAITING_APPROVAL.value, Stage.SOURCING.value}
OPEN_PO_STATES = {"placing", "accepted", "changed", "shipped"}
DEAD_PO_STATES = {"rejected", "refused", "unanswered", "cancelled"}
UNFINISHED_WORK_ORDER_STATES = {"planned", "released", "running", "held"}
UNFINISHED_JOB_STATES = {"Waiting", "Ready", "Running", "Held"}


@dataclass
class BatchFacts:
    """What the checks counted, for the report."""

    orders: int = 0
    delivered: int = 0
    purchase_orders: int = 0
    po_attempts_beyond_first: int = 0
    work_orders: int = 0
    work_order_reruns: int = 0
    reservations_still_active: int = 0  # open reservations of the batch's finished orders (each is a problem)
    problems: list[str] = field(default_factory=list)


def _stages(order: dict[str, Any]) -> list[str]:
    return [m["payload"].get("stage", "") for m in order["milestones"] if m["kind"] == "stage"]


def _trail_problems(order: dict[str, Any], bought: bool) -> list[str]:
    oid, stages = order["id"], _stages(order)
    problems = []
    doubled = [s for s, n in Counter(stages).items() if n > 1]
    if doubled:
        problems.append(f"{oid}: stage(s) {doubled} recorded more than once: {stages}")
    required = [s.value for s in HAPPY_PATH if s.value not in OPTIONAL_STAGES or (bought and s == Stage.SOURCING)]
    happy_order = [s.value for s in HAPPY_PATH]
    seen = list(dict.fromkeys(stages))
    if [s for s in seen if s not in OPTIONAL_STAGES or s in required] != required:
        problems.append(f"{oid}: trail {stages} is not the complete happy path {required}")
    elif seen != sorted(seen, key=happy_order.index):
        problems.append(f"{oid}: stages out of order: {stages}")
    ids = [m["id"] for m in order["milestones"]]
    if ids != sorted(ids):
        problems.append(f"{oid}: milestones not in event order")
    completed = Counter(m["payload"].get("work_order_id") for m in order["milestones"]
                        if m["kind"] == "work_order_completed")
    doubled_wo = [w for w, n in completed.items() if n > 1]
    if doubled_wo:
        problems.append(f"{oid}: work order(s) {doubled_wo} completed more than once on the trail")
    issues = sum(1 for m in order["milestones"] if m["kind"] == "materials_issued")
    if issues != 1:
        problems.append(f"{oid}: materials issued {issues} times on the trail (once when production starts)")
    return problems


def _database_problems(engine: Engine, order_ids: list[str], finished: set[str], facts: BatchFacts) -> list[str]:
    problems = []
    with engine.connect() as conn:
        doubled_keys = conn.execute(
            select(EVENTS.c.dedupe_key, func.count())
            .where(EVENTS.c.order_id.in_(order_ids), EVENTS.c.dedupe_key.is_not(None))
            .group_by(EVENTS.c.dedupe_key).having(func.count() > 1)
        ).all()
        held = conn.execute(
            select(RESERVATIONS.c.order_id, RESERVATIONS.c.item, func.count())
            .where(RESERVATIONS.c.order_id.in_(order_ids))
            .group_by(RESERVATIONS.c.order_id, RESERVATIONS.c.item)
        ).all()
        active = conn.execute(
            select(RESERVATIONS.c.order_id, RESERVATIONS.c.item, RESERVATIONS.c.quantity)
            .where(RESERVATIONS.c.order_id.in_(sorted(finished)), is_open())
            .order_by(RESERVATIONS.c.order_id, RESERVATIONS.c.item)
        ).all()
    if doubled_keys:
        problems.append(f"events with the same dedupe key: {doubled_keys}")
    problems += [f"{o}: {n} reservations of {i}" for o, i, n in held if n > 1]
    # A finished order holds nothing: production issued its materials, or a cancel or failure released them.
    # And the stock ledger agrees with the open reservations: a retried reserve, receipt or issue never
    # books stock twice.
    facts.reservations_still_active = len(active)
    problems += [f"{o}: {q:g} {i} still reserved after the order finished" for o, i, q in active]
    problems += [f"stock of {item}: reserved {reserved} but reservations hold {held_sum}"
                 for item, reserved, held_sum in _ledger_mismatches(engine)]
    for oid in order_ids:
        rows = work_orders_of(engine, oid)
        facts.work_orders += len(rows)
        facts.work_order_reruns += sum(1 for r in rows if r.attempt > 1)
        done = Counter(r.op_id for r in rows if r.state == "completed")
        problems += [f"{oid}: operation {op} completed {n} times" for op, n in done.items() if n != 1]
        problems += [f"{oid}: operation {op} never completed" for op in {r.op_id for r in rows} - set(done)]
        problems += [f"{oid}: work order {r.id} left {r.state}" for r in rows
                     if r.state in UNFINISHED_WORK_ORDER_STATES]
    return problems


def _ledger_mismatches(engine: Engine) -> list[tuple[str, float, float]]:
    """Items whose ``stock.reserved`` differs from the sum of their open reservations."""
    with engine.connect() as conn:
        held: dict[str, float] = dict(conn.execute(
            select(RESERVATIONS.c.item, func.sum(RESERVATIONS.c.quantity))
            .where(is_open()).group_by(RESERVATIONS.c.item)
        ).all())
        stock = conn.execute(select(STOCK.c.item, STOCK.c.reserved)).all()
    return [(item, float(reserved), float(held.get(item) or 0.0)) for item, reserved in stock
            if abs(float(reserved) - float(held.get(item) or 0.0)) > 1e-6]


def _purchase_problems(engine: Engine, suppliers_url: str, order_ids: list[str], facts: BatchFacts) -> list[str]:
    ours = [po for oid in order_ids for po in purchase_orders(engine, order_id=oid)]
    facts.purchase_orders = len(ours)
    facts.po_attempts_beyond_first = sum(1 for po in ours if po.attempt > 1)
    problems = [f"{po.order_id}: {po.po_id} at {po.supplier} left {po.state}" for po in ours
                if po.state in OPEN_PO_STATES]
    need_of = {po.po_id: po.need_id for po in ours}
    live: dict[str, list[str]] = defaultdict(list)
    for supplier in sorted({po.supplier for po in ours}):
        held = httpx.get(f"{suppliers_url}/admin/suppliers/{supplier}/purchase-orders", timeout=30).json()
        for po in held:
            if po["po_id"] in need_of and po["status"] not in ("rejected", "cancelled"):
                live[need_of[po["po_id"]]].append(f"{supplier}:{po['po_id']}")
    problems += [f"need {need}: {len(pos)} live purchase orders {pos}" for need, pos in live.items() if len(pos) > 1]
    return problems


def _mes_problems(mes_url: str, order_ids: list[str]) -> list[str]:
    jobs = httpx.get(f"{mes_url}/api/v1/job-orders", timeout=30).json()["JobResponses"]
    mine = [j for j in jobs if j["JobOrderID"].split(".")[0] in set(order_ids)]
    counts = Counter(j["JobOrderID"] for j in mine)
    problems = [f"MES holds job order {jid} {n} times" for jid, n in counts.items() if n > 1]
    problems += [f"MES job order {j['JobOrderID']} left {j['JobState']}" for j in mine
                 if j["JobState"] in UNFINISHED_JOB_STATES]
    return problems


def check_batch(api_url: str, mes_url: str, suppliers_url: str, engine: Engine, order_ids: list[str],
                auth: dict[str, str] | None = None) -> BatchFacts:
    """Check every invariant for ``order_ids``; ``facts.problems`` lists each breach (empty: all held).

    ``auth``: the headers that let the API's reader see any order (a staff key's ``Authorization``)."""
    facts = BatchFacts(orders=len(order_ids))
    bought = {oid for oid in order_ids if purchase_orders(engine, order_id=oid)}
    finished: set[str] = set()
    for oid in order_ids:
        order = httpx.get(f"{api_url}/api/orders/{oid}", headers=auth or {}, timeout=30).json()
        if order["status"] in {s.value for s in TERMINAL}:
            finished.add(oid)
        if order["status"] != "delivered":
            facts.problems.append(f"{oid}: {order['status']} ({order.get('status_reason')}), not delivered")
            continue
        facts.delivered += 1
        facts.problems += _trail_problems(order, oid in bought)
    facts.problems += _database_problems(engine, order_ids, finished, facts)
    facts.problems += _purchase_problems(engine, suppliers_url, order_ids, facts)
    facts.problems += _mes_problems(mes_url, order_ids)
    return facts
