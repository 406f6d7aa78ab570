"""The SCM portal's HTTP face: every supplier of the YAML under ``/suppliers/{supplier_id}/...``.

Documents are UBL-shaped JSON (see ``documents.py``); ``/admin`` switches fault modes at run time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response

from simulators.common.clock import SimClock
from simulators.suppliers.config import SupplierBook
from simulators.suppliers.documents import OrderCancellation, PurchaseOrderState, Quotation, RequestForQuotation
from simulators.suppliers.faults import Faults, RequestFate, request_fate
from simulators.suppliers.ordering import place_order
from simulators.suppliers.portal import PortalError, SupplierPortal, plant_iso
from simulators.suppliers.quoting import make_quotation
from simulators.suppliers.scheduler import ShipmentScheduler
from simulators.suppliers.shipping import despatch_now
from simulators.suppliers.store import Store

DEV_WEBHOOK_SECRET = "dev-only-secret-change-me"  # the shared development default; set your own


def _portal(request: Request) -> SupplierPortal:
    portal: SupplierPortal = request.app.state.portal
    return portal


Portal = Annotated[SupplierPortal, Depends(_portal)]


async def _fate(supplier_id: str, portal: Portal) -> RequestFate:
    """Apply the supplier's fault modes to this request: unknown supplier, down, latency, 5xx."""
    fate = request_fate(portal.faults(supplier_id), portal.rng)
    if fate.delay_seconds:
        await asyncio.sleep(fate.delay_seconds)
    if fate.status_before is not None:
        reason = "is down" if portal.faults(supplier_id).down else "failed (injected fault)"
        raise PortalError(fate.status_before, f"supplier {supplier_id!r} {reason}; try again later")
    return fate


Fate = Annotated[RequestFate, Depends(_fate)]


def _after(fate: RequestFate, supplier_id: str, response: Response) -> Response:
    """Lose the answer when the dice said the failure strikes after the work was done."""
    if fate.status_after is not None:
        return JSONResponse(
            {"detail": f"supplier {supplier_id!r} failed (injected fault) after processing the request"},
            status_code=fate.status_after,
        )
    return response


def _json(model: Any, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(exclude_none=True), status_code=status_code, media_type="application/json")


supplier_routes = APIRouter(prefix="/suppliers/{supplier_id}", tags=["supplier"])


@supplier_routes.get("")
async def get_supplier(supplier_id: str, portal: Portal, fate: Fate) -> Response:
    """One supplier with its parts and current faults."""
    return _after(fate, supplier_id, JSONResponse(portal.catalogue(portal.supplier(supplier_id))))


@supplier_routes.post("/rfqs", response_model=Quotation)
async def request_for_quotation(supplier_id: str, rfq: RequestForQuotation, portal: Portal, fate: Fate) -> Response:
    """RequestForQuotation in, Quotation out."""
    return _after(fate, supplier_id, _json(make_quotation(portal, supplier_id, rfq)))


