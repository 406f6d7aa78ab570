"""The configurator: the product list (``/shop``) and one product's option form (``/shop/{sku}``).

The form is rendered server-side from the same option schema ``GET /api/products/{sku}`` returns;
the page script then re-quotes live through ``POST /api/products/{sku}/quote`` and places the order.
Catalog texts (names, labels, help, constraint messages) are shown in the page language where the
catalog translates them (its ``i18n`` blocks), English otherwise; the page chrome is translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from orchestrator.api.routes.products import ProductDetail, get_product
from orchestrator.catalog import Catalog, Product, UnknownProduct
from orchestrator.catalog.localise import localised
from orchestrator.web.i18n import translator
from orchestrator.web.templating import page_language, render

router = APIRouter(include_in_schema=False)

# Swatch colours. The catalog names colours but carries no colour values, so the page recognises RAL
# codes and common colour words in a choice's id or label. Specific words come before generic ones
# ("pearl white" is pearl, "sage green" is sage).
_RAL = {"9016": "#f1f0ea", "9006": "#a5a8a6", "7024": "#474a51", "9005": "#141414", "2010": "#d4652f"}
_COLOUR_WORDS: tuple[tuple[str, str], ...] = (
    ("pearl", "#ece8df"), ("champagne", "#d6c297"), ("graphite", "#474a51"), ("sage", "#9aad8a"),
    ("midnight", "#1c2340"), ("navy", "#23304f"), ("charcoal", "#3b3e44"), ("sand", "#cdb68b"),
    ("silver", "#b5b8bb"), ("orange", "#e0662a"), ("white", "#f4f4f0"), ("black", "#1b1b1b"),
    ("grey", "#7f8185"), ("gray", "#7f8185"), ("green", "#4f7d4a"), ("blue", "#2f5d9b"), ("red", "#b3262e"),
    ("yellow", "#e8c229"), ("brown", "#6e4b32"), ("beige", "#d9c7a7"),
)
_NEUTRAL = "#c8ccd2"  # the rendering's colour when an option has no recognisable colour yet
_WORD = re.compile(r"[a-z]+|\d{4}")


def swatch(choice_id: str, label: str) -> str | None:
    """The display colour of a choice, from a RAL code or a colour word in its id or label, if any."""
    words = _WORD.findall(f"{choice_id} {label}".lower().replace("_", " "))
    for word in words:
        if word in _RAL:
            return _RAL[word]
    for name, colour in _COLOUR_WORDS:
        if name in words:
            return colour
    return None


def colour_palettes(product: Product) -> dict[str, dict[str, str]]:
    """Option id -> choice id -> colour, for the choice options whose every choice is a colour."""
    palettes: dict[str, dict[str, str]] = {}
    for option in product.options:
        if option.type.value != "choice" or not option.choices:
            continue
        colours = {c.id: swatch(c.id, c.label) for c in option.choices}
        if all(colours.values()):
            palettes[option.id] = {k: v for k, v in colours.items() if v}
    return palettes


@dataclass(frozen=True)
class ArtState:
    """What the product rendering shows for a set of option values (the page script mirrors this).

    Feature conditions read ``option`` (true / non-empty), ``option=value`` (equal, or selected in a
    multi choice) and ``option=a|b`` (any of them).
    """

    values: Mapping[str, Any]
    palettes: Mapping[str, Mapping[str, str]]

    def fill(self, option: str) -> str:
        """The colour of the chosen value of a colour option."""
        return self.palettes.get(option, {}).get(str(self.values.get(option)), _NEUTRAL)

    def shows(self, condition: str) -> bool:
        """Whether a feature with this condition is visible."""
        name, _, wanted = condition.partition("=")
        value = self.values.get(name)
        if not wanted:
            return bool(value)
        chosen = value if isinstance(value, list | tuple) else [value]
        return any(str(v) in wanted.split("|") for v in chosen)

    def off(self, condition: str) -> str:
        """The CSS class hiding a feature whose condition does not hold."""
        return "" if self.shows(condition) else "off"

    def text(self, option: str) -> str:
        """An option's value as text (e.g. a monogram)."""
        value = self.values.get(option)
        return "" if value is None else str(value)


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def _defaults(product: Product) -> dict[str, Any]:
    return {o.id: list(o.default) if isinstance(o.default, list | tuple) else o.default for o in product.options}


def _colour_option(palettes: Mapping[str, Any]) -> str | None:
    return next(iter(palettes), None)


@router.get("/shop", response_class=HTMLResponse)
async def shop(request: Request) -> HTMLResponse:
    """Every catalog product as a card linking to its configurator."""
    catalog, lang = _catalog(request), page_language(request)
    cards = []
    for sku in sorted(catalog.products):
        product = catalog.products[sku]
        palettes = colour_palettes(product)  # from the English labels, which name the colours
        cards.append({"product": localised(product, lang), "art": ArtState(_defaults(product), palettes),
                      "colour_option": _colour_option(palettes)})
    return render(request, "shop_list.html", {"cards": cards})


@router.get("/shop/{sku}", response_class=HTMLResponse)
async def configure(sku: str, request: Request) -> HTMLResponse:
    """One product's option form with its live quote, rendering and order form."""
    catalog = _catalog(request)
    try:
        product = catalog.product(sku)
    except UnknownProduct:
        t = translator(page_language(request))
        return render(request, "error.html", {
            "title": t("shop.unknown_title"), "message": t("shop.unknown_message", sku=sku),
            "hint": t("shop.unknown_hint", skus=", ".join(sorted(catalog.products))),
            "back_href": "/shop", "back_label": t("shop.back"),
        }, status_code=404)
    lang = page_language(request)
    detail: ProductDetail = get_product(sku, request, lang=lang)
    palettes = colour_palettes(product)  # from the English labels, which name the colours
    product = localised(product, lang)
    # Personal options (body measurements, a monogram) are processed only with the customer's consent.
    personal = [o for o in product.options if o.personal]
    settings = request.app.state.settings
    schema = detail.model_dump(mode="json")
    page_data = {
        "product": schema,
        "palettes": palettes,
        "neutral": _NEUTRAL,
        # The planner reviews orders above these limits; the page says so before the customer orders.
        "approval": {"value_threshold": settings.approval_value_threshold,
                     "max_quantity": settings.approval_max_quantity},
        "personal": [o.id for o in personal],
    }
    sections: dict[str, list[dict[str, Any]]] = {}
    for option in schema["options"]:
        sections.setdefault(option["section"] or "", []).append(option)
    rules: dict[str, list[str]] = {}
    for rule in schema["constraints"]:
        rules.setdefault(rule["option"], []).append(rule["message"])
    return render(request, "shop_product.html", {
        "product": product, "schema": schema, "sections": sections, "rules": rules, "palettes": palettes,
        "art_state": ArtState(_defaults(product), palettes), "colour_option": _colour_option(palettes),
        "page_data": page_data, "personal_labels": ", ".join(o.label for o in personal),
        "quantity_breaks": [(b.min_quantity, f"{b.discount_percent:g}") for b in product.price.quantity_breaks],
    }, js_messages=("shop.",))
