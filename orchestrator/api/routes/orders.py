"""Orders: intake, listing, detail, and the customer's and planner's actions on a running order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from orchestrator.api.audit_trail import audit
from orchestrator.api.auth import PlantSteerer, SignedIn, require, signed_in
from orchestrator.api.errors import answers
from orchestrator.api.order_access import ActionableOrder, ReadableOrder, visible_options
from orchestrator.api.rate_limit import limit_order_placement
from orchestrator.api.schemas_orders import (
    CancelBody,
    ChangeBody,
    DecisionBody,
    Milestone,
    OrderCreate,
    OrderDetail,
    OrderPage,
    OrderSummary,
)
from orchestrator.api.temporal import TemporalClient, get_temporal
from orchestrator.catalog import CannotPromise
from orchestrator.catalog.model import UnknownProduct
from orchestrator.persistence import orders_repo
from orchestrator.persistence.events import NewEvent, record_events
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.principals import Permission, Principal, Role
from orchestrator.services.intake import Intake, InvalidOrder, NewOrder
from workflows.order.types import CancelRequest, ChangeRequest, Decision

router = APIRouter(prefix="/api/orders", tags=["orders"])
# An action on a running order: it may not exist (404), not allow it now (409), or the engine is down (503).
ACTION_ANSWERS = answers(401, 403, 404, 409, 503)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _summary(request: Request, row: OrderRow) -> dict[str, Any]:
    base = request.app.state.settings.resolved_public_url
    return {
        "id": row.id, "sku": row.sku, "quantity": row.quantity, "customer_id": row.customer_id,
        "status": row.stage, "promised_date": _aware(row.promised_date), "eta": _aware(row.eta),
        "price_total": row.price_total, "currency": row.currency, "created_at": _aware(row.created_at),
        "tracking_url": f"{base}/track/{row.id}?token={row.tracking_token}",
    }


def _customer_id(intake: Intake, principal: Principal, given: str | None, email: str) -> str:
    """Whose order this is: a customer's key decides for itself; staff placing an order on a customer's
    behalf name them (their id, else a pseudonym of the e-mail: the database never keys on an e-mail)."""
    if principal.role is Role.CUSTOMER and principal.customer_id:
        return principal.customer_id
    return given.lower() if given else intake.vault.customer_id(email)


def _consent(body: OrderCreate, intake: Intake) -> dict[str, Any]:
    """The consent to store with the order; 422 when personal options come without consent to them."""
    personal = sorted(set(body.options) & intake.vault.personal_options)
    if personal and not (body.consent and body.consent.personal_data):
        raise HTTPException(422, {"message": f"options {', '.join(personal)} are personal data: send "
                                             "\"consent\": {\"personal_data\": true} to let us process them",
                                  "errors": [{"option": o, "code": "consent_required",
                                              "message": "personal data needs the customer's consent"}
                                             for o in personal]})
    if body.consent is None:
        return {"basis": "contract", "personal_data": False, "marketing": False}
    return {"basis": "consent", **body.consent.model_dump(), "given_at": datetime.now(UTC).isoformat()}


@router.post("", status_code=201, response_model=OrderSummary, summary="Place an order",
             dependencies=[Depends(limit_order_placement)], responses=answers(401, 403, 404, 429, 503))
async def place_order(
    body: OrderCreate,
    request: Request,
    response: Response,
    principal: Annotated[Principal, require(Permission.PLACE_ORDERS)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> dict[str, Any]:
    """Validate and price the configuration, promise a date, store the order and start its workflow.

    Needs a customer's API key (the order is theirs) or an admin's (on behalf of ``customer``).
    Send an ``Idempotency-Key`` header: a retried request with the same key returns the same order
    (200) and never starts a second workflow. Personal options need ``consent.personal_data``.
    """
    intake: Intake = request.app.state.intake
    if body.priority and not principal.may(Permission.STEER_PLANT):
        raise HTTPException(403, "only planners and admins set an order's priority; leave priority at 0")
    customer = body.customer.model_dump(mode="json")
    new = NewOrder(sku=body.sku, options=body.options, quantity=body.quantity,
                   customer_id=_customer_id(intake, principal, body.customer.id, str(body.customer.email)),
                   customer=customer, special_requests=body.special_requests,
                   notify_url=str(body.notify_url) if body.notify_url else None, priority=body.priority,
                   consent=_consent(body, intake), placed_by=(principal.actor, principal.role.value))
    try:
        # The engine is reached only for a valid, permitted order (a refused one never waits on it).
        row, created = await intake.place(new, idempotency_key, await get_temporal(request))
    except UnknownProduct as exc:
        raise HTTPException(404, str(exc)) from exc
    except CannotPromise as exc:
        raise HTTPException(503, f"cannot promise a delivery date for this order now: {exc}; retry later") from exc
    except InvalidOrder as exc:
        raise HTTPException(422, {"message": "the configuration is not valid",
                                  "errors": [{"option": e.option, "code": e.code, "message": e.message}
                                             for e in exc.errors]}) from exc
    if not created:
        response.status_code = 200
    response.headers["Location"] = f"/api/orders/{row.id}"
    return _summary(request, row)


@router.get("", response_model=OrderPage, summary="List orders", responses=answers(401, 403))
async def list_orders(
    request: Request,
    principal: SignedIn,
    status: Annotated[str | None, Query(description="stage, e.g. in_production")] = None,
    customer: Annotated[str | None, Query(description="customer id, or the customer's e-mail address")] = None,
    sku: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    # Bounded: a database integer cannot hold more (a larger offset overflowed into a 500).
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    """Orders, newest first, filtered by status, customer, product and creation date.

    A customer sees only their own orders (``customer`` is then theirs whatever is asked); staff see all.
    """
    vault = request.app.state.intake.vault
    if principal.role is Role.CUSTOMER:
        customer = principal.customer_id
    elif not principal.may(Permission.READ_ANY_ORDER):
        signed_in(principal, Permission.READ_ANY_ORDER)
    if customer and "@" in customer:  # an e-mail: orders are filed under its pseudonymous id
        customer = vault.customer_id(customer)
    flt = orders_repo.OrderFilter(stage=status, customer_id=customer, sku=sku, created_from=created_from,
                                  created_to=created_to)
    rows, total = await asyncio.to_thread(orders_repo.list_orders, request.app.state.engine, flt, limit, offset,
                                          vault)
    return {"items": [_summary(request, r) for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/{order_id}", response_model=OrderDetail, summary="One order with its trail",
            responses=answers(401, 404))
async def get_order(order_id: str, request: Request, access: ReadableOrder) -> dict[str, Any]:
    """The order with its stage, milestones, plan, work orders, purchase orders, ETA and promised date.

    Readable by its customer, by staff, and with the tracking link's ``?token=``; anybody else gets 404.
    Personal options are masked for staff other than admins.
    """
    engine = request.app.state.engine
    row = access.row
    trail = await asyncio.to_thread(orders_repo.milestones, engine, order_id)
    related = request.app.state.order_relations
    work_orders, purchase_orders = await asyncio.to_thread(related, engine, order_id)
    return {
        **_summary(request, row),
        "options": visible_options(row.options, request.app.state.intake.vault.personal_options,
                                   access.sees_personal),
        "special_requests": row.special_requests, "status_reason": row.stage_reason,
        "milestones": [Milestone(id=e["id"], kind=e["kind"], plant_time=_utc(e["plant_time"]),
                                 payload=e["payload"] or {}) for e in trail],
        "plan": row.plan, "work_orders": work_orders, "purchase_orders": purchase_orders,
    }


async def _update(temporal: TemporalClient, order_id: str, name: str, arg: BaseModel | str) -> Any:
    handle = temporal.get_workflow_handle(order_id)
    try:
        return await handle.execute_update(name, arg)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            status = 422 if cause.type == "Invalid" else 409
            raise HTTPException(status, cause.message) from exc
        raise HTTPException(409, str(cause or exc)) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(409, f"order {order_id} is no longer running") from exc
        raise HTTPException(503, f"the workflow engine refused the request: {exc.message}") from exc


def _state(result: Any) -> dict[str, Any]:
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else dict(result)


async def _staff_action(request: Request, temporal: TemporalClient, principal: Principal, order_id: str,
                        name: str, arg: BaseModel | str, action: str) -> dict[str, Any]:
    """A planner's action on an order: 404 when there is none, audited once it took effect."""
    row = await asyncio.to_thread(orders_repo.get_order, request.app.state.engine, order_id,
                                  request.app.state.intake.vault)
    if row is None:
        raise HTTPException(404, f"no order {order_id!r}")
    state = _state(await _update(temporal, order_id, name, arg))
    await audit(request, principal, action, f"order:{order_id}", {"stage": row.stage}, _audited_state(state))
    return state


