"""Our supplier contract as UBL-shaped JSON (reading the answers back is ``ubl_read.py``).

Building is deterministic (the same PO always gives the same bytes), which is what lets a retried
``place_order`` with the same idempotency key be recognised as a repeat. Units are mapped between
the catalog's (``pcs``, ``m``, ``kg`` ...) and UN/ECE Recommendation 20 codes (``EA``, ``MTR``,
``KGM`` ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orchestrator.ports.suppliers import PurchaseOrder, QuoteRequest

UNIT_CODES = {"pcs": "EA", "pair": "PR", "set": "SET", "m": "MTR", "m2": "MTK", "kg": "KGM", "l": "LTR"}
CATALOG_UNITS = {code: unit for unit, code in UNIT_CODES.items()}
def unit_code(unit: str) -> str:
    """UN/ECE code for a catalog unit (unknown units pass unchanged)."""
    return UNIT_CODES.get(unit, unit)


def catalog_unit(code: str) -> str:
    """Catalog unit for a UN/ECE code (unknown codes pass unchanged)."""
    return CATALOG_UNITS.get(code, code)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _date_time(when: datetime) -> tuple[str, str]:
    utc = when.astimezone(UTC)
    return utc.date().isoformat(), utc.time().replace(microsecond=0).isoformat() + "Z"


def _party(party_id: str, name: str) -> dict[str, Any]:
    return {"Party": {"PartyIdentification": {"ID": party_id}, "PartyName": {"Name": name}}}


def _deliver_by(when: datetime) -> dict[str, Any]:
    end_date, end_time = _date_time(when)
    return {"EndDate": end_date, "EndTime": end_time}


def _item(item: str) -> dict[str, Any]:
    return {"SellersItemIdentification": {"ID": item}, "BuyersItemIdentification": {"ID": item}}


def encode(document: Mapping[str, Any]) -> bytes:
    """Compact JSON bytes of a document."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def rfq_document(request: QuoteRequest, buyer_id: str, buyer_name: str) -> dict[str, Any]:
    """A RequestForQuotation with one line."""
    doc: dict[str, Any] = {"ID": request.rfq_id}
    if request.issued_at is not None:
        doc["IssueDate"], doc["IssueTime"] = _date_time(request.issued_at)
    doc["BuyerCustomerParty"] = _party(buyer_id, buyer_name)
    if request.need_date is not None:
        doc["RequestedDeliveryPeriod"] = _deliver_by(request.need_date)
    doc["RequestForQuotationLine"] = [{
        "ID": "1",
        "LineItem": {
            "ID": "1", "Item": _item(request.item),
            "Quantity": _number(request.quantity), "UnitCode": unit_code(request.unit),
        },
    }]
    return doc


def order_document(po: PurchaseOrder) -> dict[str, Any]:
    """An Order. Nothing time-dependent is added, so a retry sends the same bytes."""
    doc: dict[str, Any] = {"ID": po.po_id}
    if po.issued_at is not None:
        doc["IssueDate"], doc["IssueTime"] = _date_time(po.issued_at)
    if po.quote_id:
        doc["QuotationDocumentReference"] = {"ID": po.quote_id}
    doc["BuyerCustomerParty"] = _party(po.buyer_id, po.buyer_name)
    doc["Delivery"] = {"RequestedDeliveryPeriod": _deliver_by(po.need_date)}
    doc["DespatchAdviceEndpoint"] = po.webhook_url
    lines = []
    for line in po.lines:
        item: dict[str, Any] = {
            "ID": line.line_id, "Item": _item(line.item),
            "Quantity": _number(line.quantity), "UnitCode": unit_code(line.unit),
        }
        if line.unit_price is not None and line.currency:
            item["Price"] = {"PriceAmount": {"Value": _number(line.unit_price), "CurrencyID": line.currency}}
        lines.append({"LineItem": item})
    doc["OrderLine"] = lines
    return doc
