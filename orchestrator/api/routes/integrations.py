"""``GET /api/integrations``: every configured adapter with its connection state; and their recent raw messages.

The adapters are the ones the configuration names: each line of the plant file (its status adapter and
endpoint), the MES, each supplier of the supplier file, and the ASN webhook this API receives. See
:mod:`orchestrator.api.integrations_overview` for where each state comes from.

This router also owns the API process's adapter journal (``app.state.adapter_journal``): the webhook
route notes each delivery in it, and a background task writes it to the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request

from orchestrator.api.auth import require
from orchestrator.api.errors import answers
from orchestrator.api.integrations_overview import IntegrationsOverview
from orchestrator.api.schemas_integrations import IntegrationsView, MessageView
from orchestrator.persistence import adapter_journal
from orchestrator.persistence.journal_writer import JournalWriter
from orchestrator.ports.journal import AdapterKind
from orchestrator.security.principals import Permission


@asynccontextmanager
async def _journal(app: FastAPI) -> AsyncIterator[None]:
    """Run the API's adapter journal while the application serves."""
    writer = JournalWriter(app.state.engine)
    app.state.adapter_journal = writer
    async with writer:
        yield


router = APIRouter(tags=["integrations"], lifespan=_journal, dependencies=[require(Permission.ADMINISTER_ADAPTERS)],
                   responses=answers(401, 403))


def overview(request: Request) -> IntegrationsOverview:
    """The application's overview builder (made on first use: it reads the plant and supplier files)."""
    state = request.app.state
    built: IntegrationsOverview | None = getattr(state, "integrations_overview", None)
    if built is None:
        built = IntegrationsOverview(state.settings, state.engine, plant=getattr(state, "plant", None))
        state.integrations_overview = built
    return built


@router.get("/api/integrations", response_model=IntegrationsView, summary="Every adapter and its connection")
async def integrations(request: Request) -> IntegrationsView:
    """Lines, MES, suppliers and webhooks: state (connected / reconnecting / down), latency, last message;
    and where the Temporal UI is."""
    return await overview(request).view()


@router.get("/api/integrations/{kind}/{endpoint}/messages", response_model=list[MessageView],
            summary="An adapter's recent raw messages, newest first")
async def messages(
    request: Request, kind: AdapterKind, endpoint: str,
    limit: Annotated[int, Query(ge=1, le=adapter_journal.KEEP, description="how many, newest first")] = 50,
) -> list[MessageView]:
    """The journal of one adapter endpoint (a line id, ``mes``, a supplier id, ``despatch-advice``).

    An endpoint that never exchanged a message (or is not configured) has an empty journal.
    """
    stored = await asyncio.to_thread(adapter_journal.recent, request.app.state.engine, kind.value, endpoint, limit)
    return [
        MessageView(id=m.id, direction="sent" if m.direction == "sent" else "received", summary=m.summary,
                    body=m.body, ok=m.ok, at=m.at)
        for m in stored
    ]