def _audited_state(state: dict[str, Any]) -> dict[str, Any]:
    """The workflow's answer without the configuration (options may be personal)."""
    return {k: v for k, v in state.items() if k not in ("options", "customer")}


@router.post("/{order_id}/cancel", summary="Cancel an order (until it ships)",
             responses=ACTION_ANSWERS)
async def cancel(order_id: str, request: Request, access: ActionableOrder, temporal: TemporalClient,
                 body: CancelBody | None = None) -> dict:
    """Cancel: work orders are withdrawn, open purchase orders cancelled, reservations released.

    The order's customer, a planner or an admin may cancel; a tracking link may not.
    """
    principal = access.require_action()
    by = "customer" if principal.role is Role.CUSTOMER else principal.role.value
    reason = body.reason if body else f"cancelled by the {by}"
    state = _state(await _update(temporal, order_id, "request_cancel", CancelRequest(reason=reason, by=by)))
    await audit(request, principal, "order.cancel", f"order:{order_id}", {"stage": access.row.stage},
                {**_audited_state(state), "reason": reason})
    return state


@router.post("/{order_id}/changes", summary="Change the configuration before production starts",
             responses=ACTION_ANSWERS)
async def change(order_id: str, body: ChangeBody, request: Request, access: ActionableOrder,
                 temporal: TemporalClient) -> dict:
    """Accepted only before any work order of the order has started; re-plans and re-sources."""
    principal = access.require_action()
    state = _state(await _update(temporal, order_id, "change_configuration",
                                 ChangeRequest(options=body.options, quantity=body.quantity)))
    await audit(request, principal, "order.change", f"order:{order_id}",
                {"quantity": access.row.quantity, "options": sorted(access.row.options)},
                {"quantity": body.quantity, "options": sorted(body.options)})
    return state


