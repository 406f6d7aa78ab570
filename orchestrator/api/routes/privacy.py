"""A customer's privacy requests: export everything held about them, or erase it.

Customers ask for themselves (``/api/me/...``); admins answer requests that came another way
(``/api/customers/{customer}/...``, the customer named by id or e-mail). Erasure keeps each order's
manufacturing facts (product, non-personal options, quantities, dates, price) under an anonymous id, and
is refused while an order is still open: its measurements are still needed to make it.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request

from orchestrator.api.audit_trail import audit
from orchestrator.api.auth import PrivacyOfficer, SignedIn
from orchestrator.api.errors import answers
from orchestrator.orders.stages import TERMINAL
from orchestrator.persistence import privacy_repo
from orchestrator.security.principals import Principal, Role

router = APIRouter(tags=["privacy"])
FINISHED = frozenset(s.value for s in TERMINAL)
Customer = Annotated[str, Path(max_length=200, description="a customer id, or the e-mail orders were placed with")]


def _own_id(principal: Principal) -> str:
    if principal.role is not Role.CUSTOMER or not principal.customer_id:
        raise HTTPException(403, "only a customer's own key asks for their data here; admins use "
                                 "/api/customers/{customer}/export or /erase")
    return principal.customer_id


def _customer_id(request: Request, customer: str) -> str:
    return request.app.state.intake.vault.customer_id(customer) if "@" in customer else customer


async def _export(request: Request, customer_id: str) -> dict[str, Any]:
    return await asyncio.to_thread(privacy_repo.export_customer, request.app.state.engine,
                                   request.app.state.intake.vault, customer_id)


async def _erase(request: Request, customer_id: str) -> dict[str, Any]:
    try:
        done = await asyncio.to_thread(privacy_repo.erase_customer, request.app.state.engine,
                                       request.app.state.intake.vault, customer_id, FINISHED)
    except privacy_repo.StillInProduction as exc:
        raise HTTPException(409, f"orders {', '.join(exc.order_ids)} are still open and need their personal data; "
                                 "erase once they are delivered or cancelled") from exc
    return {"customer_id": done.customer_id, "erased_orders": done.erased_orders,
            "revoked_keys": done.revoked_keys, "orders_now_filed_under": done.anonymous_id}


@router.get("/api/me/export", summary="Everything held about me (customer)", responses=answers(401, 403))
async def export_mine(request: Request, principal: SignedIn) -> dict[str, Any]:
    return await _export(request, _own_id(principal))


@router.post("/api/me/erase", summary="Erase my personal data (customer)", responses=answers(401, 403, 409))
async def erase_mine(request: Request, principal: SignedIn) -> dict[str, Any]:
    """Erases contact details and personal options of every finished order; revokes this key too."""
    return await _erase(request, _own_id(principal))


@router.get("/api/customers/{customer}/export", summary="A customer's data export (admin)",
            responses=answers(401, 403))
async def export_customer(customer: Customer, request: Request, principal: PrivacyOfficer) -> dict[str, Any]:
    customer_id = _customer_id(request, customer)
    result = await _export(request, customer_id)
    await audit(request, principal, "customer.export", f"customer:{customer_id}", None,
                {"orders": len(result["orders"])})
    return result


@router.post("/api/customers/{customer}/erase", summary="Erase a customer's personal data (admin)",
             responses=answers(401, 403, 409))
async def erase_customer(customer: Customer, request: Request, principal: PrivacyOfficer) -> dict[str, Any]:
    customer_id = _customer_id(request, customer)
    result = await _erase(request, customer_id)
    await audit(request, principal, "customer.erase", f"customer:{customer_id}", None,
                {"orders": len(result["erased_orders"])})
    return result
