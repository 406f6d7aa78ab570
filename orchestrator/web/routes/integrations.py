"""The integrator's page (``/integrations``): every configured adapter, its connection and its recent messages.

The first render probes and reads exactly what ``GET /api/integrations`` answers, grouped by kind. The
script then refreshes the states every few seconds (and at once on a ``line_connection`` event of the
plant stream), and loads an adapter's recent messages from ``GET /api/integrations/{kind}/{endpoint}/
messages`` when its list is opened.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from orchestrator.api.routes.integrations import overview
from orchestrator.api.schemas_integrations import AdapterView
from orchestrator.persistence.tables.orders import EventRow
from orchestrator.ports.journal import AdapterKind
from orchestrator.web.templating import render

router = APIRouter(include_in_schema=False)

#: The order of the groups on the page: the plant first, then the systems around it.
KIND_ORDER = (AdapterKind.LINE, AdapterKind.MES, AdapterKind.SUPPLIER, AdapterKind.WEBHOOK)


def grouped(adapters: list[AdapterView]) -> list[tuple[str, list[AdapterView]]]:
    """The adapters by kind, in :data:`KIND_ORDER`, leaving out kinds with none configured."""
    groups = [(kind.value, [a for a in adapters if a.kind == kind]) for kind in KIND_ORDER]
    return [(kind, members) for kind, members in groups if members]


def last_event_id(engine: Engine) -> int:
    """The newest event's id: the page's plant stream starts after it (only changes from now on matter)."""
    events = EventRow.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(events.c.id))).scalar() or 0)


@router.get("/integrations", response_class=HTMLResponse)
async def integrations_page(request: Request) -> HTMLResponse:
    """Every adapter grouped by kind, with its state, endpoint, last message and latency."""
    view, after = await asyncio.gather(overview(request).view(),
                                       asyncio.to_thread(last_event_id, request.app.state.engine))
    counts = {state: sum(1 for a in view.adapters if a.state == state)
              for state in ("connected", "reconnecting", "down")}
    # A page is opened without a key: it shows which adapters exist and their state; where they are reached
    # and what the probes saw come from GET /api/integrations, which needs an integrator's or admin's key.
    view = view.model_copy(update={"adapters": [a.model_copy(update={"url": "", "detail": None})
                                                for a in view.adapters]})
    return render(request, "integrations.html",
                  {"view": view, "groups": grouped(view.adapters), "counts": counts, "events_after": after},
                  js_messages=("integrations.",))
