"""The planner's exceptions queue: what needs a person now, oldest first, with what they can do about it.

Built from the database alone: orders at the approval gate or on hold, orders late against their promise,
lines in a fault state, and purchase orders past their promised delivery. Every time is plant time
(``since`` is when the exception began). ``summary`` is an English sentence for API clients; ``details``
carries the same facts as fields, so a page can say it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from orchestrator.clock import PlantClock
from orchestrator.orders.stages import TERMINAL, Stage
from orchestrator.persistence.events import EVENTS
from orchestrator.persistence.orders_repo import ORDERS
from orchestrator.persistence.purchasing_repo import PURCHASE_ORDERS
from orchestrator.persistence.work_orders_repo import LINE_STATUS
from orchestrator.plant.packml import PackMLState, state_name
from orchestrator.services.planner_kpis import stage_times, utc

ExceptionKind = Literal["approval", "on_hold", "delayed_order", "line_fault", "late_supplier"]

#: Line states in which a stop reason means the line is down (held, aborted or stopped by a fault).
FAULT_STATES = frozenset({PackMLState.HOLDING, PackMLState.HELD, PackMLState.ABORTING, PackMLState.ABORTED,
                          PackMLState.STOPPING, PackMLState.STOPPED})
#: Purchase orders still expected from the supplier (see ``PurchaseOrderRow.state``).
OPEN_PO_STATES = ("placing", "accepted", "changed", "shipped")


@dataclass(frozen=True)
class ApprovalLimits:
    """The approval gate's thresholds (from the settings), to say why an order waits."""

    value_threshold: float
    max_quantity: int


@dataclass(frozen=True)
class PlannerException:
    """One thing that needs the planner. ``actions`` name what the console offers for it."""

    kind: ExceptionKind
    since: datetime
    summary: str
    actions: list[str]
    order_id: str | None = None
    tracking_token: str | None = None
    line: str | None = None
    po_id: str | None = None
    supplier: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _latest_events(conn: Connection, kinds: Sequence[str], order_ids: Sequence[str] | None = None
                   ) -> dict[str, tuple[str, datetime, dict[str, Any]]]:
    """Per order, the newest event among ``kinds``: (kind, plant time, payload)."""
    ev = EVENTS.c
    newest = select(func.max(ev.id)).where(ev.kind.in_(kinds), ev.order_id.is_not(None))
    if order_ids is not None:
        newest = newest.where(ev.order_id.in_(order_ids))
    rows = conn.execute(select(ev.order_id, ev.kind, ev.plant_time, ev.payload)
                        .where(ev.id.in_(newest.group_by(ev.order_id).scalar_subquery()))).all()
    return {str(r[0]): (str(r[1]), utc(r[2]), dict(r[3] or {})) for r in rows}


def _first_events(conn: Connection, kind: str, order_ids: Sequence[str]) -> dict[str, datetime]:
    ev = EVENTS.c
    rows = conn.execute(select(ev.order_id, func.min(ev.plant_time))
                        .where(ev.kind == kind, ev.order_id.in_(order_ids)).group_by(ev.order_id)).all()
    return {str(r[0]): utc(r[1]) for r in rows if r[1] is not None}


def _hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600, 1)


def order_exceptions(conn: Connection, now: datetime, clock: PlantClock,
                     limits: ApprovalLimits) -> list[PlannerException]:
    """Orders waiting for approval, on hold, or late against their promise (orders that have not ended)."""
    terminal = [s.value for s in TERMINAL]
    o = ORDERS.c
    open_orders = conn.execute(select(o.id, o.stage, o.promised_date, o.eta, o.special_requests, o.price_total,
                                      o.currency, o.quantity, o.tracking_token, o.updated_at, o.sku)
                               .where(o.stage.not_in(terminal))).mappings().all()
    if not open_orders:
        return []
    ids = [str(r["id"]) for r in open_orders]
    # A planner's request shows at once; the workflow's own held/released follow at its next step.
    holds = _latest_events(conn, ["held", "released", "hold_requested", "release_requested"], ids)
    escalated = _latest_events(conn, ["approval_escalated"], ids)
    first_delay = _first_events(conn, "delay", ids)
    awaiting = [str(r["id"]) for r in open_orders if r["stage"] == Stage.AWAITING_APPROVAL.value]
    gate_since = stage_times(conn, awaiting, Stage.AWAITING_APPROVAL.value)
    out: list[PlannerException] = []
    for r in open_orders:
        oid, token = str(r["id"]), str(r["tracking_token"])
        held = oid in holds and holds[oid][0] in ("held", "hold_requested")
        if r["stage"] == Stage.AWAITING_APPROVAL.value:
            reasons = []
            if r["special_requests"] and str(r["special_requests"]).strip():
                reasons.append("special_requests")
            if float(r["price_total"]) > limits.value_threshold:
                reasons.append("value")
            if int(r["quantity"]) > limits.max_quantity:
                reasons.append("quantity")
            out.append(PlannerException(
                kind="approval", since=gate_since.get(oid) or clock.plant_at(utc(r["updated_at"])),
                summary=f"order {oid} ({r['quantity']} × {r['sku']}) waits for approval: "
                        + (", ".join(reasons) or "policy"),
                actions=["approve", "reject"], order_id=oid, tracking_token=token,
                details={"reasons": reasons, "special_requests": r["special_requests"], "sku": r["sku"],
                         "quantity": r["quantity"], "value": r["price_total"], "currency": r["currency"],
                         "value_threshold": limits.value_threshold, "max_quantity": limits.max_quantity,
                         "escalated": oid in escalated},
            ))
        if held:
            out.append(PlannerException(
                kind="on_hold", since=holds[oid][1], summary=f"order {oid} is on hold at stage {r['stage']}",
                actions=["release"], order_id=oid, tracking_token=token,
                details={"stage": r["stage"], "sku": r["sku"], "quantity": r["quantity"]},
            ))
        promised, eta = utc(r["promised_date"]), utc(r["eta"]) if r["eta"] is not None else None
        late = eta is not None and eta > promised
        if late or oid in first_delay:
            since = first_delay.get(oid) or clock.plant_at(utc(r["updated_at"]))
            late_by = _hours((eta - promised).total_seconds()) if eta is not None else None
            out.append(PlannerException(
                kind="delayed_order", since=since,
                summary=f"order {oid} is expected {eta.isoformat() if eta else 'later'}, "
                        f"after its promise {promised.isoformat()}" + (f" ({late_by} h late)" if late_by else ""),
                actions=["release" if held else "hold"], order_id=oid, tracking_token=token,
                details={"eta": eta, "promised_date": promised, "late_by_hours": late_by, "stage": r["stage"],
                         "still_late": late},
            ))
    return out


