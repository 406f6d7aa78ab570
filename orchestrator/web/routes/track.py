"""The customer's tracker (``/track/{order_id}``): the order as it stands, then live from its event stream.

The first render reads what ``GET /api/orders/{id}`` answers (the same JSON is embedded for the script),
the product's option labels and colours from the catalog, and the plant's lines with their stations and
last known state. The script then follows ``GET /api/orders/{id}/events`` and re-reads the order when a
milestone arrives. The tracking link's ``?token=`` stays in the address so the script's calls carry it;
without it (or with a wrong one) the page says the order was not found.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from orchestrator.api.order_access import order_access
from orchestrator.api.routes.orders import get_order
from orchestrator.api.routes.products import catalog_language
from orchestrator.api.schemas_orders import OrderDetail
from orchestrator.catalog import Product, UnknownProduct
from orchestrator.catalog.localise import localised, operation_names
from orchestrator.orders.stages import HAPPY_PATH, TERMINAL, Stage, cancel_refusal
from orchestrator.persistence import work_orders_repo
from orchestrator.plant import load_plant
from orchestrator.web.i18n import translator
from orchestrator.web.templating import page_language, render

router = APIRouter(include_in_schema=False)

STAGES = frozenset(s.value for s in Stage)
#: Stages an order passes only sometimes: shown on the timeline only once the order has been there.
OPTIONAL_STAGES = frozenset({Stage.AWAITING_APPROVAL, Stage.SOURCING})
#: Stages in which the configuration may still change (the workflow also refuses once a line has started).
CHANGEABLE_STAGES = frozenset({Stage.RECEIVED, Stage.AWAITING_APPROVAL, Stage.PLANNED, Stage.SOURCING,
                               Stage.MATERIALS_RESERVED, Stage.SCHEDULED})
#: Event kinds the tracker lists in the order's history (the customer's view of the trail); line state and
#: progress only drive the live panel.
TRAIL_KINDS: tuple[str, ...] = (
    "stage", "delay", "held", "released", "approval_escalated", "approval_decided", "configuration_changed",
    "rescheduled", "work_order_started", "work_order_completed", "work_order_aborted", "work_order_held",
    "work_order_resumed",
)
#: Work order states in which a line has taken it (its operation can no longer change).
STARTED_STATES = frozenset({"running", "held", "completed", "aborted"})

#: Colour words in option values (``wool_navy``, ``matt_black``) and how the product picture paints them.
PALETTE: dict[str, str] = {
    "white": "#f4f5f2", "pearl": "#eeece6", "silver": "#c3c7cb", "champagne": "#d9c49a", "graphite": "#4a4e55",
    "black": "#222326", "sage": "#9fb08c", "green": "#4f7a4a", "navy": "#25304d", "charcoal": "#3d4147",
    "grey": "#8d9095", "gray": "#8d9095", "sand": "#d6c6a4", "midnight": "#1c2340", "blue": "#2f5d9e",
    "red": "#b3322c", "orange": "#e07b28", "yellow": "#e8c547", "brown": "#6e4b33", "beige": "#d9c9a8",
    "cream": "#efe6cf", "burgundy": "#6d1f2c", "olive": "#6b6b3a", "teal": "#2f7d7d",
}
COLOUR_OPTIONS = ("colour", "color", "fabric_colour", "fabric_color", "fabric")
FAMILIES = ("aircon", "ebike", "suit")
DEFAULT_COLOUR = "#9aa3b2"


def colour_of(value: object) -> str | None:
    """The paint of an option value by its colour words (``wool_cashmere_midnight`` -> midnight blue)."""
    if not isinstance(value, str):
        return None
    for word in reversed(value.lower().replace("-", "_").split("_")):
        if word in PALETTE:
            return PALETTE[word]
    return None


def colour_option(product: Product | None) -> str | None:
    """The id of the option that decides the product's colour, if it has one."""
    if product is None:
        return None
    return next((o for o in COLOUR_OPTIONS if o in product.options_by_id), None)


def option_labels(product: Product | None) -> dict[str, dict[str, Any]]:
    """Per option: its label, type, unit and choice labels (for the summary and the change form)."""
    if product is None:
        return {}
    return {o.id: {"label": o.label, "type": o.type.value, "unit": o.unit,
                   "choices": {c.id: c.label for c in o.choices}} for o in product.options}


def option_text(t: Any, spec: dict[str, Any] | None, value: object) -> str:
    """One option's value in words: a choice's label, yes/no, a number with its unit."""
    if spec is None:
        return str(value)
    choices = spec["choices"]
    if isinstance(value, bool):
        return t("track.yes") if value else t("track.no")
    if isinstance(value, list):
        return ", ".join(choices.get(v, str(v)) for v in value) or t("common.none")
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    return f"{value} {spec['unit']}" if spec.get("unit") else str(value)


@dataclass(frozen=True)
class Step:
    """One entry of the milestone timeline: a stage, where the order stands to it, and when it got there."""

    stage: str
    state: str  # done | current | pending | end (an off-path ending) | hold
    at: str | None


