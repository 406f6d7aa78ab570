"""Reachability probes for the parts the system depends on, shared by ``/health`` and ``c2m up``."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx


@dataclass(frozen=True)
class ProbeResult:
    """One component's state: ``up`` or ``down`` with what was seen and how long it took."""

    name: str
    up: bool
    detail: str
    latency_ms: float


async def probe_tcp(name: str, host: str, port: int, timeout: float = 1.0) -> ProbeResult:
    """Up when something accepts TCP connections on host:port."""
    start = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.close()
        await writer.wait_closed()
        return ProbeResult(name, True, f"{host}:{port} accepts connections", _ms(start))
    except (OSError, TimeoutError) as exc:
        return ProbeResult(name, False, f"{host}:{port} unreachable ({exc.__class__.__name__})", _ms(start))


async def probe_http(name: str, url: str, client: httpx.AsyncClient | None = None) -> ProbeResult:
    """Up when GET url answers 2xx within a second."""
    start = time.perf_counter()
    own = client is None
    client = client or httpx.AsyncClient(timeout=1.0)
    try:
        resp = await client.get(url, timeout=1.0)
        ok = resp.is_success
        return ProbeResult(name, ok, f"GET {url} -> {resp.status_code}", _ms(start))
    except httpx.HTTPError as exc:
        return ProbeResult(name, False, f"GET {url} failed ({exc.__class__.__name__})", _ms(start))
    finally:
        if own:
            await client.aclose()


async def probe_opcua(name: str, url: str) -> ProbeResult:
    """Up when the OPC UA endpoint accepts TCP connections (a full session is the line monitor's job)."""
    parsed = urlparse(url)
    return await probe_tcp(name, parsed.hostname or "127.0.0.1", parsed.port or 4840)


async def probe_temporal(address: str) -> ProbeResult:
    """Up when the Temporal frontend accepts connections."""
    host, _, port = address.rpartition(":")
    return await probe_tcp("temporal", host or "127.0.0.1", int(port))


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
