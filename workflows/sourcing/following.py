"""Following a placed PO: wait for its ASN (signal), poll once past the promise, switch or expedite when it
is late, and book the goods receipt of each shipment when it arrives."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orchestrator.ports.suppliers import DespatchAdvice
    from workflows.contracts import SourcingResult
    from workflows.sourcing.activities import SourcingActivities
    from workflows.sourcing.messages import PlaceOrderResult, PollInput, QuoteRoundResult, ReceiptInput

from workflows.sourcing.state import (
    ASN_GRACE,
    EPSILON,
    FIRST_FOLLOW_UP,
    LOCAL_RETRY,
    LOCAL_TIMEOUT,
    MAX_FOLLOW_UP,
    MAX_POLLS,
    QUOTE_TIMEOUT,
    REMOTE_RETRY,
    SourcingState,
    Switch,
    plant_text,
)


class FollowingSteps(SourcingState):
    """The follow-up part of the sourcing workflow."""

    async def _follow(self, po: PlaceOrderResult) -> SourcingResult:
        need = self._need
        next_poll = (po.promised_delivery or need.need_by) + ASN_GRACE
        follow_up, polls = FIRST_FOLLOW_UP, 0
        processed: set[str] = set()
        while True:
            self._raise_if_cancelled()
            waiting = [a for a in self._asns.get(po.po_id, []) if a.asn_id not in processed]
            if waiting:
                asn = min(waiting, key=lambda a: a.estimated_delivery)
                done = await self._receive(po, asn)
                processed.add(asn.asn_id)
                if done:
                    return SourcingResult(
                        need_id=need.need_id, item=need.item, outcome="received", supplier=po.supplier,
                        po_id=po.po_id, received_quantity=self._received_for_order, received_at=self._plant_now(),
                        reason=None if self._received_for_order >= need.quantity - EPSILON
                        else f"short delivery: {self._received_for_order} of {need.quantity} {need.unit}",
                    )
                continue
            self._phase = "awaiting_asn"
            if await self._wait_for_asn(po.po_id, len(processed), next_poll):
                continue
            polls += 1
            status = await workflow.execute_activity_method(
                SourcingActivities.poll_status, PollInput(need=need, po_id=po.po_id, supplier=po.supplier, poll=polls),
                start_to_close_timeout=QUOTE_TIMEOUT, retry_policy=REMOTE_RETRY,
            )
            if any([self._add_asn(a) for a in status.asns]):
                continue  # a lost ASN, recovered
            if self._plant_now() > need.need_by:  # nothing on its way yet: the goods come no earlier than now
                await self._tell_order(self._plant_now(), (
                    f"{po.supplier} has not shipped purchase order {po.po_id} for {need.item} "
                    f"by {plant_text(self._plant_now())}"))
            if status.state in ("cancelled", "rejected", "unknown"):
                await self._switch(po, f"the supplier reports the PO as {status.state}")
            if status.state == "accepted" and polls == 1 and self._plant_now() < need.need_by:
                await self._maybe_switch(po)
            await self._expedite(po, status.state, status.reachable)
            if polls >= MAX_POLLS:
                await self._switch(po, f"no shipment after {polls} follow-ups")
            next_poll = self._plant_now() + follow_up
            follow_up = min(follow_up * 2, MAX_FOLLOW_UP)

    async def _wait_for_asn(self, po_id: str, processed: int, until: datetime) -> bool:
        """Wait until a new ASN arrives (True) or plant time ``until`` passes (False)."""
        remaining = until - self._plant_now()
        if remaining <= timedelta(0):
            return len(self._asns.get(po_id, [])) > processed
        try:
            await workflow.wait_condition(lambda: len(self._asns.get(po_id, [])) > processed,
                                          timeout=self._inp.clock.wall_timedelta(remaining))
            return True
        except TimeoutError:
            return False

    async def _receive(self, po: PlaceOrderResult, asn: DespatchAdvice) -> bool:
        """Wait for the goods of one ASN and book them; True when the PO is complete."""
        need = self._need
        if asn.estimated_delivery > need.need_by and "asn_late" not in self._warned:
            self._warned.add("asn_late")
            await self._record("planner_exception", f"asn-late-{asn.asn_id}", {
                "reason": "the goods will arrive after the need date", "po_id": po.po_id,
                "supplier": po.supplier, "estimated_delivery": asn.estimated_delivery.isoformat(),
                "need_by": need.need_by.isoformat()})
        await self._tell_order(asn.estimated_delivery, (
            f"{po.supplier} shipped {need.item} expected on {plant_text(asn.estimated_delivery)} "
            f"(despatch advice {asn.asn_id})"))
        self._phase = "in_transit"
        wait = asn.estimated_delivery - self._plant_now()
        if wait > timedelta(0):
            await workflow.sleep(self._inp.clock.wall_timedelta(wait))
        shipped = sum(float(line.shipped_quantity) for line in asn.lines if line.item == need.item)
        final = not asn.partial or self._received_total + shipped >= po.quantity - EPSILON
        result = await workflow.execute_local_activity_method(
            SourcingActivities.receive_goods,
            ReceiptInput(need=need, po_id=po.po_id, supplier=po.supplier, asn=asn,
                         for_order=max(0.0, min(shipped, need.quantity - self._received_for_order)),
                         promised_delivery=po.promised_delivery, final=final),
            start_to_close_timeout=LOCAL_TIMEOUT, retry_policy=LOCAL_RETRY,
        )
        self._received_total += result.quantity
        self._received_for_order += result.for_order
        if final:
            self._phase = "received"
        return final

    async def _maybe_switch(self, po: PlaceOrderResult) -> None:
        """The supplier missed its promise: move to another one if it can still make the need date."""
        self._phase = "switching"
        alternatives = await self._quotes()
        on_time = [o for o in alternatives.offers if o.promised_on_time and o.supplier not in self._tried]
        if not on_time:
            return
        if await self._cancel(po, "late against its promise; the need moves to another supplier", surplus=False):
            await self._record("po_switched", po.po_id, {"from": po.supplier, "to": on_time[0].supplier,
                                                         "po_id": po.po_id})
            raise Switch(QuoteRoundResult(offers=on_time, eligible=alternatives.eligible))

    async def _switch(self, po: PlaceOrderResult, why: str) -> None:
        """Give up on the PO (unless it shipped meanwhile) and take quotes from the suppliers not tried."""
        if not await self._cancel(po, why, surplus=False):
            return  # it shipped after all: keep following it
        raise Switch(await self._quotes())

    async def _expedite(self, po: PlaceOrderResult, state: str | None, reachable: bool) -> None:
        key = f"expedite-{po.po_id}"
        if key in self._warned:
            return
        self._warned.add(key)
        await self._record("po_expedite", po.po_id, {
            "po_id": po.po_id, "supplier": po.supplier, "state": state, "reachable": reachable,
            "promised_delivery": po.promised_delivery.isoformat() if po.promised_delivery else None,
            "reason": "no shipment by the promised date; supplier asked to expedite"})
