"""A simple capable-to-promise model, used until the plant scheduler provides the live schedule.

Method (documented in docs/catalog.md):

1. Material: purchased items arrive after their lead time; stocked items are assumed on hand. A
   subassembly's or the product's work starts only when all its own materials are in (kitting).
2. Capacity: every line works ``hours_per_day`` of each day, and only ``1 - utilisation`` of that is
   free for a new order, so ``h`` hours of work take ``h * 24 / (hours_per_day * (1 - utilisation))``
   elapsed hours. Work is processing time (setup + quantity * run) divided by the line's speed factor.
3. Operations are placed in precedence order, each on the line of its work-centre type that finishes
   it first, after its predecessors, its materials, the order release and earlier work of this order.
4. Promise = production finish + shipping days + safety days, rounded up to the hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.model import ItemKind
from orchestrator.catalog.promise import CannotPromise, CapacityLoad, MaterialLead, Promise
from orchestrator.catalog.routing import RoutedOperation

# The default plant: work-centre type -> {line: speed factor}.
DEFAULT_PLANT_LINES: dict[str, dict[str, float]] = {
    "cutting": {"FAB1": 1.0, "SEW1": 1.0},
    "sheet_metal": {"FAB1": 1.0},
    "welding": {"FAB1": 1.0},
    "painting": {"PNT1": 1.0},
    "sewing": {"SEW1": 1.0},
    "pressing": {"SEW1": 1.0},
    "assembly": {"ASM1": 1.0, "ASM2": 0.8},
    "wiring": {"ASM1": 1.0, "ASM2": 0.8},
    "testing": {"ASM1": 1.0, "ASM2": 0.8, "PCK1": 1.2},
    "packing": {"PCK1": 1.2},
}


@dataclass(frozen=True)
class CapacityAssumptions:
    """The simple model's knobs; defaults suit the default three-shift plant, already fairly busy."""

    hours_per_day: float = 24.0  # the default plant runs three shifts
    utilisation: float = 0.6  # share of line time already taken by other orders
    release_days: float = 1.0  # order review and kitting before production may start
    shipping_days: float = 2.0
    safety_days: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.hours_per_day <= 24:
            raise ValueError(f"hours_per_day must be in (0, 24], got {self.hours_per_day}")
        if not 0 <= self.utilisation < 1:
            raise ValueError(f"utilisation must be in [0, 1), got {self.utilisation}")

    @property
    def stretch(self) -> float:
        """Elapsed hours per hour of work on a line."""
        return 24.0 / (self.hours_per_day * (1.0 - self.utilisation))


