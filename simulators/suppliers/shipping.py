"""Despatch and delivery on the plant clock, and the DespatchAdvice (ASN) each despatch produces.

``advance(now)`` is synchronous and idempotent: it makes every despatch and delivery due by ``now``.
The scheduler calls it when the next one falls due; status and cancel requests call it first so
they always answer for the plant time of the request. The fault dice for a shipment (late, partial)
are rolled once, when it first falls due, so faults switched on at run time reach open POs too.
"""

from __future__ import annotations

import logging
import random
import time
from decimal import Decimal

from simulators.suppliers.documents import (
    DespatchAdvice,
    DespatchLineType,
    DespatchType,
    ItemIdentificationType,
    ItemType,
    OrderLineReferenceType,
    OrderReferenceType,
    OrderResponse,
    Period,
    ShipmentDeliveryType,
    ShipmentType,
)
from simulators.suppliers.planning import DAY, derived_rng, reliability_slip_days, split_partial
from simulators.suppliers.portal import PortalError, SupplierPortal, plant_dt, plant_iso
from simulators.suppliers.records import PurchaseOrderRecord, ShipmentRecord

log = logging.getLogger("simulators.suppliers")


def advance(portal: SupplierPortal, now_ts: float) -> None:
    """Make every despatch and delivery that is due by plant time ``now_ts``."""
    store = portal.store
    changed = False
    with store.transaction():
        for shipment in store.shipments_due(now_ts):
            _despatch_due(portal, shipment, now_ts)
            changed = True
        for shipment in store.deliveries_due(now_ts):
            sid, po_id = shipment.supplier_id, shipment.po_id
            store.set_shipment_state(shipment.key, "delivered")
            rest = [s for s in store.shipments_of(sid, po_id) if s.seq != shipment.seq]
            if all(s.state in ("delivered", "cancelled") for s in rest):
                store.set_order_status(sid, po_id, "delivered", plant_iso(shipment.deliver_ts))
            changed = True
    if changed:
        portal.changed()


def _despatch_due(portal: SupplierPortal, shipment: ShipmentRecord, now_ts: float) -> None:
    store = portal.store
    po = store.order(shipment.supplier_id, shipment.po_id)
    if po is None or po.status in ("cancelled", "rejected"):
        store.set_shipment_state(shipment.key, "cancelled")
        return
    if portal.book.get(shipment.supplier_id) is None:
        # The supplier left the YAML between runs: nobody is left to ship, and a shipment that stays
        # due would keep the scheduler awake.
        log.warning("supplier %r is no longer configured; dropping the open shipment of PO %r",
                    shipment.supplier_id, shipment.po_id)
        store.set_shipment_state(shipment.key, "cancelled")
        return
    if not shipment.rolled and _roll_faults(portal, po, shipment):
        return  # it slipped: due again later
    _despatch(portal, po, shipment, now_ts)


def _roll_faults(portal: SupplierPortal, po: PurchaseOrderRecord, shipment: ShipmentRecord) -> bool:
    """Decide lateness and partial shipment once; True when the shipment slipped to a later time."""
    sid, seed = shipment.supplier_id, portal.seed
    supplier = portal.supplier(sid)
    faults = portal.faults(sid)
    lead_days = max((shipment.deliver_ts - po.created_ts) / DAY, 0.0)
    slip = 0.0
    if faults.late_asn_rate and derived_rng(seed, sid, po.po_id, shipment.seq, "late").random() < faults.late_asn_rate:
        slip += faults.late_by_days
    slip += reliability_slip_days(
        supplier.reliability, lead_days, derived_rng(seed, sid, po.po_id, shipment.seq, "reliability")
    )
    shipment.rolled = True
    shipment.ship_ts += slip * DAY
    shipment.deliver_ts += slip * DAY
    partial_rng = derived_rng(seed, sid, po.po_id, shipment.seq, "partial")
    if faults.partial_shipment_rate and partial_rng.random() < faults.partial_shipment_rate:
        _split(portal, shipment, lead_days, partial_rng)
    portal.store.save_shipment(shipment)
    return slip > 0


def _split(portal: SupplierPortal, shipment: ShipmentRecord, lead_days: float, rng: random.Random) -> None:
    """Ship part now and the rest later, as a second consignment with its own ASN."""
    first, rest = [], []
    for line in shipment.lines:
        parts = split_partial(Decimal(line["quantity"]), rng)
        if parts is None:
            first.append(line)
            continue
        first.append({**line, "quantity": str(parts[0])})
        rest.append({**line, "quantity": str(parts[1])})
    if not rest:
        return
    gap = max(lead_days, 0.05) * rng.uniform(0.3, 0.6) * DAY
    transit = shipment.deliver_ts - shipment.ship_ts
    later = ShipmentRecord(
        supplier_id=shipment.supplier_id, po_id=shipment.po_id, seq=shipment.seq + 1,
        ship_ts=shipment.ship_ts + gap, deliver_ts=shipment.ship_ts + gap + transit, lines=rest, rolled=True,
    )
    shipment.lines = first
    portal.store.save_shipment(later)


