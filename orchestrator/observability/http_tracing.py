"""Client spans for outgoing httpx requests (the MES, supplier and webhook adapters), with ``traceparent``.

No instrumentation package is installed, so this does what ``opentelemetry-instrumentation-httpx`` does:
it wraps :meth:`httpx.AsyncHTTPTransport.handle_async_request` for the whole process, which reaches every
adapter's client without changing how adapters build them. :func:`configure_tracing` calls
:func:`instrument_httpx` only when traces are exported; :func:`uninstrument_httpx` restores httpx.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

Handler = Callable[[httpx.AsyncHTTPTransport, httpx.Request], Awaitable[httpx.Response]]

_original: Handler | None = None


def instrument_httpx(tracer: trace.Tracer | None = None) -> None:
    """Trace every async httpx request of this process with ``tracer`` (default: the global provider's)."""
    global _original
    use = tracer or trace.get_tracer("c2m.http")
    original: Handler = _original or httpx.AsyncHTTPTransport.handle_async_request

    async def handle_async_request(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        url = request.url
        attributes: dict[str, str | int] = {
            "http.request.method": request.method, "url.full": str(url.copy_with(query=None)),
            "server.address": url.host, "server.port": url.port or (443 if url.scheme == "https" else 80),
        }
        with use.start_as_current_span(f"{request.method} {url.host}", kind=SpanKind.CLIENT,
                                       attributes=attributes, set_status_on_exception=False) as span:
            propagate.inject(request.headers)  # the callee may continue the trace
            try:
                response = await original(self, request)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                raise
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR, f"answered {response.status_code}"))
            return response

    _original = original
    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request  # type: ignore[method-assign,assignment]


def uninstrument_httpx() -> None:
    """Undo :func:`instrument_httpx`."""
    global _original
    if _original is not None:
        httpx.AsyncHTTPTransport.handle_async_request = _original  # type: ignore[method-assign,assignment]
        _original = None
