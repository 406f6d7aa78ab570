"""Mount the pages and their static files on the API application (called by its composition root)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from orchestrator.web.routes import home, integrations, planner, shop, track
from orchestrator.web.templating import TEMPLATES_DIR

STATIC_DIR = TEMPLATES_DIR.parent / "static"


def mount_pages(app: FastAPI) -> None:
    """Serve ``/``, ``/shop``, ``/track/{order_id}``, ``/planner``, ``/integrations`` and ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (home, shop, track, planner, integrations):
        app.include_router(module.router)
