"""Despatch on the plant clock, signed ASN webhooks, delivery, cancellation and ASN faults."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.suppliers.http import parse_despatch_advice
from orchestrator.ports.suppliers import CancelRefused, PurchaseOrderState
from orchestrator.webhooks import SIGNATURE_HEADER, verify
from tests.fixtures.suppliers import SupplierSim, eventually
from tests.integration.suppliers.helpers import purchase_order


async def test_asn_arrives_signed_and_the_po_goes_shipped_then_delivered(supplier_sim: SupplierSim) -> None:
    receiver = supplier_sim.receiver
    seen: list[PurchaseOrderState] = []
    async with supplier_sim.adapter("quick-parts") as supplier:
        await supplier.place_order(purchase_order(supplier_sim, "PO-SHIP", "quick-parts", quantity=4), "ship-1")

        async def asn_received() -> bool:
            seen.append((await supplier.order_status("PO-SHIP")).state)
            return bool(receiver.for_po("PO-SHIP"))

        await eventually(asn_received, 10, "ASN for PO-SHIP at the webhook")
        webhook = receiver.for_po("PO-SHIP")[0]
        verify(supplier_sim.secret, webhook.headers[SIGNATURE_HEADER.lower()], webhook.body, time.time())
        asn = parse_despatch_advice(webhook.body)
        assert (asn.po_id, asn.supplier) == ("PO-SHIP", "quick-parts")
        assert [(ln.item, ln.shipped_quantity, ln.outstanding_quantity) for ln in asn.lines] == [
            ("widget", Decimal(4), Decimal(0))
        ]
        assert not asn.partial and asn.estimated_delivery >= asn.shipped_at

        async def delivered() -> bool:
            status = await supplier.order_status("PO-SHIP")
            seen.append(status.state)
            return status.state is PurchaseOrderState.DELIVERED

        await eventually(delivered, 10, "PO-SHIP delivered")
        final = await supplier.order_status("PO-SHIP")
    # Polls may miss the short transit, but the states seen never go back.
    order = [PurchaseOrderState.ACCEPTED, PurchaseOrderState.SHIPPED, PurchaseOrderState.DELIVERED]
    ranks = [order.index(state) for state in seen]
    assert ranks == sorted(ranks) and ranks[-1] == 2, seen
    assert final.despatch_advice == asn
    assert final.shipped_at is not None and final.delivered_at is not None
    assert final.shipped_at < final.delivered_at
    assert final.delivered_at >= asn.estimated_delivery
    assert len(receiver.for_po("PO-SHIP")) == 1


async def test_cancel_before_shipping_works_and_is_idempotent(supplier_sim: SupplierSim) -> None:
    async with supplier_sim.adapter("steady-supply") as supplier:
        po = purchase_order(supplier_sim, "PO-CANCEL", "steady-supply", item="slow-gear")
        await supplier.place_order(po, "cancel-1")
        first = await supplier.cancel_order("PO-CANCEL", reason="customer order cancelled")
        again = await supplier.cancel_order("PO-CANCEL")
        status = await supplier.order_status("PO-CANCEL")
    assert first.state is PurchaseOrderState.CANCELLED and first.cancelled_at is not None
    assert again == first == status
    assert status.despatch_advices == ()


async def test_cancel_after_shipping_is_refused(supplier_sim: SupplierSim) -> None:
    async with supplier_sim.adapter("quick-parts") as supplier:
        await supplier.place_order(purchase_order(supplier_sim, "PO-LATE-CANCEL", "quick-parts"), "cancel-2")

        async def shipped() -> bool:
            return (await supplier.order_status("PO-LATE-CANCEL")).state is not PurchaseOrderState.ACCEPTED

        await eventually(shipped, 10, "PO-LATE-CANCEL shipped")
        with pytest.raises(CancelRefused, match="already shipped"):
            await supplier.cancel_order("PO-LATE-CANCEL")
        assert (await supplier.order_status("PO-LATE-CANCEL")).state is not PurchaseOrderState.CANCELLED


async def test_a_lost_asn_is_visible_by_polling_the_status(supplier_sim: SupplierSim) -> None:
    supplier_sim.set_faults("quick-parts", lost_asn_rate=1.0)
    async with supplier_sim.adapter("quick-parts") as lossy, supplier_sim.adapter("steady-supply") as steady:
        await lossy.place_order(purchase_order(supplier_sim, "PO-LOSTASN", "quick-parts"), "lost-1")
        await steady.place_order(purchase_order(supplier_sim, "PO-CONTROL", "steady-supply"), "lost-2")

        async def both_shipped() -> bool:
            lost = await lossy.order_status("PO-LOSTASN")
            return lost.despatch_advice is not None and bool(supplier_sim.receiver.for_po("PO-CONTROL"))

        await eventually(both_shipped, 10, "both POs shipped and the control ASN received")
        status = await lossy.order_status("PO-LOSTASN")
    assert status.state in (PurchaseOrderState.SHIPPED, PurchaseOrderState.DELIVERED)
    assert status.despatch_advice is not None and status.despatch_advice.po_id == "PO-LOSTASN"
    assert supplier_sim.receiver.for_po("PO-LOSTASN") == [], "a lost ASN is never posted"


async def test_a_partial_shipment_sends_two_asns_with_the_outstanding_quantity(supplier_sim: SupplierSim) -> None:
    supplier_sim.set_faults("quick-parts", partial_shipment_rate=1.0)
    async with supplier_sim.adapter("quick-parts") as supplier:
        await supplier.place_order(purchase_order(supplier_sim, "PO-PART", "quick-parts", quantity=10), "part-1")

        async def delivered() -> bool:
            return (await supplier.order_status("PO-PART")).state is PurchaseOrderState.DELIVERED

        await eventually(delivered, 15, "PO-PART delivered in two parts")
        await eventually(lambda: _count(supplier_sim, "PO-PART", 2), 5, "two ASNs for PO-PART")
    first, second = sorted(
        (parse_despatch_advice(w.body) for w in supplier_sim.receiver.for_po("PO-PART")), key=lambda a: a.shipped_at
    )
    assert first.partial and not second.partial
    assert first.lines[0].shipped_quantity + second.lines[0].shipped_quantity == Decimal(10)
    assert first.lines[0].outstanding_quantity == second.lines[0].shipped_quantity


async def _count(sim: SupplierSim, po_id: str, n: int) -> bool:
    return len(sim.receiver.for_po(po_id)) == n


async def test_asn_posts_are_retried_until_the_receiver_acknowledges(supplier_sim: SupplierSim) -> None:
    supplier_sim.receiver.fail_next = 3
    async with supplier_sim.adapter("quick-parts") as supplier:
        await supplier.place_order(purchase_order(supplier_sim, "PO-RETRY", "quick-parts"), "retry-1")
        await eventually(lambda: _count(supplier_sim, "PO-RETRY", 1), 15, "ASN for PO-RETRY after 3 refusals")
    assert supplier_sim.receiver.failed == 3
    webhook = supplier_sim.receiver.for_po("PO-RETRY")[0]
    verify(supplier_sim.secret, webhook.headers[SIGNATURE_HEADER.lower()], webhook.body, time.time())


async def test_a_late_shipment_slips_past_its_promise(supplier_sim: SupplierSim) -> None:
    supplier_sim.set_faults("quick-parts", late_asn_rate=1.0, late_by_days=0.05)  # 72 plant min = 1.2 wall s
    async with supplier_sim.adapter("quick-parts") as supplier:
        ack = await supplier.place_order(purchase_order(supplier_sim, "PO-SLIP", "quick-parts"), "slip-1")
        await eventually(lambda: _count(supplier_sim, "PO-SLIP", 1), 15, "late ASN for PO-SLIP")
    asn = parse_despatch_advice(supplier_sim.receiver.for_po("PO-SLIP")[0].body)
    assert ack.promised_date is not None
    assert asn.estimated_delivery - ack.promised_date >= timedelta(days=0.049)


async def test_the_scheduler_despatches_within_a_fraction_of_a_second_of_the_due_time(
    supplier_sim: SupplierSim,
) -> None:
    async with supplier_sim.adapter("quick-parts") as supplier:
        ack = await supplier.place_order(purchase_order(supplier_sim, "PO-PROMPT", "quick-parts"), "prompt-1")
        await eventually(lambda: _count(supplier_sim, "PO-PROMPT", 1), 10, "ASN for PO-PROMPT")
    assert ack.promised_date is not None
    # Despatch is due one transit time (0.002 plant days) before the promised delivery.
    due_plant = ack.promised_date - timedelta(days=0.002)
    due_wall = supplier_sim.epoch + (due_plant.timestamp() - supplier_sim.epoch) / supplier_sim.scale
    lag = supplier_sim.receiver.for_po("PO-PROMPT")[0].wall_time - due_wall
    # Promises are stated in whole plant seconds (0.3 ms wall), hence the small negative margin.
    # Typically ~10 ms; the bound leaves room for a loaded CI machine yet is far below the 5 s safety sleep.
    assert -0.01 < lag < 0.5, f"ASN arrived {lag:.3f} s after the despatch fell due"
