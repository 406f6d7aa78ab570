"""UBL 2.x shaped JSON documents the SCM portal reads and writes.

Field names follow UBL (PascalCase). Simplifications, all documented in ``docs/suppliers.md``:
repeated UBL elements that carry one value here are single objects; a quantity is a JSON number with
its ``UnitCode`` beside it; an amount is ``{"Value": 12.5, "CurrencyID": "EUR"}``; dates and times
are UBL ``Date`` + ``Time`` pairs in UTC on the plant clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(_json_number, return_type=int | float, when_used="json")]
ResponseCode = Literal["AP", "RE", "CA"]
POStatus = Literal["accepted", "rejected", "shipped", "delivered", "cancelled"]


class Doc(BaseModel):
    """Base of every document: lenient on input (unknown fields are ignored), PascalCase names."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Identifier(Doc):
    ID: str = Field(min_length=1)


class PartyNameType(Doc):
    Name: str


class PartyType(Doc):
    PartyIdentification: Identifier | None = None
    PartyName: PartyNameType | None = None


class PartyRef(Doc):
    """A UBL CustomerParty / SupplierParty wrapper."""

    Party: PartyType


class Period(Doc):
    StartDate: date | None = None
    StartTime: time | None = None
    EndDate: date | None = None
    EndTime: time | None = None

    @staticmethod
    def _join(d: date | None, t: time | None) -> datetime | None:
        if d is None:
            return None
        t = t or time(0, 0)
        tz = t.tzinfo or UTC
        return datetime.combine(d, t.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)

    def start(self) -> datetime | None:
        """The start instant (UTC); a date without a time means midnight."""
        return self._join(self.StartDate, self.StartTime)

    def end(self) -> datetime | None:
        """The end instant (UTC); a date without a time means midnight."""
        return self._join(self.EndDate, self.EndTime)

    @classmethod
    def between(cls, start: datetime, end: datetime) -> Period:
        """A period from two instants, in whole UTC seconds."""
        s, e = start.astimezone(UTC), end.astimezone(UTC)
        return cls(
            StartDate=s.date(), StartTime=s.time().replace(microsecond=0, tzinfo=UTC),
            EndDate=e.date(), EndTime=e.time().replace(microsecond=0, tzinfo=UTC),
        )


class ItemIdentificationType(Doc):
    ID: str = Field(min_length=1)


class ItemType(Doc):
    """An item; the portal knows it by the buyer's item id, sent as any of the three identifiers."""

    ID: str | None = None
    SellersItemIdentification: ItemIdentificationType | None = None
    BuyersItemIdentification: ItemIdentificationType | None = None
    Name: str | None = None

    def item_id(self) -> str | None:
        """The item id, from SellersItemIdentification, BuyersItemIdentification or ID."""
        for ident in (self.SellersItemIdentification, self.BuyersItemIdentification):
            if ident is not None:
                return ident.ID
        return self.ID


class Amount(Doc):
    Value: Number
    CurrencyID: str


class PriceType(Doc):
    PriceAmount: Amount
    BaseQuantity: Number = Decimal(1)


class DeliveryType(Doc):
    RequestedDeliveryPeriod: Period | None = None
    PromisedDeliveryPeriod: Period | None = None


class LineItemType(Doc):
    ID: str = "1"
    Item: ItemType
    Quantity: Number = Field(gt=0)
    UnitCode: str = "EA"
    Price: PriceType | None = None
    LineExtensionAmount: Amount | None = None
    LineStatusCode: ResponseCode | None = None
    Delivery: DeliveryType | None = None


class RequestForQuotationLineType(Doc):
    ID: str | None = None
    LineItem: LineItemType


class RequestForQuotation(Doc):
    """The buyer asks for prices and dates."""

    ID: str = Field(min_length=1)
    IssueDate: date | None = None
    IssueTime: time | None = None
    BuyerCustomerParty: PartyRef | None = None
    RequestedDeliveryPeriod: Period | None = None
    RequestForQuotationLine: list[RequestForQuotationLineType] = Field(min_length=1)


class QuotationLineType(Doc):
    ID: str
    LineItem: LineItemType


class Quotation(Doc):
    """The supplier's prices and promised dates, valid for a while."""

    ID: str
    IssueDate: date
    IssueTime: time
    RequestForQuotationDocumentReference: Identifier
    SellerSupplierParty: PartyRef
    BuyerCustomerParty: PartyRef | None = None
    ValidityPeriod: Period
    DocumentCurrencyCode: str
    QuotationLine: list[QuotationLineType]


class OrderLineType(Doc):
    LineItem: LineItemType
    OrderLineReference: OrderLineReferenceType | None = None


class OrderLineReferenceType(Doc):
    LineID: str


class Order(Doc):
    """The buyer's purchase order. ``DespatchAdviceEndpoint`` is where ASNs are posted."""

    ID: str = Field(min_length=1, max_length=100)
    IssueDate: date | None = None
    IssueTime: time | None = None
    QuotationDocumentReference: Identifier | None = None
    BuyerCustomerParty: PartyRef | None = None
    Delivery: DeliveryType | None = None
    DespatchAdviceEndpoint: str | None = Field(default=None, pattern=r"^https?://")
    OrderLine: list[OrderLineType] = Field(min_length=1)


class OrderReferenceType(Doc):
    ID: str
    SalesOrderID: str | None = None


class OrderResponse(Doc):
    """The supplier's answer: AP accepted, RE rejected, CA accepted with changed quantity or date."""

    ID: str
    IssueDate: date
    IssueTime: time
    OrderResponseCode: ResponseCode
    Note: list[str] = Field(default_factory=list)
    SalesOrderID: str
    OrderReference: OrderReferenceType
    SellerSupplierParty: PartyRef
    BuyerCustomerParty: PartyRef | None = None
    DocumentCurrencyCode: str
    OrderLine: list[OrderLineType]


class DespatchType(Doc):
    ActualDespatchDate: date
    ActualDespatchTime: time


class ShipmentDeliveryType(Doc):
    EstimatedDeliveryPeriod: Period
    Despatch: DespatchType


class ShipmentType(Doc):
    ID: str
    Delivery: ShipmentDeliveryType


class DespatchLineType(Doc):
    ID: str
    OrderLineReference: OrderLineReferenceType
    Item: ItemType
    DeliveredQuantity: Number
    OutstandingQuantity: Number
    UnitCode: str
    OutstandingReason: str | None = None


class DespatchAdvice(Doc):
    """The advance shipping notice (ASN) posted to the buyer when goods leave."""

    ID: str
    IssueDate: date
    IssueTime: time
    OrderReference: OrderReferenceType
    DespatchSupplierParty: PartyRef
    DeliveryCustomerParty: PartyRef | None = None
    Shipment: ShipmentType
    DespatchLine: list[DespatchLineType]


# Aliases for fields that carry their type's name (a pydantic field may not shadow its own type).
_OrderResponseDoc = OrderResponse
_DespatchAdviceDoc = DespatchAdvice


class StatusEventType(Doc):
    Status: str
    Timestamp: datetime
    Note: str | None = None


class PurchaseOrderState(Doc):
    """The portal's view of one PO (not a UBL document: UBL has no status query)."""

    ID: str
    SupplierID: str
    Status: POStatus
    OrderResponse: _OrderResponseDoc
    DespatchAdvice: list[_DespatchAdviceDoc] = Field(default_factory=list)
    History: list[StatusEventType] = Field(default_factory=list)


class OrderCancellation(Doc):
    """Optional body of a cancel request."""

    ID: str | None = None
    CancellationNote: str | None = None


OrderLineType.model_rebuild()
