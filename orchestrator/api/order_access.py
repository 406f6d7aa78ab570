"""Who may see and act on one order: its customer, staff whose role allows it, or a tracking link.

* The customer who owns the order (their API key's customer id): read, cancel, change.
* Planners and admins: read any order and act on it; integrators read. Personal options (body
  measurements, a monogram) are masked for every role but admin: a planner plans, they do not need them.
* A tracking link (``?token=`` of the order's ``tracking_url``): read this one order and its events only.
* Anyone else, including another customer: 404, as if the order did not exist.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request

from orchestrator.api.auth import Caller, signed_in
from orchestrator.persistence import orders_repo
from orchestrator.persistence.tables.orders import OrderRow
from orchestrator.security.api_keys import same_secret
from orchestrator.security.principals import Permission, Principal

MASK = "•••"


@dataclass(frozen=True)
class OrderAccess:
    """An order the caller may read; ``principal`` is None when the caller holds only its tracking link."""

    row: OrderRow
    principal: Principal | None
    sees_personal: bool

    @property
    def may_act(self) -> bool:
        p = self.principal
        return p is not None and (p.owns(self.row.customer_id) or p.may(Permission.ACT_ON_ANY_ORDER))

    def require_action(self) -> Principal:
        """The caller, who must be allowed to cancel or change this order (403 otherwise)."""
        if self.principal is None:
            raise HTTPException(403, "a tracking link only reads the order; sign in as the customer to change it")
        if not self.may_act:
            raise HTTPException(403, f"role {self.principal.role.value} may read this order but not act on it")
        return self.principal


def _not_found(order_id: str) -> HTTPException:
    return HTTPException(404, f"no order {order_id!r}")


async def order_access(
    order_id: str,
    request: Request,
    principal: Caller,
    token: Annotated[str | None, Query(max_length=100, description="the tracking link's token")] = None,
) -> OrderAccess:
    """The order if the caller may read it; 401 without any credential; 404 for anybody else's order."""
    if principal is None and token is None:
        signed_in(None)
    row = await asyncio.to_thread(orders_repo.get_order, request.app.state.engine, order_id,
                                  request.app.state.intake.vault)
    if row is None:
        raise _not_found(order_id)
    if principal is not None:
        if principal.owns(row.customer_id):
            return OrderAccess(row, principal, sees_personal=True)
        if principal.may(Permission.READ_ANY_ORDER):
            return OrderAccess(row, principal, sees_personal=principal.may(Permission.SEE_PERSONAL_DATA))
    if token is not None and same_secret(token, row.tracking_token):
        return OrderAccess(row, None, sees_personal=True)
    raise _not_found(order_id)


ReadableOrder = Annotated[OrderAccess, Depends(order_access)]


def visible_options(options: dict[str, Any], personal: frozenset[str], sees_personal: bool) -> dict[str, Any]:
    """The options as this caller may see them: personal ones masked unless the caller needs them."""
    if sees_personal:
        return dict(options)
    return {key: (MASK if key in personal else value) for key, value in options.items()}


async def _actionable(access: ReadableOrder) -> OrderAccess:
    access.require_action()
    return access


ActionableOrder = Annotated[OrderAccess, Depends(_actionable)]
"""An order the caller may cancel or change (its customer, a planner or an admin); checked before anything runs."""