async def _record_request(request: Request, order_id: str, kind: str, by: str) -> None:
    """Put a planner's hold/release on the order's trail at once: the workflow acts on it at its next step,
    which for an order in production may be hours of plant time away."""
    now = request.app.state.clock.now()
    event = NewEvent(kind=kind, plant_time=now, order_id=order_id, payload={"by": by},
                     dedupe_key=f"{order_id}:{kind}:{now.timestamp()}")
    await asyncio.to_thread(record_events, request.app.state.engine, [event])


@router.post("/{order_id}/hold", summary="Hold an order (planner)",
             responses=ACTION_ANSWERS)
async def hold(order_id: str, request: Request, principal: PlantSteerer, temporal: TemporalClient) -> dict:
    """The order stops at its next step until released (``hold_requested`` goes on its trail now)."""
    state = await _staff_action(request, temporal, principal, order_id, "hold", "planner", "order.hold")
    await _record_request(request, order_id, "hold_requested", "planner")
    return state


@router.post("/{order_id}/release", summary="Release a held order (planner)",
             responses=ACTION_ANSWERS)
async def release(order_id: str, request: Request, principal: PlantSteerer, temporal: TemporalClient) -> dict:
    """A held order continues (``release_requested`` goes on its trail now)."""
    state = await _staff_action(request, temporal, principal, order_id, "release", "planner", "order.release")
    await _record_request(request, order_id, "release_requested", "planner")
    return state


@router.post("/{order_id}/approve", summary="Approve an order waiting for a decision (planner)",
             responses=ACTION_ANSWERS)
async def approve(order_id: str, request: Request, principal: PlantSteerer, temporal: TemporalClient,
                  body: DecisionBody | None = None) -> dict:
    """The order leaves the approval gate and is planned."""
    return await _staff_action(request, temporal, principal, order_id, "decide",
                               Decision(approve=True, comment=body.comment if body else ""), "order.approve")


@router.post("/{order_id}/reject", summary="Reject an order waiting for a decision (planner)",
             responses=ACTION_ANSWERS)
async def reject(order_id: str, body: DecisionBody, request: Request, principal: PlantSteerer,
                 temporal: TemporalClient) -> dict:
    """The order ends ``rejected`` with the comment as its reason."""
    return await _staff_action(request, temporal, principal, order_id, "decide",
                               Decision(approve=False, comment=body.comment), "order.reject")
