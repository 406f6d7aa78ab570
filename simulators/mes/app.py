"""The MES simulator's application: the job book, the dispatcher and the HTTP API, wired together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from simulators.common.clock import SimClock
from simulators.mes.api import router
from simulators.mes.dispatcher import Dispatcher
from simulators.mes.errors import MesRefusal
from simulators.mes.job_book import JobBook
from simulators.mes.store import JobStore

log = logging.getLogger("c2m.sim.mes")


@dataclass(frozen=True)
class MesConfig:
    """How to run the MES simulator."""

    opcua_url: str = "opc.tcp://127.0.0.1:4840/"
    state_file: Path = Path("var/mes.db")
    clock: SimClock | None = None
    reconcile_seconds: float = 2.0
    publishing_interval_ms: float = 50.0


def create_app(config: MesConfig) -> FastAPI:
    """The MES as an ASGI app; it opens its state file and plant connection when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = JobStore(config.state_file)
        dispatcher = Dispatcher(
            JobBook(store),
            config.clock or SimClock.from_env(),
            config.opcua_url,
            reconcile_seconds=config.reconcile_seconds,
            publishing_interval_ms=config.publishing_interval_ms,
        )
        app.state.dispatcher = dispatcher
        tasks = [
            asyncio.create_task(dispatcher.link.run(), name="mes-plant-link"),
            asyncio.create_task(dispatcher.run(), name="mes-dispatcher"),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            _, stuck = await asyncio.wait(tasks, timeout=5.0)
            if stuck:
                log.error("shutdown: %s did not stop in time", ", ".join(t.get_name() for t in stuck))
            store.close()

    app = FastAPI(
        title="c2m MES simulator",
        description="An ISA-95 / B2MML job order MES that dispatches onto the OPC UA plant simulator.",
        version="1.0",
        lifespan=lifespan,
    )
    app.include_router(router)

    @app.exception_handler(MesRefusal)
    async def _refusal(request: Request, exc: MesRefusal) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=exc.body())

    return app
