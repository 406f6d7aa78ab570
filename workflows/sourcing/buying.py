"""Buying activities: quotes from every eligible supplier, ranked; the purchase order and its answer.

A PO's answer is an outcome, never an exception: accepted (as ordered or changed), rejected, refused
(the supplier could not read it) or unanswered (still unavailable after persistent retries; the PO is
then withdrawn in case it was created behind a lost answer, so the next supplier's is the only one).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Connection
from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestrator.inventory.choice import Offer, rank_offers
from orchestrator.inventory.scorecard import HistoryKind, SupplierHistoryRecord
from orchestrator.persistence import purchasing_repo as po_repo
from orchestrator.persistence.events import append_events
from orchestrator.persistence.tables.purchasing import PurchaseOrderRow
from orchestrator.ports.suppliers import (
    AckState,
    PurchaseOrder,
    PurchaseOrderLine,
    Quote,
    QuoteRequest,
    SupplierError,
    SupplierUnavailable,
)
from workflows.sourcing.base import ActivityBase, dec, document_id, event_for, idempotency_key
from workflows.sourcing.messages import (
    PlaceOrderInput,
    PlaceOrderResult,
    QuoteRoundInput,
    QuoteRoundResult,
    RankedQuote,
)

HISTORY_WINDOW = timedelta(days=180)


class BuyingActivities(ActivityBase):
    """``sourcing.quote`` and ``sourcing.place_order``."""

    @activity.defn(name="sourcing.quote")
    async def quote(self, inp: QuoteRoundInput) -> QuoteRoundResult:
        """RFQ to every eligible supplier at once; rank the quotes by the choice score."""
        need, now = inp.need, self._plant_now()
        eligible = sorted(self.suppliers.suppliers_of(need.item))
        candidates = [s for s in eligible if s not in set(inp.exclude)]
        rfq_id = document_id("RFQ", need.need_id, inp.n)

        async def ask(supplier: str) -> Quote | str:
            request = QuoteRequest(
                rfq_id=rfq_id, item=need.item, quantity=dec(self._lot(supplier, need.item, need.quantity)),
                unit=need.unit, need_date=need.need_by, issued_at=now,
            )
            try:
                port = self._port(supplier)
                return await self._retrying(lambda: port.request_quote(request))
            except SupplierError as exc:
                return exc.detail

        answers = await asyncio.gather(*(ask(s) for s in candidates))
        quotes = [a for a in answers if isinstance(a, Quote)]
        unavailable = {s: a for s, a in zip(candidates, answers, strict=True) if isinstance(a, str)}
        cards = await asyncio.to_thread(po_repo.scorecards, self.engine, candidates, now - HISTORY_WINDOW)
        try:
            ranked = rank_offers(
                [Offer(q.supplier, q.item, float(q.quantity), float(q.unit_price), q.currency, q.promised_date,
                       q.quote_id) for q in quotes],
                need.need_by, cards, self.weights,
            )
        except ValueError as exc:  # e.g. quotes in several currencies: asking again will not help
            raise ApplicationError(f"cannot rank the quotes for {need.item}: {exc}", type="UnrankableQuotes",
                                   non_retryable=True) from exc
        offers = [
            RankedQuote(
                supplier=r.offer.supplier, quote_id=r.offer.quote_id, quantity=r.offer.quantity,
                unit_price=r.offer.unit_price, currency=r.offer.currency, promised_delivery=r.offer.promised_delivery,
                expected_delivery=r.expected_delivery, score=r.score, promised_on_time=r.promised_on_time,
                expected_on_time=r.expected_on_time, parts=r.parts,
            )
            for r in ranked
        ]
        event = event_for(need, "sourcing", f"round-{inp.n}", now, {
            "round": inp.n, "item": need.item, "quantity": need.quantity, "need_by": need.need_by.isoformat(),
            "eligible": eligible, "excluded": inp.exclude, "unavailable": unavailable,
            "offers": [{"supplier": o.supplier, "score": o.score, "unit_price": o.unit_price,
                        "promised_delivery": o.promised_delivery.isoformat(), "on_time": o.expected_on_time}
                       for o in offers],
        })
        await self._write(lambda conn: append_events(conn, [event]))
        return QuoteRoundResult(offers=offers, eligible=eligible, unavailable=unavailable,
                                late_tolerance_days=self.weights.late_tolerance_days,
                                ask_again_after_hours=self.weights.ask_again_after_hours)

    # -- purchase order -------------------------------------------------------------------------------

    @activity.defn(name="sourcing.place_order")
    async def place_order(self, inp: PlaceOrderInput) -> PlaceOrderResult:
        """Place the PO with its idempotency key; record the answer, the supplier's history and the event."""
        need, offer = inp.need, inp.offer
        po_id = document_id("PO", need.need_id, inp.attempt)
        now = self._plant_now()
        row = PurchaseOrderRow(
            po_id=po_id, supplier=offer.supplier, order_id=need.order_id, need_id=need.need_id, attempt=inp.attempt,
            item=need.item, unit=need.unit, need_quantity=need.quantity,
            quantity=max(offer.quantity, self._lot(offer.supplier, need.item, need.quantity)),
            unit_price=offer.unit_price, currency=offer.currency, quote_id=offer.quote_id,
            idempotency_key=idempotency_key(need, inp.attempt), state="placing", workflow_id=need.workflow_id,
            need_by=need.need_by, created_at=now, updated_at=datetime.now(UTC),
        )
        # Written before the call, so an ASN faster than the answer finds its workflow; a retried
        # activity reuses the stored row, so the document (and its hash at the supplier) is the same.
        await self._write(lambda conn: po_repo.save_purchase_order(conn, row))
        stored = await asyncio.to_thread(po_repo.purchase_order, self.engine, po_id)
        row = stored or row
        po = PurchaseOrder(
            po_id=po_id, supplier=row.supplier, need_date=need.need_by, webhook_url=self.webhook_url,
            issued_at=row.created_at, quote_id=row.quote_id,
            lines=(PurchaseOrderLine(item=need.item, quantity=dec(row.quantity), unit=need.unit,
                                     unit_price=dec(row.unit_price) if row.unit_price else None,
                                     currency=row.currency),),
        )
        port = self._port(row.supplier)
        try:
            ack = await self._retrying(lambda: port.place_order(po, row.idempotency_key), persist=True)
        except SupplierUnavailable as exc:
            return await self._unanswered(inp, row, exc.detail)
        except SupplierError as exc:
            return await self._settle(inp, row, "refused", exc.detail, None, row.quantity)
        if ack.state is AckState.REJECTED:
            return await self._settle(inp, row, "rejected", ack.reason or "rejected", None, 0)
        quantity = float(sum(line.quantity for line in ack.lines if line.item == need.item)) or row.quantity
        return await self._settle(inp, row, ack.state.value, ack.reason, ack.promised_date, quantity)

    async def _unanswered(self, inp: PlaceOrderInput, row: PurchaseOrderRow, detail: str) -> PlaceOrderResult:
        # The PO may exist behind a lost answer: withdraw it so the next supplier's PO is the only one.
        # Not there, or still unreachable: nothing more can be done from here.
        with contextlib.suppress(SupplierError):
            await self._retrying(lambda: self._port(row.supplier).cancel_order(
                row.po_id, "no answer to the purchase order; placed elsewhere"), persist=True)
        return await self._settle(inp, row, "unanswered", detail, None, 0)

    async def _settle(
        self, inp: PlaceOrderInput, row: PurchaseOrderRow, state: str, reason: str | None,
        promised: datetime | None, quantity: float,
    ) -> PlaceOrderResult:
        need, now = inp.need, self._plant_now()
        outcome = "accepted" if state in ("accepted", "changed") else state
        payload = {"po_id": row.po_id, "supplier": row.supplier, "attempt": inp.attempt, "item": need.item,
                   "quantity": quantity, "state": state, "reason": reason,
                   "promised_delivery": promised.isoformat() if promised else None}
        events = [event_for(need, "po_placed" if outcome == "accepted" else f"po_{outcome}", row.po_id, now, payload)]
        late = promised is not None and promised > need.need_by
        if outcome == "accepted" and (inp.late_warning or late):
            events.append(event_for(need, "planner_exception", f"late-{row.po_id}", now, {
                **payload, "reason": "no supplier can deliver by the need date",
                "need_by": need.need_by.isoformat()}))
        kind = {"accepted": HistoryKind.ACCEPTED, "rejected": HistoryKind.REJECTED,
                "unanswered": HistoryKind.UNANSWERED}.get(outcome)
        history = [] if kind is None else [po_repo.HistoryEntry(
            SupplierHistoryRecord(row.supplier, kind, now, row.po_id, need.item, promised_delivery=promised),
            f"{row.po_id}:{kind.value}")]

        def write(conn: Connection) -> None:
            # A supplier that ships at once may have its ASN recorded (state "shipped") before this
            # acknowledgement is written: the acknowledgement must not move the PO back, so its state is
            # set only while the PO is still open (one conditional UPDATE: no read-then-write race).
            po_repo.set_state_if_open(conn, row.po_id, state)
            po_repo.update_purchase_order(conn, row.po_id, {
                "reason": reason, "promised_delivery": promised, "quantity": quantity or row.quantity,
                "updated_at": datetime.now(UTC)})
            po_repo.append_history(conn, history)
            append_events(conn, events)

        await self._write(write)
        return PlaceOrderResult(po_id=row.po_id, supplier=row.supplier, outcome=outcome,  # type: ignore[arg-type]
                                quantity=quantity, promised_delivery=promised, placed_at=row.created_at, reason=reason)
