"""Small builders shared by the supplier integration tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from orchestrator.ports.suppliers import PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus
from tests.fixtures.suppliers import SupplierSim


def purchase_order(
    sim: SupplierSim, po_id: str, supplier: str, item: str = "widget", quantity: int = 10, need_in_days: float = 2.0
) -> PurchaseOrder:
    """A one-line PO whose ASNs go to the test's receiver."""
    return PurchaseOrder(
        po_id=po_id,
        supplier=supplier,
        lines=(PurchaseOrderLine(item=item, quantity=Decimal(quantity)),),
        need_date=sim.plant_now() + timedelta(days=need_in_days),
        webhook_url=sim.receiver.url,
    )


def describe(status: PurchaseOrderStatus) -> str:
    """A one-line summary for assertion messages."""
    return f"{status.po_id}: {status.state.value}, {len(status.despatch_advices)} ASN(s)"
