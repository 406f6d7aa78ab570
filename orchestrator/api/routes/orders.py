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

from orchestrator.api.errors import answers
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
from orchestrator.api.temporal import TemporalClient
from orchestrator.catalog import CannotPromise
from orchestrator.catalog.model import UnknownProduct
from orchestrator.persistence import orders_repo
from orchestrator.persistence.events import NewEvent, record_events
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.services.intake import Intake, InvalidOrder, NewOrder
from workflows.order.types import CancelRequest, ChangeRequest, Decision

router = APIRouter(prefix="/api/orders", tags=["orders"])
# An action on a running order: it may not exist (404), not allow it now (409), or the engine is down (503).
ACTION_ANSWERS = answers(404, 409, 503)


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


def _customer_id(intake: Intake, given: str | None, email: str) -> str:
    """The client's own customer id, or a pseudonym of the e-mail (the database never keys on an e-mail)."""
    return given.lower() if given else intake.vault.customer_id(email)


@router.post("", status_code=201, response_model=OrderSummary, summary="Place an order",
             dependencies=[Depends(limit_order_placement)], responses=answers(404, 429, 503))
async def place_order(
    body: OrderCreate,
    request: Request,
    response: Response,
    temporal: TemporalClient,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Validate and price the configuration, promise a date, store the order and start its workflow.

    Send an ``Idempotency-Key`` header: a retried request with the same key returns the same order
    (200) and never starts a second workflow.
    """
    intake: Intake = request.app.state.intake
    customer = body.customer.model_dump(mode="json")
    new = NewOrder(sku=body.sku, options=body.options, quantity=body.quantity,
                   customer_id=_customer_id(intake, body.customer.id, str(body.customer.email)), customer=customer,
                   special_requests=body.special_requests,
                   notify_url=str(body.notify_url) if body.notify_url else None, priority=body.priority)
    try:
        row, created = await intake.place(new, idempotency_key, temporal)
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


@router.get("", response_model=OrderPage, summary="List orders")
async def list_orders(
    request: Request,
    status: Annotated[str | None, Query(description="stage, e.g. in_production")] = None,
    customer: Annotated[str | None, Query(description="customer id, or the customer's e-mail address")] = None,
    sku: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    # Bounded: a database integer cannot hold more (a larger offset overflowed into a 500).
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> dict[str, Any]:
    """Orders, newest first, filtered by status, customer, product and creation date."""
    vault = request.app.state.intake.vault
    if customer and "@" in customer:  # an e-mail: orders are filed under its pseudonymous id
        customer = vault.customer_id(customer)
    flt = orders_repo.OrderFilter(stage=status, customer_id=customer, sku=sku, created_from=created_from,
                                  created_to=created_to)
    rows, total = await asyncio.to_thread(orders_repo.list_orders, request.app.state.engine, flt, limit, offset,
                                          vault)
    return {"items": [_summary(request, r) for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/{order_id}", response_model=OrderDetail, summary="One order with its trail",
            responses=answers(404))
async def get_order(order_id: str, request: Request) -> dict[str, Any]:
    """The order with its stage, milestones, plan, work orders, purchase orders, ETA and promised date."""
    engine = request.app.state.engine
    row = await asyncio.to_thread(orders_repo.get_order, engine, order_id, request.app.state.intake.vault)
    if row is None:
        raise HTTPException(404, f"no order {order_id!r}")
    trail = await asyncio.to_thread(orders_repo.milestones, engine, order_id)
    related = request.app.state.order_relations
    work_orders, purchase_orders = await asyncio.to_thread(related, engine, order_id)
    return {
        **_summary(request, row),
        "options": row.options, "special_requests": row.special_requests, "status_reason": row.stage_reason,
        "milestones": [Milestone(id=e["id"], kind=e["kind"], plant_time=_utc(e["plant_time"]),
                                 payload=e["payload"] or {}) for e in trail],
        "plan": row.plan, "work_orders": work_orders, "purchase_orders": purchase_orders,
    }


async def _update(temporal: TemporalClient, request: Request, order_id: str, name: str, arg: BaseModel | str) -> Any:
    if await asyncio.to_thread(orders_repo.get_order, request.app.state.engine, order_id,
                               request.app.state.intake.vault) is None:
        raise HTTPException(404, f"no order {order_id!r}")
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


@router.post("/{order_id}/cancel", summary="Cancel an order (until it ships)",
             responses=ACTION_ANSWERS)
async def cancel(order_id: str, request: Request, temporal: TemporalClient, body: CancelBody | None = None) -> dict:
    """Cancel: work orders are withdrawn, open purchase orders cancelled, reservations released."""
    reason = body.reason if body else "cancelled by the customer"
    return _state(await _update(temporal, request, order_id, "request_cancel",
                                CancelRequest(reason=reason, by="customer")))


@router.post("/{order_id}/changes", summary="Change the configuration before production starts",
             responses=ACTION_ANSWERS)
async def change(order_id: str, body: ChangeBody, request: Request, temporal: TemporalClient) -> dict:
    """Accepted only before any work order of the order has started; re-plans and re-sources."""
    return _state(await _update(temporal, request, order_id, "change_configuration",
                                ChangeRequest(options=body.options, quantity=body.quantity)))


async def _record_request(request: Request, order_id: str, kind: str, by: str) -> None:
    """Put a planner's hold/release on the order's trail at once: the workflow acts on it at its next step,
    which for an order in production may be hours of plant time away."""
    now = request.app.state.clock.now()
    event = NewEvent(kind=kind, plant_time=now, order_id=order_id, payload={"by": by},
                     dedupe_key=f"{order_id}:{kind}:{now.timestamp()}")
    await asyncio.to_thread(record_events, request.app.state.engine, [event])


@router.post("/{order_id}/hold", summary="Hold an order (planner)",
             responses=ACTION_ANSWERS)
async def hold(order_id: str, request: Request, temporal: TemporalClient) -> dict:
    """The order stops at its next step until released (``hold_requested`` goes on its trail now)."""
    state = _state(await _update(temporal, request, order_id, "hold", "planner"))
    await _record_request(request, order_id, "hold_requested", "planner")
    return state


@router.post("/{order_id}/release", summary="Release a held order (planner)",
             responses=ACTION_ANSWERS)
async def release(order_id: str, request: Request, temporal: TemporalClient) -> dict:
    """A held order continues (``release_requested`` goes on its trail now)."""
    state = _state(await _update(temporal, request, order_id, "release", "planner"))
    await _record_request(request, order_id, "release_requested", "planner")
    return state


@router.post("/{order_id}/approve", summary="Approve an order waiting for a decision (planner)",
             responses=ACTION_ANSWERS)
async def approve(order_id: str, request: Request, temporal: TemporalClient, body: DecisionBody | None = None) -> dict:
    """The order leaves the approval gate and is planned."""
    return _state(await _update(temporal, request, order_id, "decide",
                                Decision(approve=True, comment=body.comment if body else "")))


@router.post("/{order_id}/reject", summary="Reject an order waiting for a decision (planner)",
             responses=ACTION_ANSWERS)
async def reject(order_id: str, body: DecisionBody, request: Request, temporal: TemporalClient) -> dict:
    """The order ends ``rejected`` with the comment as its reason."""
    return _state(await _update(temporal, request, order_id, "decide",
                                Decision(approve=False, comment=body.comment)))
