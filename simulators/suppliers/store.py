"""The portal's durable state in one SQLite file: quotes, POs, idempotency keys, shipments,
booked capacity and fault settings. A restarted simulator resumes from here.

All calls run on the event loop thread and never await inside a transaction, so each request's
read-check-write is atomic without further locking.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from simulators.suppliers.records import SCHEMA, PurchaseOrderRecord, QuoteRecord, ShipmentRecord


class Store:
    """SQLite-backed state of the supplier portal."""

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)
        self._depth = 0

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    def _one(self, sql: str, *args: object) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(sql, args).fetchone()
        return row

    # -- counters -------------------------------------------------------------------------------

    def next_number(self, name: str) -> int:
        """The next value of a named counter (document numbers)."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            row = self._one("SELECT value FROM counters WHERE name = ?", name)
        assert row is not None
        return int(row["value"])

    # -- quotes ---------------------------------------------------------------------------------

    def save_quote(self, q: QuoteRecord) -> None:
        """Remember a quoted line."""
        self._conn.execute(
            "INSERT OR REPLACE INTO quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (q.supplier_id, q.quote_id, q.item, str(q.quantity), str(q.unit_price), q.currency,
             q.lead_days, q.valid_until_ts),
        )

    def quote(self, supplier_id: str, quote_id: str, item: str) -> QuoteRecord | None:
        """A quoted line, or None."""
        row = self._one(
            "SELECT * FROM quotes WHERE supplier_id = ? AND quote_id = ? AND item = ?", supplier_id, quote_id, item
        )
        if row is None:
            return None
        return QuoteRecord(
            supplier_id=row["supplier_id"], quote_id=row["quote_id"], item=row["item"],
            quantity=Decimal(row["quantity"]), unit_price=Decimal(row["unit_price"]), currency=row["currency"],
            lead_days=row["lead_days"], valid_until_ts=row["valid_until_ts"],
        )

    # -- idempotency ----------------------------------------------------------------------------

    def idempotent_response(self, supplier_id: str, key: str) -> tuple[str, int, bytes, str] | None:
        """(body hash, status code, response bytes, PO id) stored for a key, or None."""
        row = self._one("SELECT * FROM idempotency WHERE supplier_id = ? AND key = ?", supplier_id, key)
        if row is None:
            return None
        return row["body_hash"], int(row["status_code"]), bytes(row["response"]), row["po_id"]

    def remember_response(
        self, supplier_id: str, key: str, body_hash: str, status_code: int, response: bytes, po_id: str
    ) -> None:
        """Store the first answer given for an idempotency key."""
        self._conn.execute(
            "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?, ?)",
            (supplier_id, key, body_hash, status_code, response, po_id),
        )

    # -- purchase orders ------------------------------------------------------------------------

    def insert_order(self, po: PurchaseOrderRecord) -> None:
        """Store a new PO."""
        self._conn.execute(
            "INSERT INTO purchase_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (po.supplier_id, po.po_id, po.status, po.order_json, po.response_json, json.dumps(po.history),
             po.endpoint, po.created_ts),
        )

    def order(self, supplier_id: str, po_id: str) -> PurchaseOrderRecord | None:
        """A PO, or None."""
        row = self._one("SELECT * FROM purchase_orders WHERE supplier_id = ? AND po_id = ?", supplier_id, po_id)
        if row is None:
            return None
        return PurchaseOrderRecord(
            supplier_id=row["supplier_id"], po_id=row["po_id"], status=row["status"],
            order_json=row["order_json"], response_json=row["response_json"],
            history=json.loads(row["history_json"]), endpoint=row["endpoint"], created_ts=row["created_ts"],
        )

    def orders_of(self, supplier_id: str) -> list[tuple[str, str, float]]:
        """(PO id, status, created plant time) of every PO of a supplier, oldest first."""
        rows = self._conn.execute(
            "SELECT po_id, status, created_ts FROM purchase_orders WHERE supplier_id = ? ORDER BY created_ts, po_id",
            (supplier_id,),
        ).fetchall()
        return [(r["po_id"], r["status"], r["created_ts"]) for r in rows]

    def set_order_status(
        self, supplier_id: str, po_id: str, status: str, at: str, note: str | None = None
    ) -> None:
        """Move a PO to a new status and append it to the history (``at``: ISO plant time)."""
        po = self.order(supplier_id, po_id)
        if po is None or po.status == status:
            return
        event = {"Status": status, "Timestamp": at} | ({"Note": note} if note else {})
        history = [*po.history, event]
        self._conn.execute(
            "UPDATE purchase_orders SET status = ?, history_json = ? WHERE supplier_id = ? AND po_id = ?",
            (status, json.dumps(history), supplier_id, po_id),
        )

    # -- shipments ------------------------------------------------------------------------------

    def save_shipment(self, s: ShipmentRecord) -> None:
        """Insert or update a shipment."""
        self._conn.execute(
            "INSERT OR REPLACE INTO shipments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (s.supplier_id, s.po_id, s.seq, s.ship_ts, s.deliver_ts, json.dumps(s.lines), s.state, int(s.rolled),
             s.asn_json, s.asn_state, s.asn_attempts, s.asn_next_wall, s.asn_last_error),
        )

    def set_shipment_state(self, key: tuple[str, str, int], state: str) -> None:
        """Move a shipment to planned, shipped, delivered or cancelled."""
        self._conn.execute(
            "UPDATE shipments SET state = ? WHERE supplier_id = ? AND po_id = ? AND seq = ?", (state, *key)
        )

    def update_asn(
        self, key: tuple[str, str, int], state: str, attempts: int, next_wall: float | None, error: str | None
    ) -> None:
        """Record the outcome of an attempt to post a shipment's ASN."""
        self._conn.execute(
            "UPDATE shipments SET asn_state = ?, asn_attempts = ?, asn_next_wall = ?, asn_last_error = ? "
            "WHERE supplier_id = ? AND po_id = ? AND seq = ?",
            (state, attempts, next_wall, error, *key),
        )

    def _shipments(self, where: str, *args: object) -> list[ShipmentRecord]:
        rows = self._conn.execute(f"SELECT * FROM shipments WHERE {where} ORDER BY seq", args).fetchall()
        return [
            ShipmentRecord(
                supplier_id=r["supplier_id"], po_id=r["po_id"], seq=r["seq"], ship_ts=r["ship_ts"],
                deliver_ts=r["deliver_ts"], lines=json.loads(r["lines_json"]), state=r["state"],
                rolled=bool(r["rolled"]), asn_json=r["asn_json"], asn_state=r["asn_state"],
                asn_attempts=r["asn_attempts"], asn_next_wall=r["asn_next_wall"], asn_last_error=r["asn_last_error"],
            )
            for r in rows
        ]

    def shipments_of(self, supplier_id: str, po_id: str) -> list[ShipmentRecord]:
        """All shipments of a PO, in order."""
        return self._shipments("supplier_id = ? AND po_id = ?", supplier_id, po_id)

    def shipments_due(self, plant_ts: float) -> list[ShipmentRecord]:
        """Planned shipments whose despatch time has come."""
        return self._shipments("state = 'planned' AND ship_ts <= ?", plant_ts)

    def deliveries_due(self, plant_ts: float) -> list[ShipmentRecord]:
        """Shipped consignments whose delivery time has come."""
        return self._shipments("state = 'shipped' AND deliver_ts <= ?", plant_ts)

    def asns_due(self, wall_ts: float) -> list[ShipmentRecord]:
        """ASNs waiting to be posted whose next attempt is due (wall time)."""
        return self._shipments("asn_state = 'pending' AND asn_next_wall <= ?", wall_ts)

    def next_plant_event(self) -> float | None:
        """The earliest pending despatch or delivery (plant time), or None."""
        row = self._one(
            "SELECT MIN(t) AS t FROM (SELECT MIN(ship_ts) AS t FROM shipments WHERE state = 'planned' "
            "UNION ALL SELECT MIN(deliver_ts) FROM shipments WHERE state = 'shipped')"
        )
        return None if row is None or row["t"] is None else float(row["t"])

    def next_asn_attempt(self, exclude: set[tuple[str, str, int]]) -> float | None:
        """The earliest wall time an ASN post is due, ignoring posts already under way."""
        times = [s.asn_next_wall for s in self._shipments("asn_state = 'pending'") if s.key not in exclude]
        return min((t for t in times if t is not None), default=None)

    # -- capacity -------------------------------------------------------------------------------

    def booked(self, supplier_id: str, item: str, day: date) -> Decimal:
        """Quantity of ``item`` already promised to leave on ``day``."""
        rows = self._conn.execute(
            "SELECT quantity FROM allocations WHERE supplier_id = ? AND item = ? AND day = ?",
            (supplier_id, item, day.isoformat()),
        ).fetchall()
        return sum((Decimal(r["quantity"]) for r in rows), Decimal(0))

    def book(self, supplier_id: str, po_id: str, item: str, allocations: list[tuple[date, Decimal]]) -> None:
        """Book despatch capacity for a PO line."""
        self._conn.executemany(
            "INSERT INTO allocations VALUES (?, ?, ?, ?, ?)",
            [(supplier_id, po_id, item, d.isoformat(), str(q)) for d, q in allocations],
        )

    def release(self, supplier_id: str, po_id: str) -> None:
        """Free the capacity a PO had booked."""
        self._conn.execute("DELETE FROM allocations WHERE supplier_id = ? AND po_id = ?", (supplier_id, po_id))

    # -- faults ---------------------------------------------------------------------------------

    def faults(self, supplier_id: str) -> dict[str, Any] | None:
        """Fault settings changed at run time, or None when the configured defaults apply."""
        row = self._one("SELECT faults_json FROM faults WHERE supplier_id = ?", supplier_id)
        return None if row is None else dict(json.loads(row["faults_json"]))

    def set_faults(self, supplier_id: str, faults: dict[str, Any]) -> None:
        """Persist run-time fault settings."""
        self._conn.execute(
            "INSERT OR REPLACE INTO faults VALUES (?, ?)", (supplier_id, json.dumps(faults, sort_keys=True))
        )

    def clear_faults(self, supplier_id: str) -> None:
        """Forget run-time fault settings (back to the configured defaults)."""
        self._conn.execute("DELETE FROM faults WHERE supplier_id = ?", (supplier_id,))