class SimpleCapacityPromiser:
    """Promises dates from a fixed map of lines per work-centre type and flat capacity assumptions."""

    method = "simple capacity model: line calendars with flat utilisation, material lead times from the item master"

    def __init__(
        self,
        lines: Mapping[str, Sequence[str] | Mapping[str, float]],
        assumptions: CapacityAssumptions | None = None,
    ) -> None:
        """``lines`` maps a work-centre type to its lines, as a list of ids or ``{line: speed_factor}``."""
        self.lines: dict[str, dict[str, float]] = {
            kind: dict(spec) if isinstance(spec, Mapping) else dict.fromkeys(spec, 1.0) for kind, spec in lines.items()
        }
        for kind, speeds in self.lines.items():
            for line, speed in speeds.items():
                if speed <= 0:
                    raise ValueError(f"line {line} ({kind}): speed factor must be positive, got {speed}")
        self.assumptions = assumptions or CapacityAssumptions()

    async def promise(
        self, routing: Sequence[RoutedOperation], bom: Sequence[BomRow], quantity: int, now: datetime
    ) -> Promise:
        """See ``compute``; async to satisfy the ``Promiser`` port."""
        return self.compute(routing, bom, quantity, now)

    def compute(
        self, routing: Sequence[RoutedOperation], bom: Sequence[BomRow], quantity: int, now: datetime
    ) -> Promise:
        """The promise for an exploded order at plant time ``now``."""
        a = self.assumptions
        material = _material(bom, now)
        gate: dict[str, datetime] = {}
        for lead in material:
            gate[lead.needed_for] = max(gate.get(lead.needed_for, now), lead.available_at)
        release = now + timedelta(days=a.release_days)
        material_ready = max([release, *gate.values()])
        free_at: dict[str, datetime] = {}
        finish: dict[str, datetime] = {}
        starts: list[datetime] = []
        loads: dict[str, list[tuple[RoutedOperation, float, datetime, datetime]]] = {}
        for op in routing:
            candidates = self.lines.get(op.work_centre_type, {})
            if op.lines:
                candidates = {line: speed for line, speed in candidates.items() if line in op.lines}
            if not candidates:
                allowed = f" among {', '.join(op.lines)}" if op.lines else ""
                raise CannotPromise(f"no line{allowed} in the plant does {op.work_centre_type!r} (needed by {op.id!r})")
            earliest = max([release, gate.get(op.item, release), *(finish[p] for p in op.predecessors if p in finish)])
            best: tuple[datetime, datetime, str, float] | None = None
            for line, speed in candidates.items():
                work = op.total_minutes / speed
                start = max(earliest, free_at.get(line, now))
                end = start + timedelta(hours=work / 60.0 * a.stretch)
                if best is None or end < best[1]:
                    best = (start, end, line, work)
            assert best is not None
            start, end, line, work = best
            free_at[line] = end
            finish[op.id] = end
            starts.append(start)
            loads.setdefault(line, []).append((op, work, start, end))
        production_start = min(starts, default=material_ready)
        production_finish = max(finish.values(), default=material_ready)
        raw = production_finish + timedelta(days=a.shipping_days + a.safety_days)
        promised = _ceil_hour(raw)
        capacity = tuple(
            CapacityLoad(
                line,
                tuple(dict.fromkeys(op.work_centre_type for op, *_ in booked)),
                tuple(op.id for op, *_ in booked),
                round(sum(w for _, w, _, _ in booked), 1),
                min(s for *_, s, _ in booked),
                max(e for *_, e in booked),
            )
            for line, booked in sorted(loads.items())
        )
        summary = _summary(material, capacity, production_start, production_finish, a)
        return Promise(
            promised, self.method, summary, material_ready, production_start, production_finish, capacity, material
        )


def _material(bom: Sequence[BomRow], now: datetime) -> tuple[MaterialLead, ...]:
    leads = []
    for row in bom:
        if row.kind not in (ItemKind.PURCHASED, ItemKind.STOCKED):
            continue
        covered = row.kind is ItemKind.STOCKED
        days = 0.0 if covered else float(row.lead_time_days or 0.0)
        leads.append(
            MaterialLead(
                row.item,
                row.name,
                row.kind.value,
                row.quantity,
                row.unit,
                row.parent,
                covered,
                days,
                now + timedelta(days=days),
            )
        )
    return tuple(sorted(leads, key=lambda m: (-m.lead_time_days, m.item)))


def _ceil_hour(moment: datetime) -> datetime:
    floored = moment.replace(minute=0, second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(hours=1)


def _summary(
    material: tuple[MaterialLead, ...],
    capacity: tuple[CapacityLoad, ...],
    start: datetime,
    finish: datetime,
    a: CapacityAssumptions,
) -> str:
    bought = [m for m in material if not m.covered_by_stock]
    if bought:
        longest = bought[0]
        text = (
            f"Material: {len(bought)} purchased item(s); the longest lead time is {longest.item} "
            f"({longest.lead_time_days:g} days, in by {longest.available_at:%Y-%m-%d}). "
        )
    else:
        text = "Material: everything is covered by stock. "
    hours = sum(c.work_minutes for c in capacity) / 60.0
    lines = ", ".join(c.line for c in capacity)
    text += (
        f"Capacity: {hours:.1f} h of work on {lines or 'no line'} at {a.utilisation:.0%} assumed utilisation "
        f"and {a.hours_per_day:g} h/day, from {start:%Y-%m-%d %H:%M} to {finish:%Y-%m-%d %H:%M}. "
    )
    text += f"Then {a.shipping_days:g} day(s) shipping and {a.safety_days:g} day(s) safety margin."
    return text
