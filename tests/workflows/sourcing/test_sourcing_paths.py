"""The sourcing workflow's paths against the real supplier simulator, API webhook and dev server."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from temporalio.client import WorkflowHandle

from orchestrator.persistence import inventory_repo, purchasing_repo
from orchestrator.persistence.tables.orders import EventRow
from tests.fixtures.suppliers import eventually
from tests.workflows.sourcing.conftest import SourcingStack

EVENTS = EventRow.__table__  # type: ignore[attr-defined]


def event_kinds(stack: SourcingStack, order_id: str) -> list[str]:
    with stack.engine.connect() as conn:
        return [r.kind for r in conn.execute(select(EVENTS.c.kind).where(EVENTS.c.order_id == order_id)
                                             .order_by(EVENTS.c.id))]


def event_payloads(stack: SourcingStack, order_id: str, kind: str) -> list[dict[str, Any]]:
    with stack.engine.connect() as conn:
        rows = conn.execute(select(EVENTS.c.payload).where(EVENTS.c.order_id == order_id, EVENTS.c.kind == kind)
                            .order_by(EVENTS.c.id))
        return [r.payload if isinstance(r.payload, dict) else json.loads(r.payload) for r in rows]


async def test_a_need_is_bought_received_and_reserved_for_its_order(sourcing: SourcingStack) -> None:
    handle = await sourcing.start(sourcing.need("ORD-HAPPY", "bolt", 30))
    result = await handle.result()
    assert result.outcome == "received", result
    assert result.received_quantity == 30
    # Bought where the score says (bolt: alpha is cheaper than bravo), lot-sized to the MOQ of 100.
    assert result.supplier == "alpha-components"
    [po] = purchasing_repo.purchase_orders(sourcing.engine, order_id="ORD-HAPPY")
    assert (po.state, po.quantity, po.received_quantity) == ("received", 100, 100)
    level = inventory_repo.stock_levels(sourcing.engine, ["bolt"])["bolt"]
    assert (level.on_hand, level.reserved) == (100, 30)  # 70 surplus from the MOQ is free stock
    assert inventory_repo.reservations_of(sourcing.engine, "ORD-HAPPY") == {"bolt": 30}
    kinds = event_kinds(sourcing, "ORD-HAPPY")
    assert kinds[0] == "sourcing" and kinds[-1] == "goods_received"
    assert {"po_placed", "asn_received"} <= set(kinds)
    assert [o["status"] for o in sourcing.sim_orders("alpha-components")] == ["delivered"]
    assert await activities_run(handle) == {"sourcing.quote": 1, "sourcing.place_order": 1,
                                            "sourcing.receive_goods": 1}  # the ASN came by webhook: no poll


async def test_a_supplier_that_rejects_everything_is_routed_around(sourcing: SourcingStack) -> None:
    sourcing.sim.set_faults("charlie-cheap", reject_rate=1.0)  # the cheapest for gear and board
    handles = [await sourcing.start(sourcing.need(f"ORD-REJ{n}", "gear" if n % 2 else "board", 2))
               for n in range(4)]
    results = [await h.result() for h in handles]
    assert all(r.outcome == "received" for r in results), results
    assert all(r.supplier != "charlie-cheap" for r in results)
    charlie = sourcing.sim_orders("charlie-cheap")
    assert charlie and all(o["status"] == "rejected" for o in charlie)
    # Its record shows it: every PO it answered, it rejected.
    card = sourcing.scorecard("charlie-cheap")
    assert card["rejection_rate"] == 1.0 and card["rejected"] == len(charlie)
    assert "po_rejected" in event_kinds(sourcing, "ORD-REJ1")


async def test_after_a_refusal_the_fast_supplier_is_asked_again_rather_than_sea_freight_days_later(
        sourcing: SourcingStack) -> None:
    sourcing.sim.set_faults("foxtrot-express", reject_rate=1.0)
    handle = await sourcing.start(sourcing.need("ORD-AGAIN", "coil", 4, need_in_hours=48))

    async def asked_again() -> bool:
        return any("refused_by" in p for p in event_payloads(sourcing, "ORD-AGAIN", "sourcing"))
    await eventually(asked_again, 60, "the ask-again record")
    sourcing.sim.set_faults("foxtrot-express")  # the order book has room again
    result = await handle.result()
    assert (result.outcome, result.supplier) == ("received", "foxtrot-express"), result
    assert not sourcing.sim_orders("golf-sea")  # five days of sea freight were never ordered
    assert [o["status"] for o in sourcing.sim_orders("foxtrot-express")] == ["rejected", "delivered"]
    [note] = [p for p in event_payloads(sourcing, "ORD-AGAIN", "sourcing") if "refused_by" in p]
    assert (note["refused_by"], note["not_placed_with"]) == ("foxtrot-express", "golf-sea")


async def test_when_every_supplier_is_down_the_need_waits_and_asks_again(sourcing: SourcingStack) -> None:
    sourcing.sim.set_faults("hotel-only", down=True)
    try:
        handle = await sourcing.start(sourcing.need("ORD-OUTAGE", "valve", 3, need_in_hours=48))

        async def told_unreachable() -> bool:
            return any("unreachable" in p for p in event_payloads(sourcing, "ORD-OUTAGE", "sourcing"))
        await eventually(told_unreachable, 60, "the unreachable record")
    finally:
        sourcing.sim.set_faults("hotel-only")  # the supplier is back
    result = await handle.result()
    assert (result.outcome, result.supplier) == ("received", "hotel-only"), result
    [note, *_] = [p for p in event_payloads(sourcing, "ORD-OUTAGE", "sourcing") if "unreachable" in p]
    assert list(note["unreachable"]) == ["hotel-only"] and note["ask_again_in_hours"] == 1
    assert "asking again in 1 plant hours" in note["message"]
    assert "planner_exception" not in event_kinds(sourcing, "ORD-OUTAGE")


async def test_a_rejecting_supplier_with_a_record_is_no_longer_asked_first(sourcing: SourcingStack) -> None:
    sourcing.sim.set_faults("charlie-cheap", reject_rate=1.0)
    first = [await sourcing.start(sourcing.need(f"ORD-REC{n}", "gear", 1)) for n in range(3)]
    assert [(await h.result()).outcome for h in first] == ["received"] * 3  # a record of three rejections
    asked_before = len(sourcing.sim_orders("charlie-cheap"))
    result = await (await sourcing.start(sourcing.need("ORD-REC-NEXT", "gear", 1))).result()
    assert result.outcome == "received" and result.supplier == "alpha-components"
    assert len(sourcing.sim_orders("charlie-cheap")) == asked_before  # not even tried


async def test_a_lost_asn_is_recovered_by_the_status_poll(sourcing: SourcingStack) -> None:
    for supplier in ("alpha-components", "bravo-industrial", "charlie-cheap"):
        sourcing.sim.set_faults(supplier, lost_asn_rate=1.0)
    handle = await sourcing.start(sourcing.need("ORD-LOST", "gear", 3))
    result = await handle.result()
    assert result.outcome == "received" and result.received_quantity == 3, result
    kinds = event_kinds(sourcing, "ORD-LOST")
    assert "asn_received" in kinds and kinds[-1] == "goods_received"
    assert await activities_run(handle, "sourcing.poll_status") == 1  # the supplier never posted it
    [po] = purchasing_repo.purchase_orders(sourcing.engine, order_id="ORD-LOST")
    assert po.state == "received"


async def test_cancelling_a_need_cancels_its_unshipped_po(sourcing: SourcingStack) -> None:
    handle = await sourcing.start(sourcing.need("ORD-CANCEL", "casting", 4, need_in_hours=48))
    await wait_for_po_state(sourcing, "ORD-CANCEL", {"accepted", "changed"})
    await handle.cancel()
    result = await handle.result()
    assert result.outcome == "cancelled", result
    assert [o["status"] for o in sourcing.sim_orders("alpha-components")] == ["cancelled"]
    [po] = purchasing_repo.purchase_orders(sourcing.engine, order_id="ORD-CANCEL")
    assert po.state == "cancelled"
    assert "po_cancelled" in event_kinds(sourcing, "ORD-CANCEL")


async def test_cancelling_after_shipment_books_the_goods_as_free_stock(sourcing: SourcingStack) -> None:
    handle = await sourcing.start(sourcing.need("ORD-LATE-CANCEL", "crate", 6))
    await wait_for_po_state(sourcing, "ORD-LATE-CANCEL", {"shipped"})
    await handle.cancel()
    result = await handle.result()
    assert result.outcome == "cancelled" and "free stock" in (result.reason or ""), result
    level = inventory_repo.stock_levels(sourcing.engine, ["crate"])["crate"]
    assert (level.on_hand, level.reserved) == (6, 0)
    assert [o["status"] for o in sourcing.sim_orders("delta-freight")] in (["shipped"], ["delivered"])
    assert "surplus_received" in event_kinds(sourcing, "ORD-LATE-CANCEL")


async def test_an_item_nobody_sells_raises_a_planner_exception(sourcing: SourcingStack) -> None:
    result = await (await sourcing.start(sourcing.need("ORD-NONE", "unobtainium", 1))).result()
    assert result.outcome == "failed" and "no configured supplier offers unobtainium" in (result.reason or "")
    assert event_kinds(sourcing, "ORD-NONE")[-1] == "planner_exception"


async def wait_for_po_state(stack: SourcingStack, order_id: str, states: set[str], timeout: float = 20) -> None:
    async def reached() -> bool:
        return any(po.state in states for po in purchasing_repo.purchase_orders(stack.engine, order_id=order_id))

    await eventually(reached, timeout, f"a PO of {order_id} in {sorted(states)}")


async def test_a_supplier_late_against_its_promise_is_replaced_while_another_can_make_the_date(
    sourcing: SourcingStack,
) -> None:
    sourcing.sim.set_faults("charlie-cheap", late_asn_rate=1.0, late_by_days=0.3)  # ships 7 plant hours late
    handle = await sourcing.start(sourcing.need("ORD-SWITCH", "gear", 2, need_in_hours=6))
    result = await handle.result()
    assert result.outcome == "received" and result.supplier == "alpha-components", result
    assert [o["status"] for o in sourcing.sim_orders("charlie-cheap")] == ["cancelled"]
    kinds = event_kinds(sourcing, "ORD-SWITCH")
    assert "po_switched" in kinds and kinds.count("po_placed") == 2


async def test_the_scorecard_shows_a_supplier_that_delivers_late(sourcing: SourcingStack) -> None:
    sourcing.sim.set_faults("echo-late", late_asn_rate=1.0, late_by_days=0.1)  # 2.4 plant hours late
    handles = [await sourcing.start(sourcing.need(f"ORD-LATE{n}", "spring", 5, need_in_hours=12)) for n in range(2)]
    assert [(await h.result()).outcome for h in handles] == ["received"] * 2
    card = sourcing.scorecard("echo-late")
    assert (card["deliveries"], card["on_time_deliveries"], card["on_time_rate"]) == (2, 0, 0.0)
    assert 0.08 < card["avg_lead_time_error_days"] < 0.2
    assert sourcing.scorecard("alpha-components")["on_time_rate"] is None  # no deliveries, no made-up rate
    # Late shipments were chased: each PO got an expedite request after its promised date passed.
    assert "po_expedite" in event_kinds(sourcing, "ORD-LATE0")


async def activities_run(handle: WorkflowHandle[Any, Any], name: str | None = None) -> Any:
    """How often each activity (or the one named) was scheduled in the workflow's history."""
    counts: dict[str, int] = {}
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            kind = event.activity_task_scheduled_event_attributes.activity_type.name
            counts[kind] = counts.get(kind, 0) + 1
        if event.HasField("marker_recorded_event_attributes"):  # a local activity's record
            data = event.marker_recorded_event_attributes.details.get("data")
            if data is not None and data.payloads:
                kind = json.loads(data.payloads[0].data).get("activity_type", "?")
                counts[kind] = counts.get(kind, 0) + 1
    return counts.get(name, 0) if name else counts


