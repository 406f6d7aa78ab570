"""The promise's date rules: when an order's materials can be at the line, and the date it is promised.

Shared by the live promise (``services.schedule_promise``), the order workflow and the promise
simulation, so all answer a customer with the same arithmetic: materials are covered from free stock in
BOM order, or come after their planned lead time; bought materials add a receiving time; the promise is
the production finish plus the steps after production and a safety margin, rounded up to the hour.

A planned lead time is not the supplier's typical one: quotes scatter around it, and a promise planned
on the mode is broken by every quote above it (about half). It is the quantile of the supplier's lead
time distribution at the policy's ``supply_confidence``, so that a quote lands within the plan that
often; the fastest supplier at that confidence sets the item's plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.model import ItemKind
from orchestrator.catalog.promise import MaterialLead


@dataclass(frozen=True)
class PromisePolicy:
    """What is added after production and how much slack the promise keeps (plant time)."""

    after_production: timedelta = timedelta(hours=51)
    safety: timedelta = timedelta(hours=12)
    receiving: timedelta = timedelta(hours=4)
    supply_confidence: float = 0.98


@dataclass(frozen=True)
class LeadTimeRange:
    """A supplier's lead time for one item in days: the shortest, the most likely and the longest."""

    item: str
    min: float
    mode: float
    max: float


def planned_lead_days(lead: LeadTimeRange, confidence: float) -> float:
    """The lead time a quote stays within with probability ``confidence``: the quantile of the triangular
    distribution (min, mode, max). 0.5 is about the typical quote, 1.0 the longest."""
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"supply confidence must be between 0 and 1, got {confidence}")
    low, mode, high = lead.min, lead.mode, lead.max
    if high <= low:
        return high
    split = (mode - low) / (high - low)
    if confidence <= split:
        return low + math.sqrt(confidence * (high - low) * (mode - low))
    return high - math.sqrt((1.0 - confidence) * (high - low) * (high - mode))


def fastest_planned_leads(leads: Iterable[LeadTimeRange], confidence: float) -> dict[str, float]:
    """Per item, the shortest planned lead time over every supplier offering it."""
    best: dict[str, float] = {}
    for lead in leads:
        days = planned_lead_days(lead, confidence)
        best[lead.item] = min(days, best.get(lead.item, days))
    return best


class Work(Protocol):
    """What ``work_time`` reads of an operation (a routed operation or a planned one)."""

    @property
    def setup_minutes(self) -> float: ...

    @property
    def quantity(self) -> float: ...

    @property
    def run_minutes_per_unit(self) -> float: ...


def work_time(operations: Iterable[Work]) -> timedelta:
    """An order's total work on the lines: every setup and run, as if back to back."""
    return timedelta(minutes=sum(op.setup_minutes + op.quantity * op.run_minutes_per_unit for op in operations))


def materials_needed_by(promised: datetime, after_production: timedelta, work: timedelta, now: datetime) -> datetime:
    """When bought materials must be at the line for production to end in time for ``promised``: the
    production due time less the order's work, and at least a day from ``now``."""
    return max(promised - after_production - work, now + timedelta(days=1))


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
