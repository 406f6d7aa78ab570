"""Accounts: who am I, open a customer account (guest checkout), and admins' API keys."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from orchestrator.api.audit_trail import audit
from orchestrator.api.auth import AccountManager, SignedIn
from orchestrator.api.errors import answers
from orchestrator.api.rate_limit import limit_signups
from orchestrator.persistence import accounts_repo
from orchestrator.security.principals import GRANTS, Principal, Role

router = APIRouter(tags=["accounts"])

#: Customer ids of accounts opened through sign-up: random, never derived from the e-mail (anyone may type
#: anyone's address, and must not see that person's orders by it).
GUEST_PREFIX = "GST-"


class Me(BaseModel):
    key_id: str
    role: Role
    name: str
    customer_id: str | None
    permissions: list[str]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    email: EmailStr


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    name: str = Field(min_length=1, max_length=120, description="who or what uses the key, e.g. 'MES gateway'")
    customer_id: str | None = Field(default=None, max_length=80, description="for a customer key: whose orders")


class IssuedKeyView(BaseModel):
    key_id: str
    role: Role
    name: str
    customer_id: str | None
    token: str = Field(description="shown once: store it now, only its hash is kept")


class KeyView(BaseModel):
    key_id: str
    role: str
    name: str
    customer_id: str | None
    created_at: datetime
    revoked_at: datetime | None


def _me(p: Principal) -> Me:
    return Me(key_id=p.key_id, role=p.role, name=p.name, customer_id=p.customer_id,
              permissions=sorted(perm.value for perm in GRANTS[p.role]))


@router.get("/api/me", response_model=Me, summary="Who this key is and what it may do", responses=answers(401))
async def me(principal: SignedIn) -> Me:
    return _me(principal)


@router.post("/api/customers", status_code=201, response_model=IssuedKeyView, dependencies=[Depends(limit_signups)],
             summary="Open a customer account (guest checkout)", responses=answers(403, 429))
async def sign_up(body: SignUp, request: Request) -> IssuedKeyView:
    """A customer key for a new account with its own customer id. Its orders are visible to this key only."""
    if not request.app.state.settings.customer_signup:
        raise HTTPException(403, "this installation does not open customer accounts on request; ask the shop")
    customer_id = GUEST_PREFIX + secrets.token_hex(8).upper()

    def issue() -> accounts_repo.IssuedKey:
        with request.app.state.engine.begin() as conn:
            return accounts_repo.issue_key(conn, Role.CUSTOMER, body.name, customer_id)

    issued = await asyncio.to_thread(issue)
    return IssuedKeyView(key_id=issued.principal.key_id, role=Role.CUSTOMER, name=body.name,
                         customer_id=customer_id, token=issued.token)


@router.post("/api/accounts", status_code=201, response_model=IssuedKeyView, summary="Issue an API key (admin)",
             responses=answers(401, 403, 422))
async def issue_key(body: NewAccount, request: Request, principal: AccountManager) -> IssuedKeyView:
    """A key for a planner, integrator, admin, or a customer (then ``customer_id`` names whose orders)."""
    if (body.role is Role.CUSTOMER) != (body.customer_id is not None):
        raise HTTPException(422, "a customer key needs customer_id (whose orders it reads); other roles take none")

    def issue() -> accounts_repo.IssuedKey:
        with request.app.state.engine.begin() as conn:
            return accounts_repo.issue_key(conn, body.role, body.name, body.customer_id)

    issued = await asyncio.to_thread(issue)
    await audit(request, principal, "account.issue_key", f"key:{issued.principal.key_id}", None,
                {"role": body.role.value, "name": body.name, "customer_id": body.customer_id})
    return IssuedKeyView(key_id=issued.principal.key_id, role=body.role, name=body.name,
                         customer_id=body.customer_id, token=issued.token)


@router.get("/api/accounts", response_model=list[KeyView], summary="API keys (admin)", responses=answers(401, 403))
async def list_keys(request: Request, principal: AccountManager, include_revoked: bool = False) -> list[Any]:
    rows = await asyncio.to_thread(accounts_repo.keys, request.app.state.engine, include_revoked)
    return [KeyView(**r.model_dump(exclude={"secret_hash"})) for r in rows]


@router.delete("/api/accounts/{key_id}", summary="Revoke an API key (admin)", responses=answers(401, 403, 404))
async def revoke_key(key_id: Annotated[str, Path(max_length=24)], request: Request,
                     principal: AccountManager) -> dict[str, str]:
    def revoke() -> bool:
        with request.app.state.engine.begin() as conn:
            return accounts_repo.revoke(conn, key_id)

    if not await asyncio.to_thread(revoke):
        raise HTTPException(404, f"no active key {key_id!r}; GET /api/accounts lists them")
    await audit(request, principal, "account.revoke_key", f"key:{key_id}")
    return {"key_id": key_id, "status": "revoked"}
