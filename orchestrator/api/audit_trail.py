"""Writing the audit log from routes: one call per action, after the action took effect."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from orchestrator.persistence import audit_repo
from orchestrator.security.principals import Principal


async def audit(request: Request, principal: Principal, action: str, target: str,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append ``principal`` did ``action`` to ``target`` (values must hold no personal data)."""
    entry = audit_repo.AuditEntry(principal.actor, principal.role.value, action, target, before, after)
    await asyncio.to_thread(audit_repo.record, request.app.state.engine, entry)
