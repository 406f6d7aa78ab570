"""The API's composition root: builds the FastAPI application from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from orchestrator.api.event_hub import EventHub
from orchestrator.api.routes import events, health
from orchestrator.persistence.db import make_engine
from orchestrator.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. Nothing is read from the environment before this is called."""
    settings = settings or load_settings()
    engine = make_engine(settings.resolved_database_url)

    hub = EventHub(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        try:
            yield
        finally:
            await hub.stop()
            engine.dispose()

    app = FastAPI(
        title="c2m",
        version="0.1.0",
        description="Customer-to-manufacturer order orchestration",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.event_hub = hub
    app.include_router(health.router)
    app.include_router(events.router)
    return app
