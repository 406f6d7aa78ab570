"""What-if changes a planner makes to a scenario: take away or add a line or a shift, slow down or drop
a supplier, accept a rush order (docs/what-if.md).

:func:`apply_changes` turns a :class:`WhatIfScenario` and a list of changes into a new one, leaving the
original as it was: the baseline is the scenario without changes, the variant the scenario with them.
Changes to lines and suppliers go into the scenario's ``line_changes`` and ``supplier_changes``; changes to
the plant's shape (a new line, a line's shifts or calendar) are written as a derived plant file in the
caller's work folder; rush orders join the orders known beforehand. Every refusal is a
:class:`WhatIfError` naming the change (``changes[2].line``), what is wrong and what to write instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.inventory.supplier_list import SupplierListing, load_supplier_listings
from orchestrator.simulation.scenario import LineChange, Scenario, SupplierChange
from orchestrator.simulation.whatif_changes import (
    CHANGE_KINDS,
    AddLine,
    AddShift,
    Change,
    LineCalendar,
    LineSpeed,
    RemoveLine,
    RemoveShift,
    RushOrder,
    SupplierAvailability,
    SupplierLeadTime,
    WhatIfError,
)
from orchestrator.simulation.whatif_plant import PlantEdit, write_plant_variant

__all__ = [
    "CHANGE_KINDS",
    "AddLine",
    "AddShift",
    "Change",
    "KnownOrder",
    "LineCalendar",
    "LineSpeed",
    "RemoveLine",
    "RemoveShift",
    "RushOrder",
    "SupplierAvailability",
    "SupplierLeadTime",
    "WhatIfError",
    "WhatIfScenario",
    "apply_changes",
]


class KnownOrder(BaseModel):
    """An order known before the run starts (an open order of the plant, a rush order), not drawn."""

    model_config = ConfigDict(frozen=True)

    id: str
    sku: str
    options: dict[str, Any] = Field(default_factory=dict)
    quantity: int = Field(ge=1)
    arrival: datetime
    origin: Literal["open", "rush"] = "open"
    # The date already promised to the customer (an open order's), kept by the simulation instead of a new
    # one; None for rush orders and orders of scenario files, which the simulated policy promises.
    promised: datetime | None = None
    where: str = ""  # where the order came from, for error messages (``changes[3]``, ``open order ORD-…``)


class WhatIfScenario(BaseModel):
    """A scenario and the orders known beforehand; the drawn orders follow the scenario's arrivals."""

    model_config = ConfigDict(frozen=True)

    scenario: Scenario
    known_orders: tuple[KnownOrder, ...] = ()
    notes: tuple[str, ...] = ()  # what was simplified in building it, for the report


def apply_changes(base: WhatIfScenario | Scenario, changes: list[Change], workdir: Path) -> WhatIfScenario:
    """The scenario with ``changes`` applied in order (``base`` is left as it was).

    ``workdir`` receives the derived plant file when a change reshapes the plant.
    """
    case = base if isinstance(base, WhatIfScenario) else WhatIfScenario(scenario=base)
    scenario = case.scenario
    suppliers = {s.id: s for s in _supplier_listings(scenario.suppliers)}
    line_changes = dict(scenario.line_changes)
    supplier_changes = dict(scenario.supplier_changes)
    edit = PlantEdit(scenario.plant)
    known = list(case.known_orders)
    for n, change in enumerate(changes):
        where = f"changes[{n}]"
        if isinstance(change, RushOrder):
            arrival = scenario.start + timedelta(days=change.at_day)
            rushes = sum(1 for k in known if k.origin == "rush")
            known.append(KnownOrder(id=f"RUSH-{rushes + 1}", sku=change.sku, options=change.options,
                                    quantity=change.quantity, arrival=arrival, origin="rush", where=where))
        elif isinstance(change, SupplierLeadTime | SupplierAvailability):
            _known_supplier(change.supplier, suppliers, where)
            current = supplier_changes.get(change.supplier, SupplierChange())
            if isinstance(change, SupplierLeadTime):
                update: dict[str, Any] = {"lead_time_factor": current.lead_time_factor * change.factor}
            else:
                update = {"available": change.available}
                if change.reliability is not None:
                    update["reliability"] = change.reliability
            supplier_changes[change.supplier] = current.model_copy(update=update)
        elif isinstance(change, RemoveLine | LineSpeed):
            edit.require_line(change.line, f"{where}.line", removed=_removed(line_changes))
            current_line = line_changes.get(change.line, LineChange())
            if isinstance(change, RemoveLine):
                line_changes[change.line] = current_line.model_copy(update={"available": False})
            else:
                speed = (current_line.speed_factor or edit.speed_of(change.line)) * change.factor
                line_changes[change.line] = current_line.model_copy(update={"speed_factor": speed})
        else:
            edit.apply(change, where, removed=_removed(line_changes))
    _check_supply(suppliers, supplier_changes, changes)
    edit.check_capabilities(_removed(line_changes), changes)
    plant_file = write_plant_variant(edit, scenario.plant, workdir) if edit.changed else scenario.plant
    variant = scenario.model_copy(update={
        "plant": plant_file, "line_changes": line_changes, "supplier_changes": supplier_changes,
        "name": f"{scenario.name} (what-if)" if changes else scenario.name,
    })
    return WhatIfScenario(scenario=variant, known_orders=tuple(known), notes=case.notes)


def _supplier_listings(path: Path) -> tuple[SupplierListing, ...]:
    """The supplier file's listings, read again only when the file changes (it is large: reading it is slow)."""
    stat = Path(path).stat()
    return _listings(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _listings(path: str, mtime_ns: int, size: int) -> tuple[SupplierListing, ...]:
    return tuple(load_supplier_listings(path))


def _removed(line_changes: dict[str, LineChange]) -> set[str]:
    return {line for line, change in line_changes.items() if not change.available}


def _known_supplier(supplier: str, suppliers: dict[str, Any], where: str) -> None:
    if supplier not in suppliers:
        raise WhatIfError(f"{where}.supplier", f"unknown supplier {supplier!r}; the supplier file lists "
                                               f"{', '.join(sorted(suppliers))}")


def _check_supply(suppliers: dict[str, Any], changes_now: dict[str, SupplierChange], changes: list[Change]) -> None:
    """Every item some supplier sells must still have a supplier taking orders."""
    sellers: dict[str, list[str]] = {}
    for sid, listing in suppliers.items():
        for part in listing.parts:
            sellers.setdefault(part.item, []).append(sid)
    gone = {sid for sid, change in changes_now.items() if not change.available}
    orphans = sorted(item for item, ids in sellers.items() if all(sid in gone for sid in ids))
    if not orphans:
        return
    n = next((n for n, c in enumerate(changes) if isinstance(c, SupplierAvailability) and not c.available), 0)
    raise WhatIfError(f"changes[{n}].supplier", f"with supplier(s) {', '.join(sorted(gone))} unavailable nobody "
                                               f"sells {', '.join(orphans[:5])}{' …' if len(orphans) > 5 else ''};"
                                               " keep one supplier of each item available")
