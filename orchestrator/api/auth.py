"""Who calls: bearer tokens (API keys) turned into a :class:`Principal`, and the checks routes depend on.

* No token on a route that needs one: **401** with ``WWW-Authenticate: Bearer`` and what to send.
* A token that is unknown, revoked or malformed: **401** (never a hint which).
* A valid token whose role lacks the permission: **403** naming the roles that have it.
* A customer asking for somebody else's order: **404**, exactly as for an order that does not exist.

Browsers' ``EventSource`` cannot send headers, so the token may also come as ``?access_token=`` (log
lines mask it). A tracking link's ``?token=`` is not a bearer token: it reads one order (``order_access``).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orchestrator.persistence import accounts_repo
from orchestrator.security.api_keys import same_secret
from orchestrator.security.principals import Permission, Principal, Role, roles_with

bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer c2m_…`")
BOOTSTRAP_ADMIN = Principal("bootstrap", Role.ADMIN, "bootstrap admin (C2M_ADMIN_TOKEN)")


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    access_token: Annotated[str | None, Query(include_in_schema=False, max_length=200)] = None,
) -> Principal | None:
    """The authenticated caller, or None when no token was sent. A bad token is a 401 at once."""
    token = credentials.credentials if credentials else access_token
    if not token:
        return None
    admin_token = request.app.state.settings.admin_token
    if admin_token and same_secret(token, admin_token):
        principal: Principal | None = BOOTSTRAP_ADMIN
    else:
        principal = await asyncio.to_thread(accounts_repo.authenticate, request.app.state.engine, token)
    if principal is None:
        raise _unauthorized("the bearer token is not valid (unknown, revoked or mistyped); send "
                            "`Authorization: Bearer <your API key>` with a key an admin issued you")
    request.state.principal = principal
    return principal


Caller = Annotated[Principal | None, Depends(caller)]


def signed_in(principal: Principal | None, permission: Permission | None = None) -> Principal:
    """The caller, who must have sent a token (and hold ``permission`` when one is named)."""
    wanted = f" of role {' or '.join(roles_with(permission))}" if permission else ""
    if principal is None:
        raise _unauthorized(f"this needs a bearer token{wanted}: send `Authorization: Bearer <API key>`")
    if permission is not None and not principal.may(permission):
        raise HTTPException(403, f"role {principal.role.value} may not {permission.value}; "
                                 f"it needs a key{wanted}")
    return principal


def require(permission: Permission) -> Any:
    """A dependency: the caller must hold ``permission``. Use as ``Annotated[Principal, require(...)]``."""

    async def check(principal: Caller) -> Principal:
        return signed_in(principal, permission)

    return Depends(check)


async def _any_signed_in(principal: Caller) -> Principal:
    return signed_in(principal)


SignedIn = Annotated[Principal, Depends(_any_signed_in)]
PlantReader = Annotated[Principal, require(Permission.READ_PLANT)]
PlantSteerer = Annotated[Principal, require(Permission.STEER_PLANT)]
SupplierReader = Annotated[Principal, require(Permission.READ_SUPPLIERS)]
AdapterAdmin = Annotated[Principal, require(Permission.ADMINISTER_ADAPTERS)]
FaultInjector = Annotated[Principal, require(Permission.INJECT_FAULTS)]
AuditReader = Annotated[Principal, require(Permission.READ_AUDIT)]
PrivacyOfficer = Annotated[Principal, require(Permission.ANSWER_PRIVACY_REQUESTS)]
AccountManager = Annotated[Principal, require(Permission.MANAGE_ACCOUNTS)]
