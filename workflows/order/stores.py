"""Stock reservations for the order activities, over the inventory repository."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine

from orchestrator.inventory.netting import GrossRequirement
from orchestrator.persistence.inventory_repo import issue_order, issued_of, release_order, reserve_for_order
from workflows.contracts import ClockSpec
from workflows.order.types import MaterialLine, ReserveResult, Shortage


class InventoryStores:
    """Reserves free stock per order revision and item (never over-reserving), releases it on cancel or
    change and issues it to production."""

    def __init__(self, engine: Engine, clock: ClockSpec, need_within: timedelta = timedelta(days=3)) -> None:
        self.engine = engine
        self.clock = clock
        self.need_within = need_within

    def reserve(self, order_id: str, materials: list[MaterialLine], revision: int) -> ReserveResult:
        """Reserve what stock covers; the rest comes back as shortages to buy (MRP netting).

        The revision is part of the reservation's key: a retry of one revision takes nothing twice, and
        after a change (which released the previous revision's rows) the next revision reserves again.
        """
        now = self.clock.plant_at_now()
        gross = [GrossRequirement(m.item, m.quantity, m.unit, now + self.need_within) for m in materials]
        nets = reserve_for_order(self.engine, order_id, gross, now, revision)
        reserved = [MaterialLine(item=n.item, quantity=n.from_stock, unit=n.unit) for n in nets if n.from_stock > 0]
        shortages = [Shortage(item=n.item, quantity=n.to_buy, unit=n.unit) for n in nets if n.to_buy > 0]
        return ReserveResult(reserved=reserved, shortages=shortages)

    def release(self, order_id: str) -> str:
        """Give back everything the order holds; stock already issued to production stays issued."""
        released = release_order(self.engine, order_id, self.clock.plant_at_now())
        issued = issued_of(self.engine, order_id)
        if not released and issued:
            return "nothing to give back: the materials were issued to production"
        if not released:
            return "nothing was reserved"
        text = "released " + ", ".join(f"{qty:g} {item}" for item, qty in sorted(released.items()))
        return text + ("; the rest was issued to production" if issued else "")

    def issue(self, conn: Connection, order_id: str, at: datetime) -> list[MaterialLine]:
        """Issue what the order holds to its production, in the caller's transaction (once per order)."""
        return [MaterialLine(item=i.item, quantity=i.quantity, unit=i.unit) for i in issue_order(conn, order_id, at)]
