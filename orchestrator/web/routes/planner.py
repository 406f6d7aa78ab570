"""The planner console (``/planner``): key figures, the lines' live state, the exceptions queue, the Gantt.

The page is rendered with the plant's lines (so the board has its cards at once); the live figures come
from the JSON API (``/api/planner/*``, ``/api/lines``, ``/api/schedule``) and the plant event stream.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from orchestrator.plant import Plant, load_plant
from orchestrator.web.templating import page_language, render

router = APIRouter(include_in_schema=False)


def _plant(request: Request) -> Plant:
    plant: Plant | None = getattr(request.app.state, "plant", None)
    if plant is None:
        plant = load_plant(request.app.state.settings.plant_file)
        request.app.state.plant = plant
    return plant


@router.get("/planner", response_class=HTMLResponse)
async def planner(request: Request) -> HTMLResponse:
    plant = _plant(request)
    lang = page_language(request)
    lines = [{"id": line.id, "name": line.name_in(lang), "capabilities": [str(c) for c in line.capabilities]}
             for line in plant.lines.values()]
    settings = request.app.state.settings
    return render(request, "planner.html", {
        "plant_name": plant.name, "lines": lines, "time_scale": settings.time_scale,
        "plant_time": request.app.state.clock.now().isoformat(),
    }, js_messages=("planner.",))
