"""The API's Temporal client, connected lazily so the API starts (and reports health) before Temporal."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from temporalio.client import Client

from orchestrator.observability.tracing import tracing_interceptors
from orchestrator.settings import Settings
from orchestrator.temporal_client import connect_temporal

_lock = asyncio.Lock()


async def get_temporal(request: Request) -> Client:
    """The shared client; 503 with a clear message while Temporal cannot be reached."""
    client: Client | None = getattr(request.app.state, "temporal_client", None)
    if client is not None:
        return client
    settings: Settings = request.app.state.settings
    async with _lock:
        client = getattr(request.app.state, "temporal_client", None)
        if client is None:
            try:
                client = await asyncio.wait_for(
                    connect_temporal(settings.temporal_address, settings.temporal_namespace,
                                     interceptors=tracing_interceptors(bool(settings.otel_endpoint))), timeout=5
                )
            except Exception as exc:
                what = exc.__class__.__name__
                raise HTTPException(
                    503, f"the workflow engine at {settings.temporal_address} is unreachable ({what}); retry shortly"
                ) from exc
            request.app.state.temporal_client = client
    return client


TemporalClient = Annotated[Client, Depends(get_temporal)]