async def test_cancelling_while_the_po_is_being_placed_withdraws_it_once_placed(sourcing: SourcingStack) -> None:
    sourcing.sim.set_faults("alpha-components", latency_ms=4000)  # every answer takes up to 4 s
    handle = await sourcing.start(sourcing.need("ORD-MIDAIR", "casting", 1, need_in_hours=48))
    await wait_for_po_state(sourcing, "ORD-MIDAIR", {"placing"})
    await handle.cancel()
    result = await handle.result()
    assert result.outcome == "cancelled", result
    # The cancel waited for the placement to finish, then withdrew the PO it had created.
    assert [o["status"] for o in sourcing.sim_orders("alpha-components")] == ["cancelled"]
    [po] = purchasing_repo.purchase_orders(sourcing.engine, order_id="ORD-MIDAIR")
    assert po.state == "cancelled"


async def test_when_no_supplier_can_make_the_date_the_planner_is_told_and_the_goods_still_come(
    sourcing: SourcingStack,
) -> None:
    result = await (await sourcing.start(sourcing.need("ORD-TIGHT", "board", 1, need_in_hours=0.05))).result()
    assert result.outcome == "received", result
    with sourcing.engine.connect() as conn:
        reasons = [r.payload["reason"] for r in conn.execute(
            select(EVENTS.c.payload).where(EVENTS.c.order_id == "ORD-TIGHT", EVENTS.c.kind == "planner_exception"))]
    assert "no supplier can deliver by the need date" in reasons
    assert "the goods will arrive after the need date" in reasons
