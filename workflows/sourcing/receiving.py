"""Following and receiving activities: the status poll, cancelling a PO, the goods receipt, events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Connection
from temporalio import activity

from orchestrator.inventory.scorecard import HistoryKind, SupplierHistoryRecord
from orchestrator.persistence import purchasing_repo as po_repo
from orchestrator.persistence.events import append_events
from orchestrator.persistence.inventory_repo import GoodsReceipt, book_receipt, received_for_po
from orchestrator.ports.suppliers import CancelRefused, PurchaseOrderNotFound, SupplierError
from workflows.sourcing.base import ActivityBase, event_for
from workflows.sourcing.messages import (
    CancelInput,
    CancelResult,
    EventInput,
    PollInput,
    PollResult,
    ReceiptInput,
    ReceiptResult,
)


class ReceivingActivities(ActivityBase):
    """``sourcing.poll_status``, ``sourcing.cancel_order``, ``sourcing.receive_goods``, ``sourcing.record``."""

    @activity.defn(name="sourcing.poll_status")
    async def poll_status(self, inp: PollInput) -> PollResult:
        """Ask the supplier where the PO stands; ASNs found here (lost webhooks) are recorded as if posted."""
        port = self._port(inp.supplier)
        try:
            status = await self._retrying(lambda: port.order_status(inp.po_id))
        except PurchaseOrderNotFound as exc:
            return PollResult(reachable=True, state="unknown", detail=exc.detail)
        except SupplierError as exc:
            return PollResult(reachable=False, detail=exc.detail)
        now = self._plant_now()

        def write(conn: Connection) -> None:
            for asn in status.despatch_advices:
                po_repo.record_asn(conn, asn, now)

        await self._write(write)
        return PollResult(reachable=True, state=status.state.value, asns=list(status.despatch_advices))

    @activity.defn(name="sourcing.cancel_order")
    async def cancel_order(self, inp: CancelInput) -> CancelResult:
        """Cancel the PO; once shipped, book the goods still to come as free stock (when asked)."""
        need, port = inp.need, self._port(inp.supplier)
        try:
            await self._retrying(lambda: port.cancel_order(inp.po_id, inp.reason), persist=True)
            outcome, detail = "cancelled", inp.reason
        except PurchaseOrderNotFound as exc:
            outcome, detail = "unknown", exc.detail
        except CancelRefused as exc:
            outcome, detail = "shipped", exc.detail
        if outcome != "shipped":
            await self._write(lambda conn: self._cancelled(conn, inp, detail))
            return CancelResult(outcome=outcome, detail=detail)  # type: ignore[arg-type]
        status = await self._retrying(lambda: port.order_status(inp.po_id))
        now = self._plant_now()

        def write(conn: Connection) -> float:
            for asn in status.despatch_advices:
                po_repo.record_asn(conn, asn, now)
            if not inp.surplus_if_shipped:
                return 0.0
            # What is still to come, from the books rather than the workflow's count: a receipt that
            # committed just as the cancel arrived must not be booked twice.
            received = received_for_po(conn, inp.supplier, inp.po_id)
            surplus = max(0.0, inp.po_quantity - received)
            if surplus > 0:
                book_receipt(conn, GoodsReceipt(
                    receipt_key=f"{inp.supplier}:{inp.po_id}:surplus", item=need.item, unit=need.unit,
                    quantity=surplus, received_at=now, order_id=None, supplier=inp.supplier, po_id=inp.po_id,
                ), now)
                po_repo.update_purchase_order(conn, inp.po_id, {
                    "state": "surplus", "reason": inp.reason, "updated_at": datetime.now(UTC)})
                append_events(conn, [event_for(need, "surplus_received", inp.po_id, now, {
                    "po_id": inp.po_id, "supplier": inp.supplier, "item": need.item, "quantity": surplus,
                    "reason": "the order no longer needs goods that have already shipped; booked as free stock"})])
            return surplus

        surplus = await self._write(write)
        return CancelResult(outcome="shipped", surplus=surplus, asns=list(status.despatch_advices), detail=detail)

    def _cancelled(self, conn: Connection, inp: CancelInput, detail: str | None) -> None:
        now = self._plant_now()
        po_repo.update_purchase_order(conn, inp.po_id, {
            "state": "cancelled", "reason": inp.reason, "updated_at": datetime.now(UTC)})
        po_repo.append_history(conn, [po_repo.HistoryEntry(
            SupplierHistoryRecord(inp.supplier, HistoryKind.CANCELLED, now, inp.po_id, inp.need.item),
            f"{inp.po_id}:cancelled")])
        append_events(conn, [event_for(inp.need, "po_cancelled", inp.po_id, now, {
            "po_id": inp.po_id, "supplier": inp.supplier, "reason": inp.reason, "detail": detail})])

    # -- receiving and events -----------------------------------------------------------------------------

    @activity.defn(name="sourcing.receive_goods")
    async def receive_goods(self, inp: ReceiptInput) -> ReceiptResult:
        """Goods receipt of one ASN: stock, the order's reservation, the PO, the scorecard, the event."""
        need, asn, now = inp.need, inp.asn, self._plant_now()
        quantity = float(sum(line.shipped_quantity for line in asn.lines if line.item == need.item))
        receipt = GoodsReceipt(
            receipt_key=f"{inp.supplier}:{inp.po_id}:{asn.asn_id}", item=need.item, unit=need.unit,
            quantity=quantity, received_at=now, order_id=need.order_id, for_order=inp.for_order,
            supplier=inp.supplier, po_id=inp.po_id, asn_id=asn.asn_id,
        )

        def write(conn: Connection) -> ReceiptResult:
            booked = book_receipt(conn, receipt, now)
            po = po_repo.purchase_order(conn, inp.po_id)
            received_at = po.received_at if booked.repeated and po and po.received_at else now
            if not booked.repeated:
                po_repo.update_purchase_order(conn, inp.po_id, {
                    "received_quantity": (po.received_quantity if po else 0.0) + booked.quantity,
                    "state": "received" if inp.final else "shipped", "received_at": now,
                    "updated_at": datetime.now(UTC)})
            if inp.final:
                po_repo.append_history(conn, [po_repo.HistoryEntry(SupplierHistoryRecord(
                    inp.supplier, HistoryKind.DELIVERED, now, inp.po_id, need.item,
                    promised_delivery=inp.promised_delivery, actual_delivery=_arrival(asn.estimated_delivery, now)),
                    f"{inp.po_id}:delivered")])
            append_events(conn, [event_for(need, "goods_received", f"{inp.po_id}:{asn.asn_id}", now, {
                "po_id": inp.po_id, "supplier": inp.supplier, "asn_id": asn.asn_id, "item": need.item,
                "quantity": booked.quantity, "for_order": booked.for_order, "surplus": booked.surplus,
                "complete": inp.final})])
            return ReceiptResult(quantity=booked.quantity, for_order=booked.for_order, surplus=booked.surplus,
                                 received_at=received_at)

        return await self._write(write)

    @activity.defn(name="sourcing.record")
    async def record(self, inp: EventInput) -> None:
        """Record a milestone or a planner exception for the order (idempotent on its key)."""
        event = event_for(inp.need, inp.kind, inp.key, self._plant_now(), inp.payload)
        await self._write(lambda conn: append_events(conn, [event]))


def _arrival(estimated: datetime, booked: datetime) -> datetime:
    """When the goods arrived, for the supplier's record: the ASN's delivery time, which the receipt
    waited for; the lag of our own timer (a second of wall time is an hour at test scales) is ours."""
    return min(estimated, booked)