def _despatch(portal: SupplierPortal, po: PurchaseOrderRecord, shipment: ShipmentRecord, now_ts: float) -> None:
    store = portal.store
    sid = shipment.supplier_id
    faults = portal.faults(sid)
    number = store.next_number(f"despatch:{sid}")
    advice = despatch_advice(portal, po, shipment, f"DA-{sid.upper()}-{number:06d}", now_ts)
    shipment.asn_json = advice.model_dump_json(exclude_none=True)
    shipment.state = "shipped"
    lost = faults.lost_asn_rate and derived_rng(portal.seed, sid, po.po_id, shipment.seq, "lost").random() < (
        faults.lost_asn_rate
    )
    if lost:
        shipment.asn_state = "lost"
    elif po.endpoint:
        shipment.asn_state, shipment.asn_next_wall = "pending", time.time()
    else:
        shipment.asn_state = "no_endpoint"
    store.save_shipment(shipment)
    store.set_order_status(sid, po.po_id, "shipped", plant_iso(now_ts))


def despatch_advice(
    portal: SupplierPortal, po: PurchaseOrderRecord, shipment: ShipmentRecord, advice_id: str, now_ts: float
) -> DespatchAdvice:
    """The ASN for one consignment; OutstandingQuantity is what later consignments still bring."""
    response = OrderResponse.model_validate_json(po.response_json)
    later = [s for s in portal.store.shipments_of(po.supplier_id, po.po_id) if s.seq > shipment.seq]
    lines = []
    for n, line in enumerate(shipment.lines, 1):
        outstanding = sum(
            (Decimal(ln["quantity"]) for s in later for ln in s.lines if ln["line_id"] == line["line_id"]), Decimal(0)
        )
        lines.append(DespatchLineType(
            ID=str(n),
            OrderLineReference=OrderLineReferenceType(LineID=line["line_id"]),
            Item=ItemType(SellersItemIdentification=ItemIdentificationType(ID=line["item"]), Name=line.get("name")),
            DeliveredQuantity=Decimal(line["quantity"]),
            OutstandingQuantity=outstanding,
            UnitCode=line["unit"],
            OutstandingReason="partial shipment, the rest follows" if outstanding else None,
        ))
    despatched, arrives = plant_dt(now_ts), plant_dt(shipment.deliver_ts)
    issued = despatched.timetz().replace(microsecond=0)
    return DespatchAdvice(
        ID=advice_id,
        IssueDate=despatched.date(),
        IssueTime=issued,
        OrderReference=OrderReferenceType(ID=po.po_id, SalesOrderID=response.SalesOrderID),
        DespatchSupplierParty=response.SellerSupplierParty,
        DeliveryCustomerParty=response.BuyerCustomerParty,
        Shipment=ShipmentType(
            ID=f"SHP-{po.po_id}-{shipment.seq}",
            Delivery=ShipmentDeliveryType(
                EstimatedDeliveryPeriod=Period.between(arrives, arrives),
                Despatch=DespatchType(ActualDespatchDate=despatched.date(), ActualDespatchTime=issued),
            ),
        ),
        DespatchLine=lines,
    )


def despatch_now(portal: SupplierPortal, supplier_id: str, po_id: str) -> None:
    """Ship the PO's planned consignments now, as planned (no slip, no split): an operator's "ship it today".

    For demos and conformance runs, which cannot wait weeks of plant time for a shipment; its ASNs follow
    as for any despatch. A cancelled or rejected PO is a 409; one already shipped or delivered has nothing
    left to ship, so asking again changes nothing.
    """
    portal.supplier(supplier_id)
    po = portal.store.order(supplier_id, po_id)
    if po is None:
        raise PortalError(404, f"no purchase order {po_id!r} at supplier {supplier_id!r}")
    if po.status in ("cancelled", "rejected"):
        raise PortalError(409, f"purchase order {po_id!r} is {po.status}; there is nothing to despatch")
    now = portal.now_ts()
    with portal.store.transaction():
        for shipment in portal.store.shipments_of(supplier_id, po_id):
            if shipment.state == "planned":
                transit = shipment.deliver_ts - shipment.ship_ts
                shipment.ship_ts, shipment.deliver_ts, shipment.rolled = now, now + transit, True
                portal.store.save_shipment(shipment)
    advance(portal, now)
    portal.changed()
