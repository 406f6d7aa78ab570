"""``GET /api/suppliers`` and ``GET /api/suppliers/{id}``: the supplier catalogue with scorecards.

Scorecards are computed from the supplier history the sourcing workflows record (see
``orchestrator/inventory/scorecard.py``); ``since`` limits them to recent history.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from orchestrator.api.auth import require
from orchestrator.api.errors import answers
from orchestrator.inventory.scorecard import Scorecard, compute_scorecard
from orchestrator.inventory.supplier_list import SupplierFileError, SupplierListing, load_supplier_listings
from orchestrator.persistence import purchasing_repo
from orchestrator.security.principals import Permission
from orchestrator.settings import Settings

router = APIRouter(prefix="/api/suppliers", tags=["suppliers"], dependencies=[require(Permission.READ_SUPPLIERS)],
                   responses=answers(401, 403))
RECENT_ORDERS = 20


class ScorecardOut(BaseModel):
    """A supplier's record: rates are null until there is something to count."""

    purchase_orders: int
    accepted: int
    rejected: int
    unanswered: int
    deliveries: int
    on_time_deliveries: int
    on_time_rate: float | None
    rejection_rate: float | None
    no_answer_rate: float | None
    avg_lead_time_error_days: float | None


class PartOut(BaseModel):
    """An item the supplier sells."""

    item: str
    name: str | None
    price: float | None
    currency: str | None
    unit: str | None
    moq: float
    multiple: float


class SupplierOut(BaseModel):
    """A supplier with its scorecard."""

    id: str
    name: str
    country: str | None
    items: list[str]
    scorecard: ScorecardOut


class PurchaseOrderOut(BaseModel):
    """One of the supplier's recent purchase orders."""

    po_id: str
    order_id: str
    item: str
    quantity: float
    state: str
    promised_delivery: datetime | None
    received_at: datetime | None
    created_at: datetime


class SupplierDetail(SupplierOut):
    """A supplier, its parts, scorecard and recent purchase orders."""

    parts: list[PartOut]
    recent_purchase_orders: list[PurchaseOrderOut]


def _listings(request: Request) -> list[SupplierListing]:
    settings: Settings = request.app.state.settings
    try:
        return load_supplier_listings(settings.suppliers_file)
    except SupplierFileError as exc:
        raise HTTPException(500, f"the supplier configuration cannot be read: {exc}") from exc


def _out(listing: SupplierListing, card: Scorecard) -> dict[str, object]:
    return {
        "id": listing.id, "name": listing.name, "country": listing.country,
        "items": [p.item for p in listing.parts],
        "scorecard": ScorecardOut.model_validate(card, from_attributes=True),
    }


@router.get("", response_model=list[SupplierOut], summary="Suppliers with scorecards")
async def list_suppliers(
    request: Request, since: datetime | None = Query(None, description="score only history from this plant time on")
) -> list[dict[str, object]]:
    """Every configured supplier, the items it sells, and its scorecard."""
    listings = _listings(request)
    engine = request.app.state.engine
    history = await asyncio.to_thread(purchasing_repo.supplier_history, engine, [s.id for s in listings], since)
    return [_out(s, compute_scorecard(s.id, history)) for s in listings]


@router.get("/{supplier_id}", response_model=SupplierDetail, summary="One supplier", responses=answers(404))
async def get_supplier(
    supplier_id: str, request: Request,
    since: datetime | None = Query(None, description="score only history from this plant time on"),
) -> dict[str, object]:
    """A supplier's parts, scorecard and most recent purchase orders."""
    listings = _listings(request)
    listing = next((s for s in listings if s.id == supplier_id), None)
    if listing is None:
        known = ", ".join(s.id for s in listings) or "none"
        raise HTTPException(404, f"no supplier {supplier_id!r} is configured; known suppliers: {known}")
    engine = request.app.state.engine
    history = await asyncio.to_thread(purchasing_repo.supplier_history, engine, [supplier_id], since)
    orders = await asyncio.to_thread(purchasing_repo.purchase_orders, engine, None, None, supplier_id)
    recent = sorted(orders, key=lambda po: po.created_at, reverse=True)[:RECENT_ORDERS]
    return {
        **_out(listing, compute_scorecard(supplier_id, history)),
        "parts": [PartOut.model_validate(p, from_attributes=True) for p in listing.parts],
        "recent_purchase_orders": [PurchaseOrderOut.model_validate(po, from_attributes=True) for po in recent],
    }