def timeline(status: str, milestones: list[dict[str, Any]]) -> list[Step]:
    """The happy path with done/current/pending, optional stages only when visited, off-path states added.

    The script (``track.js``, ``timeline``) follows the same rules when the order changes.
    """
    reached: dict[str, str] = {}
    hold: str | None = None
    for m in milestones:
        if m["kind"] == "stage" and m["payload"].get("stage"):
            reached[m["payload"]["stage"]] = m["plant_time"]
        elif m["kind"] in ("held", "released"):
            hold = m["plant_time"] if m["kind"] == "held" else None
    path = [s.value for s in HAPPY_PATH if s not in OPTIONAL_STAGES or s.value in reached or s.value == status]
    if status not in path:  # cancelled, rejected, failed: what was done, then the ending
        return [Step(s, "done", reached[s]) for s in path if s in reached] + [Step(status, "end", reached.get(status))]
    here = path.index(status)
    steps = []
    for i, stage in enumerate(path):
        state = "done" if i < here or status == Stage.DELIVERED else "current" if i == here else "pending"
        steps.append(Step(stage, state, reached.get(stage) if i <= here else None))
        if i == here and hold is not None:
            steps.append(Step("on_hold", "hold", hold))
    return steps


def _lines(request: Request, lang: str | None = None) -> dict[str, dict[str, Any]]:
    """The plant's lines with their stations (in ``lang`` where translated) and last known state."""
    plant = getattr(request.app.state, "plant", None)
    if plant is None:
        plant = load_plant(request.app.state.settings.plant_file)
        request.app.state.plant = plant
    with request.app.state.engine.connect() as conn:
        statuses = work_orders_repo.line_statuses(conn)
    lines = {}
    for line in plant.lines.values():
        s = statuses.get(line.id)
        lines[line.id] = {"id": line.id, "name": line.name_in(lang) or line.id,
                          "stations": list(line.stations_in(lang)),
                          "state_name": s.state_name if s else None, "job": s.job_order_id if s else None,
                          "stop_message": s.stop_message if s else None}
    return lines


def _product(request: Request, sku: str) -> Product | None:
    try:
        return request.app.state.catalog.product(sku)  # type: ignore[no-any-return]
    except UnknownProduct:  # an order of a product since removed from the catalog still tracks
        return None


@router.get("/track/{order_id}", response_class=HTMLResponse)
async def track(order_id: str, request: Request) -> HTMLResponse:
    """The tracker page of one order (404 page for an unknown order)."""
    t = translator(page_language(request))
    try:
        # The page is reached by the tracking link: its token grants reading this one order. Without a
        # valid token the order is "not found", whether it exists or not.
        access = await order_access(order_id, request, None, request.query_params.get("token") or "")
        raw = await get_order(order_id, request, access)
    except HTTPException as exc:
        if exc.status_code not in (401, 404):
            raise
        return render(request, "error.html", {
            "title": t("track.not_found_title"), "message": t("track.not_found", order_id=order_id),
            "hint": t("track.not_found_hint"), "back_href": "/shop", "back_label": t("common.shop"),
        }, status_code=404)
    detail = OrderDetail.model_validate(raw).model_dump(mode="json")
    lang = catalog_language(page_language(request))
    english = _product(request, detail["sku"])
    product = localised(english, lang) if english is not None else None
    # Work orders carry the catalog's English operation names; the page shows them in its language.
    names = dict(operation_names(request.app.state.catalog, lang))
    for w in detail["work_orders"]:
        w["name"] = names.get(w["name"], w["name"])
    labels = option_labels(product)
    colour_opt = colour_option(product)
    colours = {c: colour_of(c) or DEFAULT_COLOUR for c in labels.get(colour_opt or "", {}).get("choices", {})}
    status = detail["status"]
    work_orders = detail["work_orders"]
    started = any(w["state"] in STARTED_STATES for w in work_orders)
    data = {
        "order": detail, "lines": await asyncio.to_thread(_lines, request, lang), "options": labels,
        "operation_names": names,
        "colour_option": colour_opt, "colours": colours, "trail_kinds": list(TRAIL_KINDS),
        "happy_path": [s.value for s in HAPPY_PATH], "optional": sorted(s.value for s in OPTIONAL_STAGES),
        "changeable": sorted(s.value for s in CHANGEABLE_STAGES), "started_states": sorted(STARTED_STATES),
        "no_cancel": [s.value for s in Stage if cancel_refusal(s)],
        "after": max((m["id"] for m in detail["milestones"]), default=0),
    }
    context = {
        "order": detail, "data": data, "product": product, "labels": labels,
        "family": next((f for f in FAMILIES if detail["sku"].startswith(f)), "generic"),
        "colour": colours.get(str(detail["options"].get(colour_opt or ""))) or DEFAULT_COLOUR,
        "options_text": [(labels.get(k, {}).get("label", k), option_text(t, labels.get(k), v))
                         for k, v in detail["options"].items()],
        "steps": timeline(status, detail["milestones"]),
        "late": bool(raw["eta"] and raw["eta"] > raw["promised_date"]),
        "delays": [m for m in detail["milestones"] if m["kind"] == "delay"],
        "can_cancel": status in STAGES and cancel_refusal(Stage(status)) is None,
        "can_change": status in CHANGEABLE_STAGES and not started,
        "terminal": status in TERMINAL,
    }
    return render(request, "track.html", context, js_messages=("track.",))
