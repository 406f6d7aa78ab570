"""The SCM portal's business core: suppliers, their fault settings, PO status and cancellation.

Quoting and ordering live in ``quoting.py`` and ``ordering.py``; despatch and delivery in
``shipping.py``. Errors are ``PortalError`` with the HTTP status and a message for the caller.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from simulators.common.clock import SimClock
from simulators.suppliers.config import SupplierBook, SupplierConfig
from simulators.suppliers.documents import (
    DespatchAdvice,
    Identifier,
    OrderResponse,
    PartyNameType,
    PartyRef,
    PartyType,
    POStatus,
    PurchaseOrderState,
    StatusEventType,
)
from simulators.suppliers.faults import Faults
from simulators.suppliers.store import Store


class PortalError(Exception):
    """A request the portal refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def plant_iso(ts: float) -> str:
    """ISO 8601 text of a plant instant."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")


def plant_dt(ts: float) -> datetime:
    """A plant instant as an aware datetime."""
    return datetime.fromtimestamp(ts, tz=UTC)


class SupplierPortal:
    """Every supplier of the YAML file behind one SCM portal, with durable state."""

    def __init__(self, book: SupplierBook, store: Store, clock: SimClock, seed: int = 0) -> None:
        self.book = book
        self.store = store
        self.clock = clock
        self.seed = seed
        # Per-request dice (latency, injected errors): their order is arrival order anyway.
        self.rng = random.Random(seed)
        self._listeners: list[Callable[[], None]] = []
        # Set by the shipping module: brings despatches and deliveries up to the plant time given.
        self.advance: Callable[[float], None] = lambda now_ts: None

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever a PO or shipment changes (the scheduler re-plans its sleep)."""
        self._listeners.append(listener)

    def changed(self) -> None:
        """Tell listeners that state changed."""
        for listener in self._listeners:
            listener()

    def now_ts(self) -> float:
        """Plant time now (Unix seconds)."""
        return self.clock.now_ts()

    def supplier(self, supplier_id: str) -> SupplierConfig:
        """The supplier, or a 404 naming the known ones."""
        supplier = self.book.get(supplier_id)
        if supplier is None:
            known = ", ".join(s.id for s in self.book.suppliers)
            raise PortalError(404, f"unknown supplier {supplier_id!r}; this portal hosts: {known}")
        return supplier

    def party(self, supplier: SupplierConfig) -> PartyRef:
        """The supplier as a UBL party."""
        return PartyRef(
            Party=PartyType(PartyIdentification=Identifier(ID=supplier.id), PartyName=PartyNameType(Name=supplier.name))
        )

    # -- faults ---------------------------------------------------------------------------------

    def faults(self, supplier_id: str) -> Faults:
        """The fault settings in force: changed at run time, else those of the YAML file."""
        supplier = self.supplier(supplier_id)
        stored = self.store.faults(supplier_id)
        return Faults.model_validate(stored) if stored is not None else supplier.faults

    def set_faults(self, supplier_id: str, faults: Faults) -> Faults:
        """Switch a supplier's faults (persisted, survives restarts)."""
        self.supplier(supplier_id)
        self.store.set_faults(supplier_id, faults.model_dump())
        self.changed()
        return faults

    def reset_faults(self, supplier_id: str) -> Faults:
        """Back to the faults of the YAML file."""
        supplier = self.supplier(supplier_id)
        self.store.clear_faults(supplier_id)
        self.changed()
        return supplier.faults

    # -- purchase order status ------------------------------------------------------------------

    def status(self, supplier_id: str, po_id: str) -> PurchaseOrderState:
        """The PO as the supplier sees it now (despatches due by now are made first)."""
        self.supplier(supplier_id)
        self.advance(self.now_ts())
        po = self.store.order(supplier_id, po_id)
        if po is None:
            raise PortalError(404, f"no purchase order {po_id!r} at supplier {supplier_id!r}")
        advices = [
            DespatchAdvice.model_validate_json(s.asn_json)
            for s in self.store.shipments_of(supplier_id, po_id)
            if s.asn_json is not None
        ]
        return PurchaseOrderState(
            ID=po.po_id,
            SupplierID=supplier_id,
            Status=cast(POStatus, po.status),
            OrderResponse=OrderResponse.model_validate_json(po.response_json),
            DespatchAdvice=advices,
            History=[StatusEventType.model_validate(h) for h in po.history],
        )

    def cancel(self, supplier_id: str, po_id: str, note: str | None = None) -> PurchaseOrderState:
        """Cancel a PO that has not shipped. Idempotent; a rejected PO has nothing to cancel."""
        state = self.status(supplier_id, po_id)
        if state.Status in ("cancelled", "rejected"):
            return state
        if state.Status in ("shipped", "delivered"):
            shipped = next((h.Timestamp for h in state.History if h.Status == "shipped"), None)
            when = f" on {shipped.isoformat()}" if shipped else ""
            raise PortalError(
                409,
                f"purchase order {po_id!r} already shipped{when} and can no longer be cancelled; "
                "receive the goods (and return them if they are not needed)",
            )
        now = self.now_ts()
        with self.store.transaction():
            for shipment in self.store.shipments_of(supplier_id, po_id):
                if shipment.state == "planned":
                    self.store.set_shipment_state(shipment.key, "cancelled")
            self.store.release(supplier_id, po_id)
            self.store.set_order_status(supplier_id, po_id, "cancelled", plant_iso(now), note=note)
        self.changed()
        return self.status(supplier_id, po_id)

    def catalogue(self, supplier: SupplierConfig) -> dict[str, Any]:
        """A supplier and its parts as plain JSON (the YAML's view; numbers stay numbers)."""
        data = _plain(supplier.model_dump(exclude={"faults", "endpoint"}, exclude_none=True))
        data["faults"] = self.faults(supplier.id).model_dump()
        return dict(data)

    def purchase_orders(self, supplier_id: str) -> list[dict[str, Any]]:
        """Every PO of a supplier with its status (for operators and tests: exactly one PO per need?)."""
        self.supplier(supplier_id)
        self.advance(self.now_ts())
        return [
            {"po_id": po_id, "status": status, "created": plant_iso(created)}
            for po_id, status, created in self.store.orders_of(supplier_id)
        ]


def _plain(value: Any) -> Any:
    """Decimals as JSON numbers, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
