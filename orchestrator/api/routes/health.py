"""``GET /health``: every component's state; 503 when a required part is down."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from orchestrator.probes import ProbeResult, probe_http, probe_opcua, probe_temporal
from orchestrator.settings import Settings

router = APIRouter(tags=["health"])


async def _probe_database(request: Request) -> ProbeResult:
    start = time.perf_counter()
    engine = request.app.state.engine

    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.to_thread(ping)
        return ProbeResult("database", True, engine.dialect.name, round((time.perf_counter() - start) * 1000, 1))
    except Exception as exc:  # any driver error means the database is down for us
        return ProbeResult("database", False, f"{exc.__class__.__name__}: {exc}"[:200], 0.0)


@router.get("/health", summary="Component health",
            responses={503: {"description": "a required component is down; the body says which (same shape as 200)"}})
async def health(request: Request) -> JSONResponse:
    """Each component's state. 200 when all required parts are up, 503 otherwise."""
    settings: Settings = request.app.state.settings
    results = await asyncio.gather(
        _probe_database(request),
        probe_temporal(settings.temporal_address),
        probe_opcua("plant_opcua", settings.resolved_opcua_url),
        probe_http("mes", f"{settings.resolved_mes_url}/api/v1/health"),
        probe_http("suppliers", f"{settings.resolved_suppliers_url}/health"),
    )
    ok = all(r.up for r in results)
    body = {
        "status": "ok" if ok else "degraded",
        "components": {
            r.name: {"state": "up" if r.up else "down", "detail": r.detail, "latency_ms": r.latency_ms}
            for r in results
        },
    }
    return JSONResponse(body, status_code=200 if ok else 503)
