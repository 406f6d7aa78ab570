"""Product catalog and quotes: the option schema a configurator UI renders, and priced, dated quotes.

The catalog is ``app.state.catalog`` (loaded by ``create_app``) and the delivery promise comes from
``app.state.promiser`` (any ``orchestrator.catalog.Promiser``). Request and response schemas live
here, separate from the domain types. Money is serialised as decimal strings (``"868.00"``).
"""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from orchestrator.api.errors import ErrorAnswer, answers
from orchestrator.api.schemas_orders import MAX_OPTIONS
from orchestrator.catalog import (
    CannotPromise,
    Catalog,
    CatalogRuleError,
    ConfigError,
    Product,
    Promiser,
    UnknownProduct,
    quote,
)
from orchestrator.catalog.localise import localised_catalog
from orchestrator.catalog.texts import BASE_LANGUAGE, TRANSLATION_LANGUAGES, translation_language
from orchestrator.clock import PlantClock

router = APIRouter(prefix="/api/products", tags=["products"])

#: ``?lang=``: the language of the catalog's texts (names, labels, messages); English when absent.
Lang = Annotated[
    str | None,
    Query(description="language of the catalog texts: en (default) or zh-CN; untranslated texts stay English"),
]


class _FromDomain(BaseModel):
    """A response schema filled from the attributes of the domain object it mirrors."""

    model_config = ConfigDict(from_attributes=True)


class ProductSummary(BaseModel):
    """A product in the catalog list."""

    sku: str
    name: str
    description: str
    currency: str
    base_price: Decimal
    max_quantity: int


class ChoiceSchema(_FromDomain):
    """One selectable value."""

    id: str
    label: str
    surcharge: Decimal


class OptionSchema(BaseModel):
    """One configurator question; fields not relevant to its ``type`` are null."""

    id: str
    label: str
    type: Literal["choice", "multi_choice", "boolean", "number", "text"]
    section: str | None
    help: str | None
    required: bool
    default: Any
    choices: list[ChoiceSchema] | None
    min_selected: int | None
    max_selected: int | None
    min: float | None
    max: float | None
    step: float | None
    unit: str | None
    max_length: int | None
    pattern: str | None
    surcharge: Decimal | None = Field(description="boolean options: added to the unit price when true")


class ConstraintSchema(BaseModel):
    """A rule the configuration must respect, with the message shown when it is broken."""

    id: str
    kind: Literal["requires", "excludes", "allowed_values", "relation"]
    option: str
    message: str
    reads: list[str] = Field(description="options the rule depends on")


class QuantityBreakSchema(_FromDomain):
    """From ``min_quantity`` units, the unit price drops by ``discount_percent``."""

    min_quantity: int
    discount_percent: Decimal


class ProductDetail(ProductSummary):
    """Everything a UI needs to render the configurator for one product."""

    options: list[OptionSchema]
    constraints: list[ConstraintSchema]
    quantity_breaks: list[QuantityBreakSchema]


class QuoteRequest(BaseModel):
    """A configuration to price and date."""

    model_config = ConfigDict(extra="forbid")  # e.g. ``quantiy`` is a client's typo, not something to ignore

    options: dict[str, Any] = Field(default_factory=dict, max_length=MAX_OPTIONS,
                                    description="option id -> value; omitted: default")
    quantity: Any = Field(default=1, json_schema_extra={"type": "integer", "minimum": 1})


class ConfigErrorSchema(_FromDomain):
    """One problem with the configuration."""

    option: str = Field(description="option id, or a JSON pointer such as /quantity")
    code: str
    message: str
    rule: str | None = None


class PriceLineSchema(_FromDomain):
    """A per-unit line of the price breakdown."""

    code: str
    label: str
    amount: Decimal


class PriceSchema(_FromDomain):
    """The price of the quote."""

    currency: str
    unit: Decimal
    total: Decimal
    quantity: int
    breakdown: list[PriceLineSchema]


