"""Capable-to-promise on the live plant: real stock, suppliers' lead times and the current schedule.

The quote's routing is placed tentatively into the schedule the plant scheduler keeps (every open work
order stays where it is) with the same scheduling code the scheduler runs, using the fast dispatching
rule; the order's materials gate its start. The promise is the production finish plus quality check,
packing and transit, plus a safety margin, rounded up to the hour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.model import ItemKind
from orchestrator.catalog.promise import CannotPromise, CapacityLoad, MaterialLead, Promise
from orchestrator.catalog.routing import RoutedOperation
from orchestrator.inventory.supplier_list import load_supplier_listings
from orchestrator.orders.promising import (
    LeadTimeRange,
    PromisePolicy,
    fastest_planned_leads,
    material_leads,
    materials_ready,
    promised_delivery,
)
from orchestrator.persistence.inventory_repo import promised_from_stock, stock_levels
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.work_orders_repo import open_work_orders
from orchestrator.plant import Plant
from orchestrator.scheduling import Assignment, schedule
from orchestrator.services.plant_planning import SolverSettings, build_request, op_key

QUOTE = "QUOTE"


def supplier_lead_days(path: Path, confidence: float) -> dict[str, float]:
    """The planned lead time in days per item (``orders.promising.planned_lead_days`` at ``confidence``),
    the shortest over every supplier in the file that states one (the others fall back to the item
    master's lead time)."""
    return fastest_planned_leads(
        (LeadTimeRange(part.item, *part.lead_time_days) for supplier in load_supplier_listings(path)
         for part in supplier.parts if part.lead_time_days is not None), confidence)


class SchedulePromiser:
    """The ``Promiser`` the API uses once the plant scheduler runs: promises from the live schedule."""

    method = "live schedule: tentative dispatch into the plant schedule, real stock and supplier lead times"

    def __init__(self, engine: Engine, plant: Plant, lead_days: dict[str, float], policy: PromisePolicy) -> None:
        self.engine = engine
        self.plant = plant
        self.lead_days = lead_days
        self.policy = policy

    async def promise(
        self, routing: Sequence[RoutedOperation], bom: Sequence[BomRow], quantity: int, now: datetime
    ) -> Promise:
        """The earliest delivery the plant can keep for this order."""
        return await asyncio.to_thread(self.compute, routing, bom, now)

    def compute(self, routing: Sequence[RoutedOperation], bom: Sequence[BomRow], now: datetime) -> Promise:
        material = self._material(bom, now)
        ready = materials_ready(material, now, self.policy)
        with self.engine.connect() as conn:
            booked = open_work_orders(conn)
        mine = place_tentatively(booked, work_order_rows(QUOTE, routing, ready, now), self.plant, now)
        start = min(a.start for a in mine)
        finish = max(a.end for a in mine)
        promised = promised_delivery(finish, self.policy)
        capacity = self._capacity(mine, routing)
        to_buy = sum(1 for m in material if not m.covered_by_stock)
        summary = (f"Material: ready {ready:%Y-%m-%d %H:%M} ({to_buy} item(s) to buy, the rest from stock). "
                   f"Capacity: production {start:%Y-%m-%d %H:%M} to {finish:%Y-%m-%d %H:%M} on "
                   f"{', '.join(c.line for c in capacity)} among {len(booked)} booked work orders. Then quality "
                   f"check, packing and transit ({self.policy.after_production.total_seconds() / 3600:g} h) and a "
                   f"{self.policy.safety.total_seconds() / 3600:g} h margin.")
        return Promise(promised, self.method, summary, ready, start, finish, capacity, material)

    def _material(self, bom: Sequence[BomRow], now: datetime) -> tuple[MaterialLead, ...]:
        leaves = {r.item for r in bom if r.kind in (ItemKind.PURCHASED, ItemKind.STOCKED)}
        held = promised_from_stock(self.engine)  # promised to orders that have not reserved yet
        free = {item: max(0.0, level.free - held.get(item, 0.0))
                for item, level in stock_levels(self.engine, leaves).items()}
        return material_leads(bom, free, self.lead_days, now)

    def _capacity(self, mine: Sequence, routing: Sequence[RoutedOperation]) -> tuple[CapacityLoad, ...]:
        types = {op_key(QUOTE, op.id.replace("/", ":")): op.work_centre_type for op in routing}
        loads: dict[str, list] = {}
        for a in mine:
            loads.setdefault(a.line_id, []).append(a)
        return tuple(
            CapacityLoad(line, tuple(dict.fromkeys(types.get(a.op_id, "") for a in booked)),
                         tuple(a.op_id.split(".", 1)[-1] for a in booked),
                         round(sum((a.end - a.start).total_seconds() / 60 for a in booked), 1),
                         min(a.start for a in booked), max(a.end for a in booked))
            for line, booked in sorted(loads.items())
        )


def work_order_rows(
    order_id: str, routing: Sequence[RoutedOperation], ready: datetime, now: datetime
) -> list[WorkOrderRow]:
    """An order's routing as unsaved planned work orders, released when its materials are ready."""
    rows = []
    for op in routing:
        op_id = op.id.replace("/", ":")
        only = op.lines[0] if len(op.lines) == 1 else None
        rows.append(WorkOrderRow(
            id=f"{order_id}.{op_id}.1", order_id=order_id, op_id=op_id, op_type=op.work_centre_type,
            work_master=op.id, line=only or "", pinned_line=only, state="planned",
            quantity=max(1, round(op.quantity)), setup_minutes=op.setup_minutes,
            run_minutes_per_unit=op.run_minutes_per_unit, predecessors=[p.replace("/", ":") for p in op.predecessors],
            release_at=ready, due=ready + timedelta(days=365), created_at=now, updated_at=now,
        ))
    return rows


def place_tentatively(
    booked: Sequence[WorkOrderRow], new: Sequence[WorkOrderRow], plant: Plant, now: datetime
) -> list[Assignment]:
    """Where the dispatching rule puts ``new`` work orders around the ``booked`` plan, which stays as it is.

    Raises ``CannotPromise`` when none of them could be placed.
    """
    request = build_request([*booked, *new], plant, {}, now, SolverSettings(time_limit_seconds=1), keep_planned=True)
    plan = schedule(replace(request, cpsat_max_operations=0))
    jobs = {r.order_id for r in new}
    mine = [a for a in plan.assignments if a.job_id in jobs]
    if not mine:
        raise CannotPromise("the plant schedule could not place this order's operations")
    return mine
