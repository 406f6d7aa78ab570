"""Taking a purchase order: idempotency, MOQ and multiples, capacity, the OrderResponse.

A PO is answered AP (accepted as ordered), CA (accepted with a changed quantity or a later date; it
stands unless the buyer cancels) or RE (rejected, with the reason in ``Note``). The first answer to
an ``Idempotency-Key`` is stored and repeated byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import ValidationError

from simulators.suppliers.config import PartOffer, SupplierConfig
from simulators.suppliers.documents import (
    Order,
    OrderLineReferenceType,
    OrderLineType,
    OrderReferenceType,
    OrderResponse,
    ResponseCode,
)
from simulators.suppliers.planning import DeliveryPlan, derived_rng, lot_size, plan_delivery, sample_lead_days
from simulators.suppliers.portal import PortalError, SupplierPortal, plant_dt, plant_iso
from simulators.suppliers.quoting import offered_part, priced_line, start_ts
from simulators.suppliers.records import PurchaseOrderRecord, ShipmentRecord


@dataclass(frozen=True)
class OrderOutcome:
    """The HTTP answer to a PO: status, exact body bytes, and whether it is a repeat."""

    status: int
    body: bytes
    replayed: bool


@dataclass
class _Line:
    line_id: str
    part: PartOffer
    requested: Decimal
    quantity: Decimal
    unit_price: Decimal
    currency: str
    plan: DeliveryPlan
    requested_by: float | None


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(document)"
        parts.append(f"{where}: {err['msg']}")
    return "invalid Order document: " + "; ".join(parts)


def place_order(portal: SupplierPortal, supplier_id: str, key: str | None, raw: bytes) -> OrderOutcome:
    """Take a PO (or repeat the first answer to its Idempotency-Key)."""
    supplier = portal.supplier(supplier_id)
    if not key or not key.strip():
        raise PortalError(
            400,
            "missing Idempotency-Key header: every POST .../purchase-orders needs a key unique to the order "
            "(for example derived from the PO id); a repeat with the same key returns the first answer",
        )
    if len(key) > 255:
        raise PortalError(400, f"Idempotency-Key is {len(key)} characters long; at most 255 are allowed")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise PortalError(400, f"request body is not JSON: {exc}") from None
    body_hash = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    prior = portal.store.idempotent_response(supplier_id, key)
    if prior is not None:
        first_hash, status, body, po_id = prior
        if first_hash != body_hash:
            raise PortalError(
                409,
                f"Idempotency-Key {key!r} was already used for purchase order {po_id!r} with a different body; "
                "send a new key for a new or changed order",
            )
        return OrderOutcome(status, body, replayed=True)

    try:
        order = Order.model_validate(data)
    except ValidationError as exc:
        raise PortalError(422, _validation_message(exc)) from None
    line_ids = [ol.LineItem.ID for ol in order.OrderLine]
    if len(set(line_ids)) != len(line_ids):
        raise PortalError(422, f"invalid Order document: OrderLine LineItem.ID values must be unique, got {line_ids}")
    if portal.store.order(supplier_id, order.ID) is not None:
        raise PortalError(
            409,
            f"purchase order {order.ID!r} already exists at supplier {supplier_id!r} under another "
            "Idempotency-Key; repeat the first key to get its answer, or use a new PO id",
        )

    with portal.store.transaction():
        response = _decide(portal, supplier, order)
        body = response.model_dump_json(exclude_none=True).encode()
        portal.store.remember_response(supplier_id, key, body_hash, 201, body, order.ID)
    portal.changed()
    return OrderOutcome(201, body, replayed=False)


def _decide(portal: SupplierPortal, supplier: SupplierConfig, order: Order) -> OrderResponse:
    """Build the answer and store the PO, its shipment and its booked capacity (in the caller's transaction)."""
    now = portal.now_ts()
    sid = supplier.id
    faults = portal.faults(sid)
    requested = order.Delivery.RequestedDeliveryPeriod if order.Delivery else None
    reason: str | None = None
    lines: list[_Line] = []
    overlay: dict[tuple[str, date], Decimal] = {}  # capacity booked by earlier lines of this PO

    def booked(item: str, day: date) -> Decimal:
        return portal.store.booked(sid, item, day) + overlay.get((item, day), Decimal(0))

    for n, ol in enumerate(order.OrderLine):
        li = ol.LineItem
        try:
            part = offered_part(supplier, li.Item.item_id(), li.UnitCode, f"OrderLine[{n}]", list_offers=False)
        except PortalError as exc:
            reason = exc.detail
            break
        quantity = lot_size(li.Quantity, part.moq, part.multiple)
        line_requested = (li.Delivery and li.Delivery.RequestedDeliveryPeriod) or requested
        quote = None
        if order.QuotationDocumentReference is not None:
            quote = portal.store.quote(sid, order.QuotationDocumentReference.ID, part.item)
            if quote is not None and (quote.valid_until_ts < now or quote.quantity != quantity):
                quote = None  # expired, or another quantity: the quote does not bind
        rng = derived_rng(portal.seed, sid, "po", order.ID, n)
        lead = quote.lead_days if quote else sample_lead_days(part.lead_time_days, rng)
        plan = plan_delivery(
            now, lead, supplier.transit_days, quantity, part.capacity_per_day,
            functools.partial(booked, part.item), start_ts(line_requested),
        )
        if plan is None:
            reason = f"OrderLine[{n}]: no despatch capacity for {quantity} {part.unit} of {part.item} within a year"
            break
        for day, qty in plan.allocations:
            overlay[(part.item, day)] = overlay.get((part.item, day), Decimal(0)) + qty
        end = line_requested.end() if line_requested else None
        lines.append(_Line(
            line_id=li.ID, part=part, requested=li.Quantity, quantity=quantity,
            unit_price=quote.unit_price if quote else part.price,
            currency=quote.currency if quote else supplier.currency_of(part),
            plan=plan, requested_by=end.timestamp() if end else None,
        ))
    reject_roll = derived_rng(portal.seed, sid, "reject", order.ID).random()
    if reason is None and reject_roll < faults.reject_rate:
        reason = "order book full for the requested period, cannot accept (simulated rejection)"

    number = portal.store.next_number(f"order:{sid}")
    if reason is not None:
        rejected = [
            OrderLineType(
                LineItem=ol.LineItem.model_copy(update={"LineStatusCode": "RE"}),
                OrderLineReference=OrderLineReferenceType(LineID=ol.LineItem.ID),
            )
            for ol in order.OrderLine
        ]
        response = _response(now, portal, supplier, order, number, "RE", [reason], rejected)
        _store(portal, sid, order, response, "rejected", now, None)
        return response

    # The supplier consolidates a PO into one consignment: it leaves when the last line is ready.
    ship_ts = max(line.plan.ship_ts for line in lines)
    deliver_ts = max(line.plan.deliver_ts for line in lines)
    notes: list[str] = []
    out_lines: list[OrderLineType] = []
    for line in lines:
        item = priced_line(line.line_id, line.part, line.currency, line.quantity, line.unit_price, deliver_ts)
        changed = False
        if line.quantity != line.requested:
            changed = True
            notes.append(
                f"line {line.line_id}: quantity {line.requested} raised to {line.quantity} {line.part.unit} "
                f"(minimum order {line.part.moq}, multiples of {line.part.multiple})"
            )
        if line.requested_by is not None and deliver_ts > line.requested_by:
            changed = True
            notes.append(
                f"line {line.line_id}: earliest delivery {plant_iso(deliver_ts)} is after the requested "
                f"{plant_iso(line.requested_by)}"
            )
        item.LineStatusCode = "CA" if changed else "AP"
        out_lines.append(OrderLineType(LineItem=item, OrderLineReference=OrderLineReferenceType(LineID=line.line_id)))
    code: ResponseCode = "CA" if notes else "AP"
    response = _response(now, portal, supplier, order, number, code, notes, out_lines)
    shipment = ShipmentRecord(
        supplier_id=sid, po_id=order.ID, seq=1, ship_ts=ship_ts, deliver_ts=deliver_ts,
        lines=[
            {"line_id": line.line_id, "item": line.part.item, "name": line.part.name,
             "quantity": str(line.quantity), "unit": line.part.unit}
            for line in lines
        ],
    )
    _store(portal, sid, order, response, "accepted", now, shipment)
    for line in lines:
        portal.store.book(sid, order.ID, line.part.item, line.plan.allocations)
    return response


def _response(
    now: float, portal: SupplierPortal, supplier: SupplierConfig, order: Order, number: int, code: ResponseCode,
    notes: list[str], lines: list[OrderLineType],
) -> OrderResponse:
    issued = plant_dt(now)
    sales_order = f"SO-{supplier.id.upper()}-{number:06d}"
    currency = next(
        (ln.LineItem.Price.PriceAmount.CurrencyID for ln in lines if ln.LineItem.Price is not None), supplier.currency
    )
    return OrderResponse(
        ID=f"OR-{supplier.id.upper()}-{number:06d}",
        IssueDate=issued.date(),
        IssueTime=issued.timetz().replace(microsecond=0),
        OrderResponseCode=code,
        Note=notes,
        SalesOrderID=sales_order,
        OrderReference=OrderReferenceType(ID=order.ID, SalesOrderID=sales_order),
        SellerSupplierParty=portal.party(supplier),
        BuyerCustomerParty=order.BuyerCustomerParty,
        DocumentCurrencyCode=currency,
        OrderLine=lines,
    )


def _store(
    portal: SupplierPortal, sid: str, order: Order, response: OrderResponse, status: str, now: float,
    shipment: ShipmentRecord | None,
) -> None:
    portal.store.insert_order(PurchaseOrderRecord(
        supplier_id=sid, po_id=order.ID, status=status,
        order_json=order.model_dump_json(exclude_none=True),
        response_json=response.model_dump_json(exclude_none=True),
        history=[{"Status": status, "Timestamp": plant_iso(now)}],
        endpoint=order.DespatchAdviceEndpoint, created_ts=now,
    ))
    if shipment is not None:
        portal.store.save_shipment(shipment)