class BomLineSchema(_FromDomain):
    """A row of the exploded BOM (quantities for the whole order)."""

    level: int
    item: str
    name: str
    kind: Literal["purchased", "stocked", "manufactured", "phantom"]
    quantity: float
    quantity_per: float
    unit: str
    parent: str
    scrap: float
    consumed_by: str | None
    lead_time_days: float | None
    via_phantom: str | None


class OperationSchema(_FromDomain):
    """An operation of the order's routing (plant minutes)."""

    id: str
    name: str
    work_centre_type: str
    item: str
    quantity: float
    setup_minutes: float
    run_minutes_per_unit: float
    total_minutes: float
    predecessors: list[str]
    lines: list[str]


class CapacitySchema(_FromDomain):
    """The order's work on one line."""

    line: str
    work_centre_types: list[str]
    operations: list[str]
    work_minutes: float
    start: datetime
    finish: datetime


class MaterialSchema(_FromDomain):
    """A material and when it can be at the line."""

    item: str
    name: str
    kind: str
    quantity: float
    unit: str
    needed_for: str
    covered_by_stock: bool
    lead_time_days: float
    available_at: datetime


class PromiseReasoningSchema(_FromDomain):
    """Why the promised date is what it is."""

    method: str
    summary: str
    material_ready_at: datetime
    production_start: datetime
    production_finish: datetime
    capacity: list[CapacitySchema]
    material: list[MaterialSchema]


class QuoteResponse(BaseModel):
    """A valid, priced and dated configuration."""

    sku: str
    valid: Literal[True] = True
    errors: list[ConfigErrorSchema] = []
    quantity: int
    options: dict[str, Any] = Field(description="every option's value, defaults filled in")
    price: PriceSchema
    bom: list[BomLineSchema]
    routing: list[OperationSchema]
    promised_date: date
    promised_at: datetime
    promise_reasoning: PromiseReasoningSchema


class QuoteRejected(BaseModel):
    """The configuration is invalid: every problem, each naming its option."""

    sku: str
    valid: Literal[False] = False
    errors: list[ConfigErrorSchema]
    detail: str


def _catalog(request: Request, lang: str | None = None) -> Catalog:
    """The catalog, in ``lang`` when one is asked (each language is localised once per loaded catalog)."""
    catalog: Catalog = request.app.state.catalog
    language = catalog_language(lang)
    if language is None:
        return catalog
    cached: tuple[Catalog, dict[str, Catalog]] | None = getattr(request.app.state, "localised_catalogs", None)
    if cached is None or cached[0] is not catalog:  # first use, or the catalog was reloaded
        cached = (catalog, {})
        request.app.state.localised_catalogs = cached
    if language not in cached[1]:
        cached[1][language] = localised_catalog(catalog, language)
    return cached[1][language]


def catalog_language(lang: str | None) -> str | None:
    """The translation language ``lang`` asks for (None: English); 422 for a language the catalog cannot speak."""
    if lang is None or not lang.strip():
        return None
    language = translation_language(lang)
    if language is None:
        known = ", ".join((BASE_LANGUAGE, *TRANSLATION_LANGUAGES))
        raise HTTPException(status_code=422, detail=f"lang={lang!r} is not a catalog language; use one of {known}")
    return None if language == BASE_LANGUAGE else language


def _product(request: Request, sku: str, lang: str | None = None) -> Product:
    try:
        return _catalog(request, lang).product(sku)
    except UnknownProduct as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


def _summary(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "currency": product.price.currency,
        "base_price": product.price.base,
        "max_quantity": product.max_quantity,
    }


@router.get("", response_model=list[ProductSummary], summary="List configurable products")
def list_products(request: Request, lang: Lang = None) -> list[ProductSummary]:
    """Every product in the catalog, by SKU."""
    products = _catalog(request, lang).products
    return [ProductSummary(**_summary(products[sku])) for sku in sorted(products)]


@router.get("/{sku}", response_model=ProductDetail, summary="Option schema of one product",
            responses=answers(404))
