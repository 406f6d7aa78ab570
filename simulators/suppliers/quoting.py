"""Answering a RequestForQuotation with a Quotation: lot-sized quantity, price, promised date.

The quoted lead time is drawn once and remembered: a PO that references the quote while it is valid
gets the same price and lead time (capacity permitting).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from simulators.suppliers.config import PartOffer, SupplierConfig
from simulators.suppliers.documents import (
    Amount,
    DeliveryType,
    Identifier,
    ItemIdentificationType,
    ItemType,
    LineItemType,
    Period,
    PriceType,
    Quotation,
    QuotationLineType,
    RequestForQuotation,
)
from simulators.suppliers.planning import DAY, derived_rng, lot_size, plan_delivery, sample_lead_days
from simulators.suppliers.portal import PortalError, SupplierPortal, plant_dt
from simulators.suppliers.records import QuoteRecord

CENT = Decimal("0.01")


def start_ts(period: Period | None) -> float | None:
    """The start of a requested period as plant Unix seconds, if there is one."""
    start = period.start() if period is not None else None
    return start.timestamp() if start is not None else None


def offered_part(
    supplier: SupplierConfig, item_id: str | None, unit: str, where: str, list_offers: bool = True
) -> PartOffer:
    """The supplier's offer for an item, or a 422 that says (with ``list_offers``) what it does sell."""
    if not item_id:
        raise PortalError(422, f"{where}: Item has no SellersItemIdentification/ID, BuyersItemIdentification/ID or ID")
    part = supplier.part(item_id)
    if part is None:
        sells = f"; it sells: {', '.join(p.item for p in supplier.parts)}" if list_offers else ""
        raise PortalError(422, f"{where}: supplier {supplier.id!r} does not sell item {item_id!r}{sells}")
    if unit != part.unit:
        raise PortalError(422, f"{where}: item {item_id!r} is sold in UnitCode {part.unit!r}, not {unit!r}")
    return part


def priced_line(
    line_id: str, part: PartOffer, currency: str, quantity: Decimal, unit_price: Decimal, deliver_ts: float
) -> LineItemType:
    """A LineItem with price, extension amount and promised delivery."""
    when = plant_dt(deliver_ts)
    return LineItemType(
        ID=line_id,
        Item=ItemType(SellersItemIdentification=ItemIdentificationType(ID=part.item), Name=part.name),
        Quantity=quantity,
        UnitCode=part.unit,
        Price=PriceType(PriceAmount=Amount(Value=unit_price, CurrencyID=currency)),
        LineExtensionAmount=Amount(Value=(unit_price * quantity).quantize(CENT), CurrencyID=currency),
        Delivery=DeliveryType(PromisedDeliveryPeriod=Period.between(when, when)),
    )


def make_quotation(portal: SupplierPortal, supplier_id: str, rfq: RequestForQuotation) -> Quotation:
    """Quote every line of the RFQ, or refuse (422) when an item is not sold here."""
    supplier = portal.supplier(supplier_id)
    now = portal.now_ts()
    number = portal.store.next_number(f"quote:{supplier_id}")
    quote_id = f"Q-{supplier_id.upper()}-{number:06d}"
    valid_until = now + supplier.quote_validity_days * DAY
    currencies: list[str] = []
    lines: list[QuotationLineType] = []
    records: list[QuoteRecord] = []
    for n, rfq_line in enumerate(rfq.RequestForQuotationLine, 1):
        li = rfq_line.LineItem
        where = f"RequestForQuotationLine[{n - 1}]"
        part = offered_part(supplier, li.Item.item_id(), li.UnitCode, where)
        currency = supplier.currency_of(part)
        currencies.append(currency)
        quantity = lot_size(li.Quantity, part.moq, part.multiple)
        lead = sample_lead_days(part.lead_time_days, derived_rng(portal.seed, supplier_id, "rfq", rfq.ID, n))
        requested = (li.Delivery and li.Delivery.RequestedDeliveryPeriod) or rfq.RequestedDeliveryPeriod

        def booked(day: date, item: str = part.item) -> Decimal:
            return portal.store.booked(supplier_id, item, day)

        plan = plan_delivery(
            now, lead, supplier.transit_days, quantity, part.capacity_per_day, booked, start_ts(requested)
        )
        if plan is None:
            raise PortalError(422, f"{where}: no despatch capacity for {quantity} {part.unit} within a year")
        line_id = rfq_line.ID or li.ID or str(n)
        priced = priced_line(line_id, part, currency, quantity, part.price, plan.deliver_ts)
        lines.append(QuotationLineType(ID=line_id, LineItem=priced))
        records.append(
            QuoteRecord(supplier_id, quote_id, part.item, quantity, part.price, currency, lead, valid_until)
        )
    with portal.store.transaction():
        for record in records:
            portal.store.save_quote(record)
    issued = plant_dt(now)
    return Quotation(
        ID=quote_id,
        IssueDate=issued.date(),
        IssueTime=issued.timetz().replace(microsecond=0),
        RequestForQuotationDocumentReference=Identifier(ID=rfq.ID),
        SellerSupplierParty=portal.party(supplier),
        BuyerCustomerParty=rfq.BuyerCustomerParty,
        ValidityPeriod=Period.between(issued, plant_dt(valid_until)),
        DocumentCurrencyCode=currencies[0],
        QuotationLine=lines,
    )
