"""RFQs, purchase orders and their answers against the real supplier simulator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from orchestrator.ports.suppliers import (
    AckState,
    PurchaseOrderNotFound,
    PurchaseOrderState,
    QuoteRequest,
    SupplierRejected,
    SupplierUnavailable,
)
from tests.fixtures.suppliers import SupplierSim
from tests.integration.suppliers.helpers import purchase_order


async def test_rfq_returns_a_quote_with_price_date_and_validity(supplier_sim: SupplierSim) -> None:
    before = supplier_sim.plant_now()
    async with supplier_sim.adapter("quick-parts") as supplier:
        quote = await supplier.request_quote(
            QuoteRequest(rfq_id="RFQ-1", item="widget", quantity=Decimal(12), need_date=before + timedelta(days=3))
        )
    assert quote.supplier == "quick-parts"
    assert quote.rfq_id == "RFQ-1"
    assert (quote.item, quote.quantity, quote.unit) == ("widget", Decimal(12), "pcs")
    assert (quote.unit_price, quote.currency, quote.total) == (Decimal("12.5"), "EUR", Decimal("150"))
    # The promise follows the triangular lead time (0.01-0.02 plant days) from the time of quoting.
    assert before + timedelta(days=0.005) < quote.promised_date < supplier_sim.plant_now() + timedelta(days=0.03)
    assert quote.valid_until > quote.promised_date


async def test_rfq_for_an_item_the_supplier_does_not_sell_is_refused(supplier_sim: SupplierSim) -> None:
    async with supplier_sim.adapter("steady-supply") as supplier:
        with pytest.raises(SupplierRejected, match="does not sell item 'bulk-bolt'"):
            await supplier.request_quote(QuoteRequest(rfq_id="RFQ-2", item="bulk-bolt", quantity=Decimal(1)))


async def test_order_below_moq_is_conditionally_accepted_with_the_adjusted_quantity(supplier_sim: SupplierSim) -> None:
    po = purchase_order(supplier_sim, "PO-MOQ", "quick-parts", item="bulk-bolt", quantity=7)
    async with supplier_sim.adapter("quick-parts") as supplier:
        ack = await supplier.place_order(po, "key-moq")
    assert ack.state is AckState.CHANGED
    assert ack.lines[0].quantity == Decimal(100)
    assert ack.lines[0].state is AckState.CHANGED
    assert ack.reason is not None and "raised to 100" in ack.reason and "minimum order 100" in ack.reason
    assert ack.promised_date is not None


async def test_order_of_a_multiple_above_moq_is_rounded_up_to_the_multiple(supplier_sim: SupplierSim) -> None:
    po = purchase_order(supplier_sim, "PO-MULT", "quick-parts", item="bulk-bolt", quantity=120)
    async with supplier_sim.adapter("quick-parts") as supplier:
        ack = await supplier.place_order(po, "key-mult")
    assert (ack.state, ack.lines[0].quantity) == (AckState.CHANGED, Decimal(150))


async def test_order_as_asked_is_accepted(supplier_sim: SupplierSim) -> None:
    po = purchase_order(supplier_sim, "PO-AP", "quick-parts")
    async with supplier_sim.adapter("quick-parts") as supplier:
        ack = await supplier.place_order(po, "key-ap")
        status = await supplier.order_status("PO-AP")
    assert ack.state is AckState.ACCEPTED and ack.reason is None
    assert ack.supplier_reference and ack.supplier_reference.startswith("SO-QUICK-PARTS-")
    assert status.ack == ack
    assert status.state in (PurchaseOrderState.ACCEPTED, PurchaseOrderState.SHIPPED, PurchaseOrderState.DELIVERED)


async def test_full_daily_capacity_pushes_the_promise_to_a_later_day(supplier_sim: SupplierSim) -> None:
    async with supplier_sim.adapter("quick-parts") as supplier:
        first = await supplier.place_order(
            purchase_order(supplier_sim, "PO-CAP-1", "quick-parts", item="rationed-chip", quantity=10), "cap-1"
        )
        second = await supplier.place_order(
            purchase_order(supplier_sim, "PO-CAP-2", "quick-parts", item="rationed-chip", quantity=10), "cap-2"
        )
    assert first.promised_date is not None and second.promised_date is not None
    assert second.promised_date.date() > first.promised_date.date(), (first.promised_date, second.promised_date)


async def test_reject_rate_one_rejects_every_order(supplier_sim: SupplierSim) -> None:
    supplier_sim.set_faults("steady-supply", reject_rate=1.0)
    async with supplier_sim.adapter("steady-supply") as supplier:
        acks = [
            await supplier.place_order(purchase_order(supplier_sim, f"PO-RE-{n}", "steady-supply"), f"re-{n}")
            for n in range(3)
        ]
        status = await supplier.order_status("PO-RE-0")
    assert [a.state for a in acks] == [AckState.REJECTED] * 3
    assert all(a.reason and "simulated rejection" in a.reason for a in acks)
    assert all(a.promised_date is None for a in acks)
    assert status.state is PurchaseOrderState.REJECTED


async def test_purchase_order_without_idempotency_key_is_a_clear_400(supplier_sim: SupplierSim) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"{supplier_sim.supplier_url('quick-parts')}/purchase-orders",
            json={"ID": "PO-NOKEY", "OrderLine": [{"LineItem": {"Item": {"ID": "widget"}, "Quantity": 1}}]},
        )
    assert r.status_code == 400
    assert "Idempotency-Key" in r.json()["detail"]
    assert supplier_sim.purchase_orders("quick-parts") == []


async def test_unknown_purchase_order_and_unknown_supplier(supplier_sim: SupplierSim) -> None:
    async with supplier_sim.adapter("quick-parts") as supplier:
        with pytest.raises(PurchaseOrderNotFound):
            await supplier.order_status("PO-NOPE")
        with pytest.raises(PurchaseOrderNotFound):
            await supplier.cancel_order("PO-NOPE")
    async with supplier_sim.adapter("no-such-supplier") as ghost:
        with pytest.raises(SupplierRejected, match="unknown supplier"):
            await ghost.request_quote(QuoteRequest(rfq_id="RFQ-3", item="widget", quantity=Decimal(1)))


async def test_a_supplier_that_is_down_is_unavailable_and_comes_back(supplier_sim: SupplierSim) -> None:
    supplier_sim.set_faults("quick-parts", down=True)
    request = QuoteRequest(rfq_id="RFQ-4", item="widget", quantity=Decimal(1))
    async with supplier_sim.adapter("quick-parts") as supplier:
        with pytest.raises(SupplierUnavailable, match="503"):
            await supplier.request_quote(request)
        supplier_sim.set_faults("quick-parts")
        assert (await supplier.request_quote(request)).quantity == Decimal(1)


async def test_an_unreachable_supplier_is_unavailable() -> None:
    from adapters.suppliers.http import HttpSupplierAdapter
    from tests.support.ports import free_port

    async with HttpSupplierAdapter("gone", f"http://127.0.0.1:{free_port()}/suppliers/gone", timeout=2) as supplier:
        with pytest.raises(SupplierUnavailable, match="ConnectError"):
            await supplier.order_status("PO-1")


async def test_a_multi_line_po_is_answered_per_line_and_shipped_as_one_consignment(supplier_sim: SupplierSim) -> None:
    from orchestrator.ports.suppliers import PurchaseOrderLine

    lines = (
        PurchaseOrderLine(line_id="1", item="widget", quantity=Decimal(3)),
        PurchaseOrderLine(line_id="2", item="bulk-bolt", quantity=Decimal(7)),
    )
    po = purchase_order(supplier_sim, "PO-MULTI", "quick-parts").model_copy(update={"lines": lines})
    async with supplier_sim.adapter("quick-parts") as supplier:
        ack = await supplier.place_order(po, "multi-1")
        with pytest.raises(SupplierRejected, match="must be unique"):
            # model_copy skips validation: a PO our contract refuses reaches the supplier, which refuses it too.
            doubled = po.model_copy(update={"po_id": "PO-DOUBLED", "lines": (lines[0], lines[0])})
            await supplier.place_order(doubled, "multi-2")
    assert ack.state is AckState.CHANGED
    assert [(ln.line_id, ln.state, ln.quantity) for ln in ack.lines] == [
        ("1", AckState.ACCEPTED, Decimal(3)), ("2", AckState.CHANGED, Decimal(100))
    ]
    assert ack.lines[0].promised_date == ack.lines[1].promised_date == ack.promised_date