def get_product(sku: str, request: Request, lang: Lang = None) -> ProductDetail:
    """Options with defaults, ranges and choices, constraints with their messages, and quantity breaks."""
    product = _product(request, sku, lang)
    options = [
        OptionSchema(
            id=o.id,
            label=o.label,
            type=o.type.value,
            section=o.section,
            help=o.help,
            required=o.required,
            default=list(o.default) if isinstance(o.default, list | tuple) else o.default,
            choices=[ChoiceSchema.model_validate(c) for c in o.choices] or None,
            min_selected=o.min_selected,
            max_selected=o.max_selected,
            min=o.minimum,
            max=o.maximum,
            step=o.step,
            unit=o.unit,
            max_length=o.max_length,
            pattern=o.pattern,
            surcharge=o.surcharge if o.type.value == "boolean" else None,
        )
        for o in product.options
    ]
    constraints = [
        ConstraintSchema(id=c.id, kind=c.kind.value, option=c.option, message=c.message, reads=sorted(c.names))
        for c in product.constraints
    ]
    breaks = [QuantityBreakSchema.model_validate(b) for b in product.price.quantity_breaks]
    return ProductDetail(**_summary(product), options=options, constraints=constraints, quantity_breaks=breaks)


def _plant_now(request: Request) -> datetime:
    """Plant time now: ``app.state.clock`` when the composition root set one, else from the settings."""
    clock = getattr(request.app.state, "clock", None)
    if clock is None:
        settings = request.app.state.settings
        epoch = settings.clock_epoch if settings.clock_epoch is not None else time.time()
        clock = PlantClock(epoch=epoch, scale=settings.time_scale)
    now: datetime = clock.now()
    return now


def _errors(errors: tuple[ConfigError, ...]) -> list[ConfigErrorSchema]:
    return [ConfigErrorSchema.model_validate(e) for e in errors]


@router.post(
    "/{sku}/quote",
    response_model=QuoteResponse,
    summary="Price, explode and date a configuration",
    responses={
        404: {"description": "no product with this SKU"},
        # QuoteRejected when the configuration breaks the catalog's rules; a plain error (e.g. the body is not
        # an object) when it is not a configuration at all.
        422: {"model": QuoteRejected | ErrorAnswer,
              "description": "the configuration is invalid; every problem is listed"},
        503: {"description": "no delivery date can be promised (e.g. no line does a needed operation)"},
    },
)
async def quote_product(sku: str, body: QuoteRequest, request: Request, lang: Lang = None) -> Any:
    """Validate the configuration (all problems at once), price it, explode BOM and routing, promise a date.

    With ``?lang=`` the breakdown labels, option labels in messages, constraint messages and operation
    names are the catalog's translations; the promise reasoning stays English.
    """
    product = _product(request, sku, lang)
    try:
        result = quote(_catalog(request, lang), product.sku, body.options, body.quantity)
    except CatalogRuleError as exc:
        raise HTTPException(status_code=500, detail=f"catalog defect: {exc}") from exc
    if not result.valid:
        rejected = QuoteRejected(
            sku=sku, errors=_errors(result.errors), detail=f"{len(result.errors)} problem(s) with the configuration"
        )
        return JSONResponse(status_code=422, content=rejected.model_dump(mode="json"))
    promiser: Promiser = request.app.state.promiser
    try:
        promise = await promiser.promise(result.routing, result.bom, result.configuration.quantity, _plant_now(request))
    except CannotPromise as exc:
        raise HTTPException(status_code=503, detail=f"cannot promise a delivery date: {exc}") from exc
    assert result.price is not None  # a valid quote is always priced
    return QuoteResponse(
        sku=sku,
        quantity=result.configuration.quantity,
        options={k: list(v) if isinstance(v, tuple) else v for k, v in result.configuration.options.items()},
        price=PriceSchema.model_validate(result.price),
        bom=[BomLineSchema.model_validate(row) for row in result.bom],
        routing=[OperationSchema.model_validate(op) for op in result.routing],
        promised_date=promise.promised_date,
        promised_at=promise.promised_at,
        promise_reasoning=PromiseReasoningSchema.model_validate(promise),
    )
