"""A small HTTP server that takes the ASN webhooks a supplier posts during a conformance run.

It answers every POST with 200 and keeps the exact bytes and headers, so the suite can verify the
signature the way the API does (``orchestrator.webhooks.verify``). HTTP is parsed with ``h11``; one
request per connection is enough for a webhook sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType

import h11

READ_TIMEOUT_SECONDS = 10.0
MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True)
class ReceivedWebhook:
    """One POST: its path, headers (lower-case names), exact body and wall time of arrival."""

    path: str
    headers: dict[str, str]
    body: bytes
    wall_time: float


@dataclass
class WebhookReceiver:
    """Listens on ``host:port`` (0: a free port) until the ``async with`` block ends.

    ``url`` is what to give the supplier: ``public_url`` when the supplier reaches us through another
    address (a tunnel, NAT), else ``http://host:port/asn``.
    """

    host: str = "127.0.0.1"
    port: int = 0
    public_url: str | None = None
    received: list[ReceivedWebhook] = field(default_factory=list, repr=False)
    _server: asyncio.Server | None = field(default=None, repr=False)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def url(self) -> str:
        """Where the supplier must post ASNs."""
        return self.public_url or f"http://{self.host}:{self.port}/asn"

    async def __aenter__(self) -> WebhookReceiver:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def wait_for(self, match: Callable[[ReceivedWebhook], bool], timeout: float) -> ReceivedWebhook | None:
        """The first webhook that ``match``es, waiting up to ``timeout`` wall seconds (``None``: none came)."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((w for w in self.received if match(w)), None)
            left = deadline - time.monotonic()
            if found is not None or left <= 0:
                return found
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(left, 1.0))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        path, headers, body = "", {}, bytearray()
        try:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(await asyncio.wait_for(reader.read(65536), READ_TIMEOUT_SECONDS))
                    continue
                if isinstance(event, h11.Request):
                    path = event.target.decode("latin-1")
                    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in event.headers}
                elif isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > MAX_BODY_BYTES:
                        raise ValueError("webhook body too large")
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    break
            self.received.append(ReceivedWebhook(path, headers, bytes(body), time.time()))
            self._arrived.set()
            response = h11.Response(status_code=200, headers=[("content-length", "0"), ("connection", "close")])
            writer.write(conn.send(response) + conn.send(h11.EndOfMessage()))
            await writer.drain()
        except (h11.RemoteProtocolError, ValueError, TimeoutError, ConnectionError):
            pass  # a broken request is simply not recorded; the sender sees the connection close
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
