"""Stock reservations for the order activities, over the inventory repository."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from orchestrator.inventory.netting import GrossRequirement
from orchestrator.persistence.inventory_repo import release_order, reserve_for_order
from workflows.contracts import ClockSpec
from workflows.order.types import MaterialLine, ReserveResult, Shortage


class InventoryStores:
    """Reserves free stock per order and item (never over-reserving) and releases it on cancel."""

    def __init__(self, engine: Engine, clock: ClockSpec, need_within: timedelta = timedelta(days=3)) -> None:
        self.engine = engine
        self.clock = clock
        self.need_within = need_within

    def reserve(self, order_id: str, materials: list[MaterialLine], revision: int) -> ReserveResult:
        """Reserve what stock covers; the rest comes back as shortages to buy (MRP netting)."""
        now = self.clock.plant_at_now()
        gross = [GrossRequirement(m.item, m.quantity, m.unit, now + self.need_within) for m in materials]
        nets = reserve_for_order(self.engine, order_id, gross, now)
        reserved = [MaterialLine(item=n.item, quantity=n.from_stock, unit=n.unit) for n in nets if n.from_stock > 0]
        shortages = [Shortage(item=n.item, quantity=n.to_buy, unit=n.unit) for n in nets if n.to_buy > 0]
        return ReserveResult(reserved=reserved, shortages=shortages)

    def release(self, order_id: str) -> str:
        """Give back everything the order holds."""
        released = release_order(self.engine, order_id, self.clock.plant_at_now())
        if not released:
            return "nothing was reserved"
        return "released " + ", ".join(f"{qty:g} {item}" for item, qty in sorted(released.items()))
