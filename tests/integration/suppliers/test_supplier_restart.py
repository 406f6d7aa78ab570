"""A restarted simulator keeps its POs, idempotency keys and faults, and resumes shipments and ASNs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx

from adapters.suppliers.ubl import encode, order_document
from adapters.suppliers.ubl_read import ack_from, parse_despatch_advice
from orchestrator.ports.suppliers import PurchaseOrderState
from tests.fixtures.suppliers import SupplierSim, eventually
from tests.integration.suppliers.helpers import purchase_order


async def _asn_count(sim: SupplierSim, po_id: str) -> int:
    return len(sim.receiver.for_po(po_id))


async def test_restart_keeps_the_po_and_still_ships_it(supplier_sim: SupplierSim) -> None:
    po = purchase_order(supplier_sim, "PO-DURABLE", "quick-parts", item="valve")
    url = f"{supplier_sim.supplier_url('quick-parts')}/purchase-orders"
    headers = {"Idempotency-Key": "durable-1", "Content-Type": "application/json"}
    async with httpx.AsyncClient() as client:
        first = await client.post(url, content=encode(order_document(po)), headers=headers)
    assert first.status_code == 201
    supplier_sim.set_faults("steady-supply", reject_rate=0.5)
    promised = ack_from(first.json(), "quick-parts").promised_date
    assert promised is not None

    supplier_sim.stop()
    stopped_at = supplier_sim.plant_now()
    # Let the despatch fall due while the simulator is down: it must happen after the restart.
    await eventually(_plant_time_passed(supplier_sim, promised), 15, "promised date passed while down")
    supplier_sim.start()

    async with supplier_sim.adapter("quick-parts") as supplier:
        status = await supplier.order_status("PO-DURABLE")
    assert status.state is PurchaseOrderState.DELIVERED, status
    assert status.ack is not None and status.ack.supplier_reference == ack_from(first.json(), "x").supplier_reference
    await eventually(lambda: _is(supplier_sim, "PO-DURABLE", 1), 5, "ASN for PO-DURABLE")
    asn = parse_despatch_advice(supplier_sim.receiver.for_po("PO-DURABLE")[0].body)
    assert asn.shipped_at > stopped_at, "the despatch was made by the restarted simulator"
    async with httpx.AsyncClient() as client:
        again = await client.post(url, content=encode(order_document(po)), headers=headers)
        faults = (await client.get(f"{supplier_sim.base_url}/admin/suppliers/steady-supply/faults")).json()
    assert again.content == first.content, "the idempotency key outlives the restart"
    assert faults["reject_rate"] == 0.5
    assert len(supplier_sim.purchase_orders("quick-parts")) == 1


def _plant_time_passed(sim: SupplierSim, when: datetime) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return sim.plant_now() > when

    return check


async def test_an_asn_still_pending_at_shutdown_is_posted_after_the_restart(supplier_sim: SupplierSim) -> None:
    supplier_sim.receiver.fail_next = 10_000  # the buyer refuses every ASN for now
    async with supplier_sim.adapter("quick-parts") as supplier:
        await supplier.place_order(purchase_order(supplier_sim, "PO-PENDING", "quick-parts"), "pending-1")

        async def refused_once() -> bool:
            shipped = (await supplier.order_status("PO-PENDING")).state is not PurchaseOrderState.ACCEPTED
            return shipped and supplier_sim.receiver.failed > 0

        await eventually(refused_once, 10, "PO-PENDING shipped and its ASN refused")
    supplier_sim.stop()
    supplier_sim.receiver.fail_next = 0
    supplier_sim.start()
    await eventually(lambda: _is(supplier_sim, "PO-PENDING", 1), 10, "ASN for PO-PENDING after the restart")


async def _is(sim: SupplierSim, po_id: str, n: int) -> bool:
    return await _asn_count(sim, po_id) == n