@supplier_routes.post("/purchase-orders", status_code=201)
async def purchase_order(
    supplier_id: str,
    request: Request,
    portal: Portal,
    fate: Fate,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Response:
    """Order in, OrderResponse out (201); a repeated Idempotency-Key gets the first answer."""
    outcome = place_order(portal, supplier_id, idempotency_key, await request.body())
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    response = Response(outcome.body, status_code=outcome.status, media_type="application/json", headers=headers)
    return _after(fate, supplier_id, response)


@supplier_routes.get("/purchase-orders/{po_id}", response_model=PurchaseOrderState)
async def purchase_order_status(supplier_id: str, po_id: str, portal: Portal, fate: Fate) -> Response:
    """Status of a PO, with its OrderResponse and every DespatchAdvice sent so far."""
    return _after(fate, supplier_id, _json(portal.status(supplier_id, po_id)))


@supplier_routes.post("/purchase-orders/{po_id}/cancel", response_model=PurchaseOrderState)
async def cancel_purchase_order(
    supplier_id: str, po_id: str, portal: Portal, fate: Fate, body: OrderCancellation | None = None
) -> Response:
    """Cancel a PO that has not shipped (409 once shipped; repeating is harmless)."""
    state = portal.cancel(supplier_id, po_id, body.CancellationNote if body else None)
    return _after(fate, supplier_id, _json(state))


admin_routes = APIRouter(prefix="/admin", tags=["admin"])


@admin_routes.get("/faults")
async def all_faults(portal: Portal) -> dict[str, Faults]:
    """The fault settings in force for every supplier."""
    return {s.id: portal.faults(s.id) for s in portal.book.suppliers}


@admin_routes.put("/faults")
async def set_all_faults(faults: Faults, portal: Portal) -> dict[str, Faults]:
    """Switch the same faults on for every supplier."""
    return {s.id: portal.set_faults(s.id, faults) for s in portal.book.suppliers}


@admin_routes.delete("/faults")
async def reset_all_faults(portal: Portal) -> dict[str, Faults]:
    """Every supplier back to the faults of the YAML file."""
    return {s.id: portal.reset_faults(s.id) for s in portal.book.suppliers}


@admin_routes.get("/suppliers/{supplier_id}/purchase-orders")
async def supplier_purchase_orders(supplier_id: str, portal: Portal) -> list[dict[str, Any]]:
    """Every PO the supplier holds, with its status."""
    return portal.purchase_orders(supplier_id)


@admin_routes.post("/suppliers/{supplier_id}/purchase-orders/{po_id}/despatch", response_model=PurchaseOrderState)
async def despatch_purchase_order(supplier_id: str, po_id: str, portal: Portal) -> Response:
    """Ship an open PO now, as planned (demos and conformance runs cannot wait for its lead time); 409 when
    it is cancelled or rejected."""
    despatch_now(portal, supplier_id, po_id)
    return _json(portal.status(supplier_id, po_id))


@admin_routes.get("/suppliers/{supplier_id}/faults")
async def supplier_faults(supplier_id: str, portal: Portal) -> Faults:
    """A supplier's fault settings in force."""
    return portal.faults(supplier_id)


@admin_routes.put("/suppliers/{supplier_id}/faults")
async def set_supplier_faults(supplier_id: str, faults: Faults, portal: Portal) -> Faults:
    """Replace a supplier's fault settings (fields left out are off)."""
    return portal.set_faults(supplier_id, faults)


@admin_routes.delete("/suppliers/{supplier_id}/faults")
async def reset_supplier_faults(supplier_id: str, portal: Portal) -> Faults:
    """A supplier back to the faults of the YAML file."""
    return portal.reset_faults(supplier_id)


def create_app(
    book: SupplierBook,
    state_file: Path | str,
    clock: SimClock,
    webhook_secret: str = DEV_WEBHOOK_SECRET,
    seed: int = 0,
) -> FastAPI:
    """Build the portal. The database opens and the shipment loop starts with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(state_file)
        portal = SupplierPortal(book, store, clock, seed)
        scheduler = ShipmentScheduler(portal, webhook_secret)
        app.state.portal = portal
        scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()
            store.close()

    app = FastAPI(
        title="Supplier SCM portal (simulator)",
        version="1.0",
        description="UBL-shaped RFQ, purchase orders and ASNs for several simulated suppliers",
        lifespan=lifespan,
    )

    @app.exception_handler(PortalError)
    async def _portal_error(request: Request, exc: PortalError) -> JSONResponse:
        headers = {"Retry-After": "1"} if exc.status == 503 else None
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)

    @app.get("/health")
    async def health(request: Request) -> dict[str, object]:
        """Liveness: the portal answers (even when a supplier is down)."""
        portal: SupplierPortal = request.app.state.portal
        return {"status": "ok", "suppliers": len(portal.book.suppliers), "plant_time": plant_iso(portal.now_ts())}

    @app.get("/suppliers")
    async def list_suppliers(request: Request) -> list[dict[str, object]]:
        """Every supplier with its parts."""
        portal: SupplierPortal = request.app.state.portal
        return [portal.catalogue(s) for s in portal.book.suppliers]

    app.include_router(supplier_routes)
    app.include_router(admin_routes)
    return app
