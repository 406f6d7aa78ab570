"""Fifty needs against suppliers that fail 30 % of requests with random latency: no need goes without,
and no need gets two purchase orders."""

from __future__ import annotations

import asyncio
from collections import Counter

from orchestrator.persistence import inventory_repo, purchasing_repo
from tests.workflows.sourcing.conftest import SUPPLIERS, SourcingStack

ITEMS = ["gear", "board", "bolt"]  # each offered by several suppliers


async def test_fifty_needs_under_supplier_faults_all_get_their_goods_with_one_po_each(
    sourcing: SourcingStack,
) -> None:
    suppliers = [s["id"] for s in SUPPLIERS["suppliers"]]
    for supplier in suppliers:
        sourcing.sim.set_faults(supplier, error_rate=0.3, latency_ms=300)
    needs = [sourcing.need(f"ORD-F{n:02d}", ITEMS[n % 3], 1 + n % 4, need_in_hours=24) for n in range(50)]
    handles = [await sourcing.start(need) for need in needs]
    results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=90)

    failed = [r for r in results if r.outcome != "received"]
    assert not failed, failed
    for need, result in zip(needs, results, strict=True):
        assert result.received_quantity == need.quantity, result
        assert inventory_repo.reservations_of(sourcing.engine, need.order_id) == {need.item: need.quantity}

    # Exactly one PO per need at the suppliers, although a third of the answers were lost or refused.
    ours = {po.po_id: po.need_id for po in purchasing_repo.purchase_orders(sourcing.engine)}
    held = [(s, o["po_id"], o["status"]) for s in suppliers for o in sourcing.sim_orders(s)]
    per_need = Counter(ours.get(po_id, f"unknown {po_id}") for _, po_id, _ in held)
    assert per_need == Counter({need.need_id: 1 for need in needs}), per_need
    assert {status for _, _, status in held} == {"delivered"}
