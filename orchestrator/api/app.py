"""The API's composition root: builds the FastAPI application from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from orchestrator.api.errors import document_error_answers
from orchestrator.api.event_hub import EventHub
from orchestrator.api.limits import RequestSizeLimit
from orchestrator.api.routes import (
    accounts,
    audit,
    demo,
    events,
    health,
    orders,
    planner,
    privacy,
    products,
    simulations,
    suppliers,
    webhooks,
)
from orchestrator.api.routes import integrations as integrations_routes
from orchestrator.api.routes import plant as plant_routes
from orchestrator.catalog import load_catalog
from orchestrator.observability.api import observe_api
from orchestrator.persistence.db import make_engine
from orchestrator.plant import load_plant
from orchestrator.runtime import plant_clock
from orchestrator.services.intake import Intake
from orchestrator.services.order_relations import order_relations
from orchestrator.services.schedule_promise import PromisePolicy, SchedulePromiser, supplier_lead_days
from orchestrator.settings import Settings, load_settings
from orchestrator.web.router import mount_pages


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application. Nothing is read from the environment before this is called."""
    settings = settings or load_settings()
    engine = make_engine(settings.resolved_database_url)

    hub = EventHub(engine, poll_interval=settings.event_poll_seconds,
                   listen_poll_interval=settings.event_listen_poll_seconds)

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

    @app.exception_handler(OperationalError)
    async def _database_unreachable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is down or restarting: nothing was stored, so the client may safely retry.
        return JSONResponse({"detail": "the app database is unreachable (it may be restarting); nothing was "
                                       "stored: retry shortly, with the same Idempotency-Key when placing an order"},
                            status_code=503, headers={"Retry-After": "2"})

    # The catalog is checked at start-up: a broken catalog stops the API with every problem listed.
    app.state.catalog = load_catalog(settings.catalog_dir)
    # Promises come from the live plant schedule, real stock and the suppliers' lead times.
    app.state.promiser = SchedulePromiser(
        engine, load_plant(settings.plant_file),
        supplier_lead_days(settings.suppliers_file, settings.promise_supply_confidence),
        PromisePolicy(after_production=timedelta(hours=settings.quality_check_hours + settings.packing_hours
                                                 + settings.transit_hours),
                      supply_confidence=settings.promise_supply_confidence),
    )
    app.state.engine = engine
    app.state.event_hub = hub
    app.state.clock = plant_clock(settings)
    app.state.intake = Intake(engine, app.state.catalog, app.state.promiser, app.state.clock, settings)
    app.state.order_relations = order_relations
    app.include_router(health.router)
    app.include_router(events.router)
    app.include_router(products.router)
    app.include_router(orders.router)
    app.include_router(suppliers.router)
    app.include_router(webhooks.router)
    app.include_router(integrations_routes.router)  # also runs the API's adapter journal (webhook deliveries)
    app.include_router(plant_routes.router)
    app.include_router(planner.router)
    app.include_router(demo.router)
    app.include_router(accounts.router)
    app.include_router(audit.router)
    app.include_router(privacy.router)
    app.include_router(simulations.router)  # also runs the API's what-if simulations
    document_error_answers(app)  # 413 and API-specific 422 answers in the OpenAPI schema
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes)  # 413 over the limit
    observe_api(app, settings, engine)  # /metrics, request metrics, log context, server spans
    mount_pages(app)
    return app
