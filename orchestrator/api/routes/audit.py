"""``GET /api/audit``: the append-only audit log, for admins."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from orchestrator.api.auth import AuditReader
from orchestrator.api.errors import answers
from orchestrator.persistence import audit_repo

router = APIRouter(tags=["audit"])


class AuditEntryView(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntryView]
    next_before_id: int | None


@router.get("/api/audit", response_model=AuditPage, summary="The audit log, newest first (admin)",
            responses=answers(401, 403))
async def audit_log(
    request: Request,
    principal: AuditReader,
    actor: Annotated[str | None, Query(max_length=80, description="e.g. planner:3f9c0a1b2c3d")] = None,
    target: Annotated[str | None, Query(max_length=120, description="e.g. order:ORD-1A2B3C4D")] = None,
    action: Annotated[str | None, Query(max_length=80, description="e.g. order.cancel")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=2**62, description="page: entries older than this id")] = None,
) -> AuditPage:
    """Who did what to which target and when, with the state before and after."""
    flt = audit_repo.AuditFilter(actor=actor, target=target, action=action, since=since, until=until)
    rows = await asyncio.to_thread(audit_repo.entries, request.app.state.engine, flt, limit, before_id)
    items = [AuditEntryView(**r.model_dump()) for r in rows]
    return AuditPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)
