"""The promise's date rules: when an order's materials can be at the line, and the date it is promised.

Shared by the live promise (``services.schedule_promise``) and the promise simulation, so both answer
a customer with the same arithmetic: materials are covered from free stock in BOM order, or come after
their lead time; bought materials add a receiving time; the promise is the production finish plus the
steps after production and a safety margin, rounded up to the hour.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.model import ItemKind
from orchestrator.catalog.promise import MaterialLead


@dataclass(frozen=True)
class PromisePolicy:
    """What is added after production and how much slack the promise keeps (plant time)."""

    after_production: timedelta = timedelta(hours=51)
    safety: timedelta = timedelta(hours=12)
    receiving: timedelta = timedelta(hours=4)


def material_leads(
    bom: Sequence[BomRow], free: MutableMapping[str, float], lead_days: Mapping[str, float], now: datetime
) -> tuple[MaterialLead, ...]:
    """Each leaf material of ``bom``: covered by ``free`` stock (drawn down in place) or bought.

    A row is covered only when free stock holds all of it; otherwise it arrives after the item's lead
    time from ``lead_days`` (the item master's lead time when the item is missing there). Longest
    lead first, so the material that decides the date heads the list.
    """
    leads = []
    for row in bom:
        if row.kind not in (ItemKind.PURCHASED, ItemKind.STOCKED):
            continue
        covered = free.get(row.item, 0.0) >= row.quantity
        if covered:
            free[row.item] -= row.quantity
        days = 0.0 if covered else lead_days.get(row.item, float(row.lead_time_days or 0.0))
        leads.append(MaterialLead(row.item, row.name, row.kind.value, row.quantity, row.unit, row.parent,
                                  covered, days, now + timedelta(days=days)))
    return tuple(sorted(leads, key=lambda m: (-m.lead_time_days, m.item)))


def materials_ready(material: Sequence[MaterialLead], now: datetime, policy: PromisePolicy) -> datetime:
    """When every material is at the line: the last arrival, plus receiving when anything is bought."""
    ready = max([now, *(m.available_at for m in material)])
    if any(not m.covered_by_stock for m in material):
        ready += policy.receiving
    return ready


def promised_delivery(production_finish: datetime, policy: PromisePolicy) -> datetime:
    """The date promised for production ending at ``production_finish``: after-production steps and the
    safety margin added, rounded up to the whole hour."""
    return ceil_hour(production_finish + policy.after_production + policy.safety)


def ceil_hour(moment: datetime) -> datetime:
    """``moment`` rounded up to the whole hour."""
    floored = moment.replace(minute=0, second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(hours=1)
