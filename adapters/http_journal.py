"""Journal an HTTP adapter's exchanges: httpx event hooks that hand each request and answer to a journal.

Installed on the adapter's ``AsyncClient``; every request becomes a ``sent`` message (method, path,
body) and every answer a ``received`` one (method, path, status, body), both cut to the journal's
body limit. A hook never fails the call it watches: whatever goes wrong in it is only logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from orchestrator.ports.journal import AdapterKind, AdapterMessage, Direction, Journal, clip_body

log = logging.getLogger(__name__)

#: Names the endpoint (``mes``, a supplier id) a request goes to; None leaves the request out.
EndpointOf = Callable[[httpx.URL], str | None]


def _target(request: httpx.Request) -> str:
    return f"{request.method} {request.url.raw_path.decode('ascii', errors='replace')}"


def install_journal_hooks(client: httpx.AsyncClient, journal: Journal, kind: AdapterKind,
                          endpoint_of: EndpointOf) -> None:
    """Add request and response hooks to ``client`` that record every exchange in ``journal``."""

    async def on_request(request: httpx.Request) -> None:
        try:
            endpoint = endpoint_of(request.url)
            if endpoint is None:
                return
            try:
                body: bytes | None = request.content
            except httpx.RequestNotRead:  # a streamed upload; our adapters send whole documents
                body = None
            journal.record(AdapterMessage(kind, endpoint, Direction.SENT, _target(request), clip_body(body)))
        except Exception as exc:
            log.debug("journal hook (request): %r", exc)

    async def on_response(response: httpx.Response) -> None:
        try:
            request = response.request
            endpoint = endpoint_of(request.url)
            if endpoint is None:
                return
            await response.aread()  # the adapter reads the body anyway; the answer keeps it
            summary = f"{_target(request)} → {response.status_code} {response.reason_phrase}"
            journal.record(AdapterMessage(kind, endpoint, Direction.RECEIVED, summary, clip_body(response.content),
                                          ok=response.is_success))
        except Exception as exc:
            log.debug("journal hook (response): %r", exc)

    hooks = client.event_hooks
    hooks["request"] = [*hooks.get("request", []), on_request]
    hooks["response"] = [*hooks.get("response", []), on_response]
    client.event_hooks = hooks


def endpoint_by_prefix(endpoints: dict[str, str]) -> EndpointOf:
    """An :data:`EndpointOf` that picks the endpoint whose base URL (``name -> base url``) the request is under."""
    prefixes = sorted(((url.rstrip("/"), name) for name, url in endpoints.items()), key=lambda p: -len(p[0]))

    def endpoint_of(url: httpx.URL) -> str | None:
        text = str(url)
        for prefix, name in prefixes:
            if text == prefix or text.startswith(prefix + "/") or text.startswith(prefix + "?"):
                return name
        return None

    return endpoint_of
