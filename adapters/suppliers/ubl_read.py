"""Reading supplier documents (UBL-shaped JSON) into our contract's types.

Lenient on extra fields; a missing or malformed field raises :class:`SupplierProtocolError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.suppliers.ubl import catalog_unit, unit_code
from orchestrator.ports.suppliers import (
    AckState,
    DespatchAdvice,
    DespatchLine,
    PurchaseOrderAck,
    PurchaseOrderLineAck,
    PurchaseOrderState,
    PurchaseOrderStatus,
    Quote,
    QuoteRequest,
    SupplierProtocolError,
)

_ACK = {"AP": AckState.ACCEPTED, "CA": AckState.CHANGED, "RE": AckState.REJECTED}


class _Missing(Exception):
    def __init__(self, where: str, problem: str = "is missing") -> None:
        super().__init__(f"{where} {problem}")


def _at(doc: Any, *path: str | int) -> Any:
    """doc[path...] or _Missing naming the path."""
    cur = doc
    for n, key in enumerate(path):
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            raise _Missing(".".join(str(p) for p in path[: n + 1])) from None
        if cur is None:
            raise _Missing(".".join(str(p) for p in path[: n + 1]))
    return cur


def _opt(doc: Any, *path: str | int) -> Any:
    try:
        return _at(doc, *path)
    except _Missing:
        return None


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _Missing(where, f"is not a number: {value!r}") from None


def _instant(d: Any, t: Any, where: str) -> datetime:
    try:
        day = date.fromisoformat(str(d))
        clock = time.fromisoformat(str(t).replace("Z", "+00:00")) if t else time(0, 0)
    except ValueError as exc:
        raise _Missing(where, f"is not a UBL date/time: {exc}") from None
    return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=clock.tzinfo or UTC).astimezone(UTC)


def _period_end(period: Any, where: str) -> datetime:
    """The end of a UBL period (its start when it has no end)."""
    if _opt(period, "EndDate"):
        return _instant(period["EndDate"], period.get("EndTime"), f"{where}.EndDate")
    return _instant(_at(period, "StartDate"), period.get("StartTime"), f"{where}.StartDate")


def _item_id(item: Any, where: str) -> str:
    for path in (("SellersItemIdentification", "ID"), ("BuyersItemIdentification", "ID"), ("ID",)):
        ident = _opt(item, *path)
        if ident:
            return str(ident)
    raise _Missing(where, "has no SellersItemIdentification/ID, BuyersItemIdentification/ID or ID")


def _unit_price(line_item: Any) -> tuple[Decimal | None, str | None]:
    price = _opt(line_item, "Price")
    if price is None:
        return None, None
    value = _decimal(_at(price, "PriceAmount", "Value"), "Price.PriceAmount.Value")
    base = _decimal(_opt(price, "BaseQuantity") or 1, "Price.BaseQuantity")
    return value / base, str(_at(price, "PriceAmount", "CurrencyID"))


def _protocol_error(supplier_id: str, what: str, exc: Exception) -> SupplierProtocolError:
    return SupplierProtocolError(supplier_id, f"unreadable {what}: {exc}")


def quote_from(doc: Mapping[str, Any], supplier_id: str, request: QuoteRequest) -> Quote:
    """Our quote from a Quotation (the line for the requested item)."""
    try:
        lines = _at(doc, "QuotationLine")
        line_item = next(
            (ln["LineItem"] for ln in lines if _item_id(_at(ln, "LineItem", "Item"), "Item") == request.item), None
        )
        if line_item is None:
            raise _Missing(f"QuotationLine for item {request.item!r}")
        price, currency = _unit_price(line_item)
        if price is None or currency is None:
            raise _Missing("QuotationLine.LineItem.Price")
        return Quote(
            quote_id=str(_at(doc, "ID")),
            rfq_id=str(_opt(doc, "RequestForQuotationDocumentReference", "ID") or request.rfq_id),
            supplier=supplier_id,
            item=request.item,
            quantity=_decimal(_at(line_item, "Quantity"), "LineItem.Quantity"),
            unit=catalog_unit(str(line_item.get("UnitCode") or unit_code(request.unit))),
            unit_price=price,
            currency=currency,
            promised_date=_period_end(
                _at(line_item, "Delivery", "PromisedDeliveryPeriod"), "LineItem.Delivery.PromisedDeliveryPeriod"
            ),
            valid_until=_period_end(_at(doc, "ValidityPeriod"), "ValidityPeriod"),
        )
    except (_Missing, ValueError, TypeError, AttributeError) as exc:
        raise _protocol_error(supplier_id, "Quotation", exc) from None


def ack_from(doc: Mapping[str, Any], supplier_id: str) -> PurchaseOrderAck:
    """Our acknowledgement from an OrderResponse."""
    try:
        code = str(_at(doc, "OrderResponseCode"))
        if code not in _ACK:
            raise _Missing("OrderResponseCode", f"is {code!r}, expected AP, CA or RE")
        lines = []
        for n, ol in enumerate(doc.get("OrderLine") or []):
            li = _at(ol, "LineItem")
            price, currency = _unit_price(li)
            promised = _opt(li, "Delivery", "PromisedDeliveryPeriod")
            lines.append(PurchaseOrderLineAck(
                line_id=str(_opt(ol, "OrderLineReference", "LineID") or _at(li, "ID")),
                item=_item_id(_at(li, "Item"), f"OrderLine[{n}].LineItem.Item"),
                quantity=_decimal(_at(li, "Quantity"), f"OrderLine[{n}].LineItem.Quantity"),
                unit=catalog_unit(str(li.get("UnitCode") or "EA")),
                state=_ACK.get(str(li.get("LineStatusCode") or code), _ACK[code]),
                promised_date=_period_end(promised, "PromisedDeliveryPeriod") if promised else None,
                unit_price=price,
                currency=currency,
            ))
        notes = doc.get("Note") or []
        reason = "; ".join(notes) if isinstance(notes, list) else str(notes)
        issued = _instant(doc["IssueDate"], doc.get("IssueTime"), "IssueDate") if doc.get("IssueDate") else None
        return PurchaseOrderAck(
            po_id=str(_at(doc, "OrderReference", "ID")),
            supplier=supplier_id,
            state=_ACK[code],
            lines=tuple(lines),
            reason=reason or None,
            supplier_reference=_opt(doc, "SalesOrderID") or _opt(doc, "OrderReference", "SalesOrderID"),
            issued_at=issued,
        )
    except (_Missing, ValueError, TypeError, AttributeError) as exc:
        raise _protocol_error(supplier_id, "OrderResponse", exc) from None


def despatch_advice_from(doc: Mapping[str, Any]) -> DespatchAdvice:
    """Our ASN from a DespatchAdvice document."""
    supplier = _opt(doc, "DespatchSupplierParty", "Party", "PartyIdentification", "ID")
    try:
        delivery = _at(doc, "Shipment", "Delivery")
        despatch = _opt(delivery, "Despatch")
        if despatch is not None:
            shipped = _instant(_at(despatch, "ActualDespatchDate"), despatch.get("ActualDespatchTime"), "Despatch")
        else:
            shipped = _instant(_at(doc, "IssueDate"), doc.get("IssueTime"), "IssueDate")
        lines = tuple(
            DespatchLine(
                line_id=str(_opt(dl, "OrderLineReference", "LineID") or _at(dl, "ID")),
                item=_item_id(_at(dl, "Item"), f"DespatchLine[{n}].Item"),
                shipped_quantity=_decimal(_at(dl, "DeliveredQuantity"), f"DespatchLine[{n}].DeliveredQuantity"),
                outstanding_quantity=_decimal(
                    dl.get("OutstandingQuantity") or 0, f"DespatchLine[{n}].OutstandingQuantity"
                ),
                unit=catalog_unit(str(dl.get("UnitCode") or "EA")),
            )
            for n, dl in enumerate(_at(doc, "DespatchLine"))
        )
        return DespatchAdvice(
            asn_id=str(_at(doc, "ID")),
            po_id=str(_at(doc, "OrderReference", "ID")),
            supplier=str(_at(doc, "DespatchSupplierParty", "Party", "PartyIdentification", "ID")),
            shipped_at=shipped,
            estimated_delivery=_period_end(_at(delivery, "EstimatedDeliveryPeriod"), "EstimatedDeliveryPeriod"),
            lines=lines,
            supplier_reference=_opt(doc, "OrderReference", "SalesOrderID"),
        )
    except (_Missing, ValueError, TypeError, AttributeError) as exc:
        raise _protocol_error(str(supplier or "?"), "DespatchAdvice", exc) from None


def status_from(doc: Mapping[str, Any], supplier_id: str) -> PurchaseOrderStatus:
    """Our PO status from the portal's status resource."""
    try:
        state = PurchaseOrderState(str(_at(doc, "Status")))
        first: dict[str, datetime] = {}
        for event in doc.get("History") or []:
            when = datetime.fromisoformat(str(_at(event, "Timestamp")).replace("Z", "+00:00"))
            first.setdefault(str(_at(event, "Status")), when)
        response = doc.get("OrderResponse")
        return PurchaseOrderStatus(
            po_id=str(_at(doc, "ID")),
            supplier=supplier_id,
            state=state,
            ack=ack_from(response, supplier_id) if response else None,
            despatch_advices=tuple(despatch_advice_from(d) for d in doc.get("DespatchAdvice") or []),
            shipped_at=first.get("shipped"),
            delivered_at=first.get("delivered"),
            cancelled_at=first.get("cancelled"),
        )
    except SupplierProtocolError:
        raise
    except (_Missing, ValueError, TypeError, AttributeError) as exc:
        raise _protocol_error(supplier_id, "purchase order status", exc) from None


def parse_despatch_advice(body: bytes | str | Mapping[str, Any]) -> DespatchAdvice:
    """Read the body of an ASN webhook (after its signature was verified)."""
    if isinstance(body, Mapping):
        return despatch_advice_from(body)
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise SupplierProtocolError("?", f"DespatchAdvice body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise SupplierProtocolError("?", "DespatchAdvice body is not a JSON object")
    return despatch_advice_from(doc)
