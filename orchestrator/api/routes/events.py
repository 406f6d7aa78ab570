"""Server-sent event streams: one order's progress, and the whole plant for planners."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from orchestrator.api.auth import PlantReader
from orchestrator.api.errors import answers
from orchestrator.api.event_hub import EventHub, StreamEvent
from orchestrator.api.order_access import ReadableOrder

router = APIRouter(tags=["events"])
log = logging.getLogger("c2m.events")
PUMP_BACKLOG = 100


def _resume_point(last_event_id: str | None, after: int | None) -> int:
    if after is not None:
        return after
    if last_event_id is None or last_event_id == "":
        return 0
    try:
        return max(0, int(last_event_id))
    except ValueError:
        raise HTTPException(400, f"Last-Event-ID must be an event id (a number), got {last_event_id!r}") from None


async def _sse(hub: EventHub, after: int, order_id: str | None, request: Request) -> AsyncIterator[bytes]:
    heartbeat: float = request.app.state.settings.sse_heartbeat_seconds
    # The pump decouples the hub from this client's socket: when the client stops reading, only this pump
    # waits on its full queue; the hub keeps publishing and the subscriber later refills from the database.
    queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue(maxsize=PUMP_BACKLOG)

    async def pump() -> None:
        try:
            async for event in hub.stream(after, order_id):
                await queue.put(event)
        except Exception:
            log.exception("event stream failed")
        await queue.put(None)  # the end: the client reconnects with Last-Event-ID

    task = asyncio.create_task(pump())
    try:
        yield f"retry: 2000\n: stream after event {after}\n\n".encode()
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), heartbeat)
            except TimeoutError:
                if await request.is_disconnected():
                    return
                yield b": heartbeat\n\n"  # an SSE comment: keeps proxies from closing an idle stream
                continue
            if event is None:
                return
            data = json.dumps(event.as_json(), separators=(",", ":"), default=str)
            yield f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n".encode()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def _response(stream: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/api/orders/{order_id}/events", summary="Live events of one order (SSE)",
            responses=answers(401, 404))
async def order_events(
    order_id: str,
    request: Request,
    access: ReadableOrder,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
) -> StreamingResponse:
    """Every milestone and production event of the order; reconnect with ``Last-Event-ID`` to resume.

    For the order's customer, staff, or the tracking link's ``?token=`` (browsers' ``EventSource`` sends
    no headers: use ``?access_token=`` for an API key).
    """
    return _response(_sse(request.app.state.event_hub, _resume_point(last_event_id, after), order_id, request))


@router.get("/api/plant/events", summary="Live events of the whole plant (SSE)", responses=answers(401, 403))
async def plant_events(
    request: Request,
    principal: PlantReader,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, description="resume after this event id")] = None,
) -> StreamingResponse:
    """Every event: orders, lines, schedule, suppliers. For planners, integrators and admins."""
    return _response(_sse(request.app.state.event_hub, _resume_point(last_event_id, after), None, request))
