"""The API's composition root: builds the FastAPI application from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from orchestrator.api.event_hub import EventHub
from orchestrator.api.routes import events, health, orders, products, suppliers, webhooks
from orchestrator.api.routes import plant as plant_routes
from orchestrator.catalog import load_catalog
from orchestrator.persistence.db import make_engine
from orchestrator.plant import load_plant
from orchestrator.runtime import plant_clock
from orchestrator.services.intake import Intake
from orchestrator.services.order_relations import order_relations
from orchestrator.services.schedule_promise import PromisePolicy, SchedulePromiser, supplier_lead_days
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
    # The catalog is checked at start-up: a broken catalog stops the API with every problem listed.
    app.state.catalog = load_catalog(settings.catalog_dir)
    # Promises come from the live plant schedule, real stock and the suppliers' lead times.
    app.state.promiser = SchedulePromiser(
        engine, load_plant(settings.plant_file), supplier_lead_days(settings.suppliers_file),
        PromisePolicy(after_production=timedelta(hours=settings.quality_check_hours + settings.packing_hours
                                                 + settings.transit_hours)),
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
    app.include_router(plant_routes.router)
    return app
