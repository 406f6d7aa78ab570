"""What the portal stores: the SQLite schema and the records read from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quotes (
    supplier_id TEXT NOT NULL, quote_id TEXT NOT NULL, item TEXT NOT NULL, quantity TEXT NOT NULL,
    unit_price TEXT NOT NULL, currency TEXT NOT NULL, lead_days REAL NOT NULL, valid_until_ts REAL NOT NULL,
    PRIMARY KEY (supplier_id, quote_id, item));
CREATE TABLE IF NOT EXISTS idempotency (
    supplier_id TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, status_code INTEGER NOT NULL,
    response BLOB NOT NULL, po_id TEXT NOT NULL, PRIMARY KEY (supplier_id, key));
CREATE TABLE IF NOT EXISTS purchase_orders (
    supplier_id TEXT NOT NULL, po_id TEXT NOT NULL, status TEXT NOT NULL, order_json TEXT NOT NULL,
    response_json TEXT NOT NULL, history_json TEXT NOT NULL, endpoint TEXT, created_ts REAL NOT NULL,
    PRIMARY KEY (supplier_id, po_id));
CREATE TABLE IF NOT EXISTS shipments (
    supplier_id TEXT NOT NULL, po_id TEXT NOT NULL, seq INTEGER NOT NULL, ship_ts REAL NOT NULL,
    deliver_ts REAL NOT NULL, lines_json TEXT NOT NULL, state TEXT NOT NULL, rolled INTEGER NOT NULL DEFAULT 0,
    asn_json TEXT, asn_state TEXT NOT NULL DEFAULT 'none', asn_attempts INTEGER NOT NULL DEFAULT 0,
    asn_next_wall REAL, asn_last_error TEXT, PRIMARY KEY (supplier_id, po_id, seq));
CREATE INDEX IF NOT EXISTS shipments_due ON shipments (state, ship_ts);
CREATE TABLE IF NOT EXISTS allocations (
    supplier_id TEXT NOT NULL, po_id TEXT NOT NULL, item TEXT NOT NULL, day TEXT NOT NULL,
    quantity TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS allocations_day ON allocations (supplier_id, item, day);
CREATE TABLE IF NOT EXISTS faults (supplier_id TEXT PRIMARY KEY, faults_json TEXT NOT NULL);
"""


@dataclass
class QuoteRecord:
    """A quoted line, honoured by a PO that references the quote while it is valid."""

    supplier_id: str
    quote_id: str
    item: str
    quantity: Decimal
    unit_price: Decimal
    currency: str
    lead_days: float
    valid_until_ts: float


@dataclass
class PurchaseOrderRecord:
    """A PO as the supplier holds it, with its OrderResponse and status history."""

    supplier_id: str
    po_id: str
    status: str
    order_json: str
    response_json: str
    history: list[dict[str, Any]]
    endpoint: str | None
    created_ts: float


@dataclass
class ShipmentRecord:
    """One consignment of a PO (two when the supplier ships partially)."""

    supplier_id: str
    po_id: str
    seq: int
    ship_ts: float
    deliver_ts: float
    lines: list[dict[str, Any]]
    state: str = "planned"  # planned | shipped | delivered | cancelled
    rolled: bool = False  # lateness and partial shipment already decided
    asn_json: str | None = None
    asn_state: str = "none"  # none | pending | acked | lost | no_endpoint
    asn_attempts: int = 0
    asn_next_wall: float | None = None
    asn_last_error: str | None = None
    key: tuple[str, str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.key = (self.supplier_id, self.po_id, self.seq)
