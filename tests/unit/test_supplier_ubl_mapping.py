"""The supplier adapter's UBL mapping: deterministic documents, lenient reading, clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from adapters.suppliers.ubl import catalog_unit, encode, order_document, rfq_document, unit_code
from adapters.suppliers.ubl_read import ack_from, parse_despatch_advice
from orchestrator.ports.suppliers import (
    AckState,
    PurchaseOrder,
    PurchaseOrderLine,
    QuoteRequest,
    SupplierProtocolError,
)

NEED = datetime(2030, 5, 6, 12, 30, tzinfo=UTC)


def _po(**changes: object) -> PurchaseOrder:
    fields: dict[str, object] = {
        "po_id": "PO-1", "supplier": "acme", "need_date": NEED, "webhook_url": "http://127.0.0.1:9/asn",
        "lines": (PurchaseOrderLine(item="fabric-linen-sand", quantity=Decimal("12.5"), unit="m"),),
    }
    return PurchaseOrder.model_validate(fields | changes)


def test_the_same_po_always_gives_the_same_bytes() -> None:
    assert encode(order_document(_po())) == encode(order_document(_po()))


def test_the_order_document_carries_the_webhook_need_date_and_unece_units() -> None:
    doc = order_document(_po(quote_id="Q-7"))
    assert doc["DespatchAdviceEndpoint"] == "http://127.0.0.1:9/asn"
    assert doc["Delivery"]["RequestedDeliveryPeriod"] == {"EndDate": "2030-05-06", "EndTime": "12:30:00Z"}
    assert doc["QuotationDocumentReference"] == {"ID": "Q-7"}
    line = doc["OrderLine"][0]["LineItem"]
    assert (line["Quantity"], line["UnitCode"]) == (12.5, "MTR")
    assert line["Item"]["SellersItemIdentification"]["ID"] == "fabric-linen-sand"


def test_units_map_both_ways_and_unknown_ones_pass() -> None:
    for unit in ("pcs", "m", "m2", "kg", "l", "pair", "set"):
        assert catalog_unit(unit_code(unit)) == unit
    assert unit_code("furlong") == "furlong"


def test_rfq_document_states_the_need_date() -> None:
    doc = rfq_document(QuoteRequest(rfq_id="R1", item="x", quantity=Decimal(3), need_date=NEED), "c2m", "C2M")
    assert doc["RequestedDeliveryPeriod"]["EndDate"] == "2030-05-06"
    assert doc["RequestForQuotationLine"][0]["LineItem"]["Quantity"] == 3


def test_a_po_with_duplicate_line_ids_is_refused() -> None:
    line = PurchaseOrderLine(item="x", quantity=Decimal(1))
    with pytest.raises(ValueError, match="line ids must be unique"):
        _po(lines=(line, line))


def test_an_order_response_is_read_into_an_ack() -> None:
    doc = {
        "ID": "OR-1", "IssueDate": "2030-05-01", "IssueTime": "08:00:00Z", "OrderResponseCode": "CA",
        "Note": ["line 1: quantity 7 raised to 10"], "SalesOrderID": "SO-9", "OrderReference": {"ID": "PO-1"},
        "OrderLine": [{
            "LineItem": {
                "ID": "1", "Item": {"SellersItemIdentification": {"ID": "x"}}, "Quantity": 10, "UnitCode": "EA",
                "LineStatusCode": "CA", "Price": {"PriceAmount": {"Value": 2.5, "CurrencyID": "EUR"}},
                "Delivery": {"PromisedDeliveryPeriod": {"EndDate": "2030-05-04", "EndTime": "10:00:00Z"}},
            },
            "OrderLineReference": {"LineID": "1"},
        }],
    }
    ack = ack_from(doc, "acme")
    assert (ack.state, ack.po_id, ack.supplier_reference) == (AckState.CHANGED, "PO-1", "SO-9")
    assert ack.reason == "line 1: quantity 7 raised to 10"
    assert ack.lines[0].quantity == Decimal(10) and ack.lines[0].unit == "pcs"
    assert ack.lines[0].unit_price == Decimal("2.5")
    assert ack.promised_date == datetime(2030, 5, 4, 10, 0, tzinfo=UTC)


def test_an_unreadable_order_response_names_the_field() -> None:
    with pytest.raises(SupplierProtocolError, match="OrderResponseCode is 'XX'"):
        ack_from({"OrderResponseCode": "XX"}, "acme")
    with pytest.raises(SupplierProtocolError, match="OrderReference"):
        ack_from({"OrderResponseCode": "AP"}, "acme")


ASN = {
    "ID": "DA-1", "IssueDate": "2030-05-03", "IssueTime": "09:00:00Z",
    "OrderReference": {"ID": "PO-1", "SalesOrderID": "SO-9"},
    "DespatchSupplierParty": {"Party": {"PartyIdentification": {"ID": "acme"}}},
    "Shipment": {"ID": "S1", "Delivery": {
        "EstimatedDeliveryPeriod": {"StartDate": "2030-05-04", "StartTime": "10:00:00Z",
                                    "EndDate": "2030-05-04", "EndTime": "10:00:00Z"},
        "Despatch": {"ActualDespatchDate": "2030-05-03", "ActualDespatchTime": "09:00:00Z"},
    }},
    "DespatchLine": [{"ID": "1", "OrderLineReference": {"LineID": "1"}, "Item": {"ID": "x"},
                      "DeliveredQuantity": 6, "OutstandingQuantity": 4, "UnitCode": "EA"}],
}


def test_a_despatch_advice_body_is_read_into_an_asn() -> None:
    asn = parse_despatch_advice(json.dumps(ASN).encode())
    assert (asn.asn_id, asn.po_id, asn.supplier, asn.supplier_reference) == ("DA-1", "PO-1", "acme", "SO-9")
    assert asn.shipped_at == datetime(2030, 5, 3, 9, 0, tzinfo=UTC)
    assert asn.estimated_delivery == datetime(2030, 5, 4, 10, 0, tzinfo=UTC)
    assert asn.partial and asn.lines[0].shipped_quantity == 6 and asn.lines[0].outstanding_quantity == 4


@pytest.mark.parametrize(
    "body, message",
    [(b"not json", "not JSON"), (b"[]", "not a JSON object"),
     (json.dumps({**ASN, "DespatchLine": None}), "DespatchLine"),
     (json.dumps({**ASN, "IssueDate": "yesterday", "Shipment": {"Delivery": {"EstimatedDeliveryPeriod": {}}}}),
      "IssueDate")],
    ids=["not-json", "not-object", "no-lines", "bad-date"],
)
def test_a_bad_despatch_advice_is_a_protocol_error(body: bytes | str, message: str) -> None:
    with pytest.raises(SupplierProtocolError, match=message):
        parse_despatch_advice(body)
