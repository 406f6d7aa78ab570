"""Purchase orders are placed exactly once, whatever the retries and injected failures."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapters.suppliers.ubl import encode, order_document
from orchestrator.ports.suppliers import (
    AckState,
    IdempotencyConflict,
    PurchaseOrderAck,
    PurchaseOrderState,
    SupplierUnavailable,
)
from tests.fixtures.suppliers import SupplierSim
from tests.integration.suppliers.helpers import purchase_order


async def test_three_repeats_of_a_key_give_one_po_and_the_same_bytes(supplier_sim: SupplierSim) -> None:
    body = encode(order_document(purchase_order(supplier_sim, "PO-IDEM", "quick-parts")))
    url = f"{supplier_sim.supplier_url('quick-parts')}/purchase-orders"
    headers = {"Idempotency-Key": "idem-1", "Content-Type": "application/json"}
    async with httpx.AsyncClient() as client:
        answers = [await client.post(url, content=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].content == answers[1].content == answers[2].content
    assert "idempotent-replayed" not in answers[0].headers
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert [po["po_id"] for po in supplier_sim.purchase_orders("quick-parts")] == ["PO-IDEM"]


async def test_the_adapter_returns_the_same_ack_for_a_repeat(supplier_sim: SupplierSim) -> None:
    po = purchase_order(supplier_sim, "PO-IDEM-2", "quick-parts")
    async with supplier_sim.adapter("quick-parts") as supplier:
        acks = [await supplier.place_order(po, "idem-2") for _ in range(3)]
    assert acks[0] == acks[1] == acks[2]
    assert len(supplier_sim.purchase_orders("quick-parts")) == 1


async def test_same_key_with_another_body_is_a_conflict(supplier_sim: SupplierSim) -> None:
    async with supplier_sim.adapter("quick-parts") as supplier:
        await supplier.place_order(purchase_order(supplier_sim, "PO-K", "quick-parts", quantity=5), "idem-3")
        with pytest.raises(IdempotencyConflict, match="different body"):
            await supplier.place_order(purchase_order(supplier_sim, "PO-K", "quick-parts", quantity=6), "idem-3")
        # The same PO id under a new key is refused too: a PO id names one order.
        with pytest.raises(IdempotencyConflict, match="already exists"):
            await supplier.place_order(purchase_order(supplier_sim, "PO-K", "quick-parts", quantity=5), "idem-4")
    assert len(supplier_sim.purchase_orders("quick-parts")) == 1


async def test_with_30_percent_5xx_and_latency_retries_place_every_po_exactly_once(
    supplier_sim: SupplierSim,
) -> None:
    supplier_sim.set_faults("steady-supply", error_rate=0.3, latency_ms=40)
    po_ids = [f"PO-FLAKY-{n:02d}" for n in range(20)]
    failures = 0

    async def place_with_retries(po_id: str) -> PurchaseOrderAck:
        nonlocal failures
        po = purchase_order(supplier_sim, po_id, "steady-supply")
        for _attempt in range(30):
            try:
                return await supplier.place_order(po, f"key-{po_id}")
            except SupplierUnavailable:
                failures += 1
                await asyncio.sleep(0.01)
        raise AssertionError(f"{po_id} not placed after 30 attempts")

    async with supplier_sim.adapter("steady-supply") as supplier:
        acks = await asyncio.gather(*(place_with_retries(p) for p in po_ids))
        supplier_sim.set_faults("steady-supply")  # read back without faults
        statuses = [await supplier.order_status(p) for p in po_ids]
    assert failures > 0, "the injected 5xx answers never reached the adapter"
    assert all(a.state is AckState.ACCEPTED for a in acks)
    held = supplier_sim.purchase_orders("steady-supply")
    assert sorted(po["po_id"] for po in held) == po_ids, "exactly one PO per need"
    # Whatever answer got through (first or replayed), it is the one the supplier stored.
    assert [s.ack for s in statuses] == list(acks)
    assert all(s.state is not PurchaseOrderState.REJECTED for s in statuses)


async def test_an_answer_lost_after_the_po_was_taken_is_recovered_by_repeating_the_key(
    supplier_sim: SupplierSim,
) -> None:
    supplier_sim.set_faults("quick-parts", error_rate=1.0)
    pos = [purchase_order(supplier_sim, f"PO-LOST-{n}", "quick-parts") for n in range(10)]
    async with supplier_sim.adapter("quick-parts") as supplier:
        for po in pos:
            with pytest.raises(SupplierUnavailable):
                await supplier.place_order(po, f"key-{po.po_id}")
        taken_anyway = len(supplier_sim.purchase_orders("quick-parts"))
        supplier_sim.set_faults("quick-parts")
        acks = [await supplier.place_order(po, f"key-{po.po_id}") for po in pos]
    # Some failures struck after the supplier had stored the PO: the caller could not know.
    assert 0 < taken_anyway < len(pos)
    assert all(a.state is AckState.ACCEPTED for a in acks)
    assert len(supplier_sim.purchase_orders("quick-parts")) == len(pos)
