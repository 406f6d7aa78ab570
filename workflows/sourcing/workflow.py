"""``Sourcing``: buy one purchase need of an order, surviving slow, failing and rejecting suppliers.

States: quoting → ordering → awaiting_asn → in_transit → received, with the side exits
switching (a late supplier replaced), failed (no supplier can deliver) and cancelled.

1. *quoting*: an RFQ to every eligible supplier (those offering the item), ranked by the choice score.
2. *ordering*: a PO to the best quote; a rejection or silence moves on to the next quote, and when the
   list is spent, to a new round of quotes from suppliers not tried yet. After a rejection the next quote
   is placed only when it is worth it (``inventory.choice.worth_placing_after_rejection``): a quote days
   later than the refused one is not; every supplier, the refusing one included, is then asked again
   after ``ask_again_after_hours`` of plant time (the last of the rounds takes any supplier). When no
   supplier could be reached at all (an outage), the need waits and asks again, the waits doubling from
   an hour, for up to three plant days, before it fails; those rounds do not count as rounds of quotes.
3. *awaiting_asn*: the ASN arrives as the ``asn_received`` signal (from the webhook). A timer set just
   past the promised delivery is the only fallback: when it fires without an ASN, one status poll
   asks the supplier (recovering a lost ASN). A supplier that has not shipped by its promise is
   late: if another supplier can still deliver by the need date the PO is cancelled and the need
   switches to it, else the PO is expedited and followed up with growing intervals.
4. *in_transit*: a timer to the ASN's estimated delivery, then the goods receipt (stock reserved for
   the order); partial shipments repeat this until nothing is outstanding.

A ``planner_exception`` event is raised when no supplier promises the need date, when goods will
arrive after it, and when no supplier can supply at all. Whenever a supplier's answer makes the goods
later than the need date (and later than told before), the parent order hears it at once as the
``materials_expected`` signal, so it can warn its customer before the goods arrive. Cancelling the
workflow (the parent order was cancelled) cancels the PO if it has not shipped, else books the goods
still to come as free stock.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from orchestrator.inventory.choice import ChoiceWeights, worth_placing_after_rejection
    from orchestrator.ports.suppliers import DespatchAdvice
    from workflows.contracts import SourcingInput, SourcingResult
    from workflows.sourcing.activities import SourcingActivities, document_id
    from workflows.sourcing.messages import (
        CancelInput,
        NeedRef,
        PlaceOrderInput,
        PlaceOrderResult,
        QuoteRoundResult,
        RankedQuote,
        SourcingStatus,
    )

from workflows.sourcing.following import FollowingSteps
from workflows.sourcing.state import (
    ASK_AGAIN_PATCH,
    FIRST_OUTAGE_WAIT,
    MAX_OUTAGE_WAIT,
    MAX_QUOTE_ROUNDS,
    OUTAGE_PATIENCE,
    PLACE_TIMEOUT,
    REMOTE_RETRY,
    Switch,
    plant_text,
)


@workflow.defn(name="Sourcing")
class SourcingWorkflow(FollowingSteps):
    """One purchase need of an order, from RFQ to goods receipt (see the module docstring)."""

    @workflow.signal(name="asn_received")
    def asn_received(self, asn: DespatchAdvice) -> None:
        """An ASN for one of this need's POs (the webhook forwards it; repeats are dropped)."""
        self._add_asn(asn)

    @workflow.query(name="status")
    def status(self) -> SourcingStatus:
        """Where the need stands."""
        po = self._po
        return SourcingStatus(
            phase=self._phase, po_id=po.po_id if po else None, supplier=po.supplier if po else None,
            promised_delivery=po.promised_delivery if po else None, received_quantity=self._received_for_order,
            tried=list(self._tried), asns=[a.asn_id for a in self._asns.get(po.po_id, [])] if po else [],
        )

    @workflow.run
    async def run(self, inp: SourcingInput) -> SourcingResult:
        """Source the need; return how it was met, or why not."""
        if not inp.quantity > 0:
            raise ApplicationError(f"need {inp.need_id}: quantity must be > 0, got {inp.quantity}",
                                   type="InvalidNeed", non_retryable=True)
        self._inp = inp
        self._need = NeedRef(order_id=inp.order_id, need_id=inp.need_id, workflow_id=workflow.info().workflow_id,
                             item=inp.item, unit=inp.unit, quantity=inp.quantity, need_by=inp.need_by)
        try:
            return await self._source()
        except asyncio.CancelledError:
            return await self._withdraw()
        except ActivityError as exc:
            if _cancelled(exc):
                return await self._withdraw()
            return await self._fail(f"a sourcing step failed: {exc.cause or exc}")

    # -- the main path --------------------------------------------------------------------------------

    async def _source(self) -> SourcingResult:
        pending: QuoteRoundResult | None = None
        while True:
            self._raise_if_cancelled()
            if pending is None:
                if self._rounds_spent() >= MAX_QUOTE_ROUNDS:
                    return await self._fail(f"no supplier accepted the order in {MAX_QUOTE_ROUNDS} rounds of quotes")
                pending = await self._quotes()
            quotes, pending = pending, None
            if not quotes.offers:
                if await self._wait_out_outage(quotes):
                    continue  # ask every supplier again
                return await self._fail(self._no_offer_reason(quotes))
            placed = await self._place_best(quotes)
            if placed is None:
                continue  # every quote of this round said no: ask the suppliers not tried yet
            self._po = placed
            try:
                return await self._follow(placed)
            except Switch as switch:
                self._po = None
                pending = switch.alternatives

    async def _place_best(self, quotes: QuoteRoundResult) -> PlaceOrderResult | None:
        late = not any(o.promised_on_time for o in quotes.offers)
        refused: RankedQuote | None = None
        for offer in quotes.offers:
            if offer.supplier in self._tried:
                continue
            if refused is not None and self._ask_again_instead(refused, offer, quotes):
                await self._ask_again_later(refused, offer, quotes)
                return None
            self._attempt += 1
            self._phase = "ordering"
            self._placing = (document_id("PO", self._need.need_id, self._attempt), offer.supplier)
            result = await workflow.execute_activity_method(
                SourcingActivities.place_order,
                PlaceOrderInput(need=self._need, attempt=self._attempt, offer=offer,
                                late_warning=late and "late" not in self._warned),
                start_to_close_timeout=PLACE_TIMEOUT, retry_policy=REMOTE_RETRY,
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
            self._placing = None
            self._tried.append(offer.supplier)
            if result.outcome == "rejected":
                refused = offer
            if result.outcome == "accepted":
                self._po = result
                if late or (result.promised_delivery and result.promised_delivery > self._need.need_by):
                    self._warned.add("late")
            # A cancel that arrives while a placement runs waits for it, and asyncio then forgets the
            # cancel when the activity succeeds (sdk-python#620): ask the workflow itself.
            self._raise_if_cancelled()
            if result.outcome == "accepted":
                if result.promised_delivery is not None:
                    await self._tell_order(result.promised_delivery, (
                        f"{result.supplier} confirmed delivery of {self._need.item} on "
                        f"{plant_text(result.promised_delivery)} (purchase order {result.po_id})"))
                return result
        return None

    def _ask_again_instead(self, refused: RankedQuote, offer: RankedQuote, quotes: QuoteRoundResult) -> bool:
        """After ``refused``'s supplier said no: whether waiting and asking every supplier again beats placing
        ``offer`` (a quote weeks later than the refused one). The last round takes any supplier."""
        if self._rounds_spent() >= MAX_QUOTE_ROUNDS or not workflow.patched(ASK_AGAIN_PATCH):
            return False
        weights = ChoiceWeights(late_tolerance_days=quotes.late_tolerance_days,
                                ask_again_after_hours=quotes.ask_again_after_hours)
        return not worth_placing_after_rejection(refused, offer, weights)

    async def _ask_again_later(self, refused: RankedQuote, offer: RankedQuote, quotes: QuoteRoundResult) -> None:
        """Record why, wait, and let the next round ask the refusing supplier again with the rest."""
        wait = timedelta(hours=quotes.ask_again_after_hours)
        self._tried = [s for s in self._tried if s != refused.supplier]
        await self._record("sourcing", f"ask-again-{self._round}", {
            "round": self._round, "item": self._need.item, "refused_by": refused.supplier,
            "not_placed_with": offer.supplier, "its_delivery": offer.expected_delivery.isoformat(),
            "ask_again_in_hours": quotes.ask_again_after_hours,
            "message": (f"{refused.supplier} refused the order; {offer.supplier} would deliver only on "
                        f"{plant_text(offer.expected_delivery)}, so every supplier is asked again in "
                        f"{quotes.ask_again_after_hours:g} plant hours")})
        self._phase = "quoting"
        await workflow.sleep(self._inp.clock.wall_timedelta(wait))

    async def _wait_out_outage(self, quotes: QuoteRoundResult) -> bool:
        """No quote because every supplier asked was unreachable: wait and ask again (True), the waits
        doubling, until OUTAGE_PATIENCE of plant time is spent (False: the need fails, saying why)."""
        if not quotes.unavailable or not workflow.patched(ASK_AGAIN_PATCH):
            return False
        wait = min(FIRST_OUTAGE_WAIT * 2 ** self._outage_rounds, MAX_OUTAGE_WAIT)
        if self._outage_waited + wait > OUTAGE_PATIENCE:
            return False
        self._outage_rounds += 1
        self._outage_waited += wait
        hours = wait.total_seconds() / 3600
        await self._record("sourcing", f"unreachable-{self._round}", {
            "round": self._round, "item": self._need.item, "unreachable": quotes.unavailable,
            "ask_again_in_hours": hours,
            "message": (f"no supplier of {self._need.item} could be reached ("
                        + ", ".join(sorted(quotes.unavailable)) + f"); asking again in {hours:g} plant hours")})
        self._phase = "quoting"
        await workflow.sleep(self._inp.clock.wall_timedelta(wait))
        return True

    # -- endings ---------------------------------------------------------------------------------------

    async def _fail(self, reason: str) -> SourcingResult:
        self._phase = "failed"
        await self._record("planner_exception", "no-supplier", {
            "reason": reason, "item": self._need.item, "quantity": self._need.quantity, "tried": self._tried,
            "need_by": self._need.need_by.isoformat()})
        return SourcingResult(need_id=self._need.need_id, item=self._need.item, outcome="failed", reason=reason)

    async def _withdraw(self) -> SourcingResult:
        """The order was cancelled: cancel the open PO, or book shipped goods as free stock."""
        complete = self._phase == "received"
        self._phase = "cancelling"
        need, reason = self._need, "the customer order was cancelled"
        po = self._po
        target = (po.po_id, po.supplier, po.quantity) if po else None
        if target is None and self._placing is not None:
            target = (self._placing[0], self._placing[1], need.quantity)
        detail = "cancelled before any purchase order was placed"
        if target is not None and not complete:
            result = await self._cancel_call(CancelInput(
                need=need, po_id=target[0], supplier=target[1], po_quantity=target[2],
                received_quantity=self._received_total, reason=reason, surplus_if_shipped=True))
            detail = (f"purchase order {target[0]} {result.outcome}"
                      + (f"; {result.surplus} {need.unit} booked as free stock" if result.surplus else ""))
        self._phase = "cancelled"
        return SourcingResult(need_id=need.need_id, item=need.item, outcome="cancelled",
                              supplier=target[1] if target else None, po_id=target[0] if target else None,
                              received_quantity=self._received_for_order, reason=detail)

    def _no_offer_reason(self, quotes: QuoteRoundResult) -> str:
        if not quotes.eligible:
            return f"no configured supplier offers {self._need.item}"
        if quotes.unavailable:
            why = "; ".join(f"{s}: {d}" for s, d in sorted(quotes.unavailable.items()))
            return f"no supplier could quote ({why})"
        return "every eligible supplier has been tried"


def _cancelled(exc: BaseException) -> bool:
    return isinstance(exc.__cause__, CancelledError) or isinstance(getattr(exc, "cause", None), CancelledError)
