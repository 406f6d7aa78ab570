"""Request size limit: bodies over ``max_request_bytes`` are refused with 413 before a route reads them.

A declared ``Content-Length`` over the limit is refused up front, without reading a byte. A body sent
without one (chunked) is counted as it streams in, and refused as soon as the count passes the limit,
so a hostile client cannot make the API buffer an unbounded body in memory.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large_detail(limit: int) -> str:
    """The 413 detail: what is wrong and what to do about it."""
    return (f"the request body is larger than this API accepts ({limit} bytes, C2M_MAX_REQUEST_BYTES); "
            "send a smaller body")


class BodyTooLarge(HTTPException):
    """Raised from the body stream once more than the limit has arrived; answered as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit))


class RequestSizeLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413 and a JSON ``detail``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, self.max_bytes)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Routes under FastAPI turn it into a 413 themselves; this catches any reader that does not.
            if started:
                raise
            await _refuse(send, self.max_bytes)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # not a number: the server rejects it; the streamed count still applies
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large_detail(limit)}).encode()
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                          (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