def line_exceptions(conn: Connection, now: datetime, line_names: dict[str, str]) -> list[PlannerException]:
    """Lines stopped by a fault, kept out of the plan by the scheduler, or whose link is down."""
    ev = EVENTS.c
    last_fault: dict[str, datetime] = {
        str(line): at for line, at in conn.execute(select(ev.line, func.max(ev.plant_time))
                                                   .where(ev.kind == "line_fault", ev.line.is_not(None))
                                                   .group_by(ev.line)).all()}
    out: list[PlannerException] = []
    for s in conn.execute(select(LINE_STATUS)).mappings().all():
        line = str(s["line"])
        faulted = bool(s["stop_reason"]) and s["state"] in FAULT_STATES
        until = utc(s["fault_until"]) if s["fault_until"] is not None else None
        planned_out = until is not None and until > now
        link_lost = s["connection"] == "down" and s["last_message_at"] is not None
        if not (faulted or planned_out or link_lost):
            continue
        name = state_name(s["state"]) if s["state"] is not None else None
        if faulted:
            reason = s["stop_message"] or f"stop reason {s['stop_reason']}"
        elif planned_out:
            reason = s["fault_reason"] or ""
        else:
            reason = "no connection to the line"
        since_candidates = [utc(t) for t in (s["fault_since"], last_fault.get(line), s["last_message_at"])
                            if t is not None]
        since = since_candidates[0] if since_candidates else now
        what = f"is {name}" if faulted and name else ("is unavailable" if planned_out else "is not connected")
        out.append(PlannerException(
            kind="line_fault", since=since, line=line,
            summary=f"line {line} {what}" + (f": {reason}" if reason else ""),
            actions=["clear_fault", "reschedule"],
            details={"name": line_names.get(line, line), "state": s["state"], "state_name": name,
                     "stop_reason": s["stop_reason"], "stop_message": s["stop_message"], "reason": reason,
                     "fault_until": until if planned_out else None, "connection": s["connection"],
                     "job_order_id": s["job_order_id"]},
        ))
    return out


def supplier_exceptions(conn: Connection, now: datetime) -> list[PlannerException]:
    """Purchase orders still open after their promised delivery (or need-by date, when nothing was promised)."""
    po = PURCHASE_ORDERS.c
    rows = conn.execute(select(po.po_id, po.supplier, po.order_id, po.item, po.unit, po.quantity, po.state,
                               po.promised_delivery, po.expected_delivery, po.need_by)
                        .where(po.state.in_(OPEN_PO_STATES))).mappings().all()
    orders = {str(r[0]): str(r[1]) for r in conn.execute(
        select(ORDERS.c.id, ORDERS.c.tracking_token).where(ORDERS.c.id.in_({str(r["order_id"]) for r in rows})))}
    out: list[PlannerException] = []
    for r in rows:
        due = utc(r["promised_delivery"] or r["need_by"])
        if due >= now:
            continue
        out.append(PlannerException(
            kind="late_supplier", since=due, order_id=str(r["order_id"]),
            tracking_token=orders.get(str(r["order_id"])), po_id=str(r["po_id"]), supplier=str(r["supplier"]),
            summary=f"{r['supplier']} has not delivered {r['quantity']:g} {r['unit']} {r['item']} "
                    f"(purchase order {r['po_id']}, {r['state']}) promised for {due.isoformat()}",
            actions=[],
            details={"item": r["item"], "quantity": r["quantity"], "unit": r["unit"], "state": r["state"],
                     "promised_delivery": due, "late_by_hours": _hours((now - due).total_seconds()),
                     "expected_delivery": utc(r["expected_delivery"]) if r["expected_delivery"] else None},
        ))
    return out


def planner_exceptions(conn: Connection, now: datetime, clock: PlantClock, limits: ApprovalLimits,
                       line_names: dict[str, str]) -> list[PlannerException]:
    """Every open exception, oldest first."""
    found = [*order_exceptions(conn, now, clock, limits), *line_exceptions(conn, now, line_names),
             *supplier_exceptions(conn, now)]
    return sorted(found, key=lambda e: (e.since, e.kind, e.order_id or "", e.line or "", e.po_id or ""))
