"""The scenario's world as a running stack reads it: files and settings for ``c2m up``.

A live run compares the stack with the discrete-event run of the same orders, so the stack must run the
scenario's factory: its catalog, its starting stock, its plant (with the scenario's line changes) and
its suppliers (with the scenario's supplier changes), the same after-production times and delay margin.
Two things differ on purpose:

* the plant simulator's own random breakdowns and defects are switched off (MTBF 0, defect rate 0): the
  scenario's faults are injected at their plant times instead (``live_faults``), so both runs meet the
  same stops; MTTR stays, because the planner expects a repair after it;
* orders wait for a planner only when the scenario says so (a special request): the value and quantity
  thresholds are raised out of reach, as the discrete-event run has none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orchestrator.orders.fulfilment import FulfilmentTimes
from orchestrator.simulation.scenario import Scenario

HOUR_SECONDS = 3600.0


def stack_environment(scenario: Scenario, directory: Path) -> dict[str, str]:
    """``C2M_*`` settings (and derived files written to ``directory``) for a stack running ``scenario``."""
    directory.mkdir(parents=True, exist_ok=True)
    plant = _write(directory / "plant.yaml", live_plant(scenario))
    suppliers = _write(directory / "suppliers.yaml", live_suppliers(scenario))
    times = FulfilmentTimes()
    return {
        "C2M_CATALOG_DIR": str(scenario.catalog),
        "C2M_PLANT_FILE": str(plant),
        "C2M_SUPPLIERS_FILE": str(suppliers),
        "C2M_STOCK_FILE": str(scenario.stock),
        "C2M_QUALITY_CHECK_HOURS": f"{times.quality_check.total_seconds() / HOUR_SECONDS:g}",
        "C2M_PACKING_HOURS": f"{times.packing.total_seconds() / HOUR_SECONDS:g}",
        "C2M_TRANSIT_HOURS": f"{times.transit.total_seconds() / HOUR_SECONDS:g}",
        "C2M_DELAY_MARGIN_HOURS": f"{scenario.policies.c2m.delay_margin_hours:g}",
        "C2M_APPROVAL_VALUE_THRESHOLD": "1e12",
        "C2M_APPROVAL_MAX_QUANTITY": "1000000",
        "C2M_ORDER_RATE_PER_MINUTE": "0",  # the whole market orders through one key
        "C2M_MODE": "dev",  # faults are injected through the demo interface
    }


def live_plant(scenario: Scenario) -> dict[str, Any]:
    """The scenario's plant file with its line changes, random breakdowns and defects off."""
    data = yaml.safe_load(Path(scenario.plant).read_text(encoding="utf-8"))
    defaults = data.setdefault("defaults", {})
    defaults["defect_rate"] = 0.0
    defaults.setdefault("reliability", {})["mtbf_hours"] = 0.0
    lines: dict[str, Any] = data.get("lines") or {}
    for line_id in list(lines):
        line = lines[line_id] = dict(lines[line_id] or {})
        change = scenario.line_changes.get(line_id)
        if change is not None and not change.available:
            del lines[line_id]
            continue
        reliability = dict(line.get("reliability") or {})
        if change is not None and change.mttr_minutes is not None:
            reliability["mttr_minutes"] = change.mttr_minutes
        if change is not None and change.speed_factor is not None:
            line["speed_factor"] = change.speed_factor
        reliability["mtbf_hours"] = 0.0
        line["reliability"] = reliability
        line["defect_rate"] = 0.0
    return data


def live_suppliers(scenario: Scenario) -> dict[str, Any]:
    """The scenario's supplier file with its supplier changes (reliability, rejections, lead times, availability)."""
    data = yaml.safe_load(Path(scenario.suppliers).read_text(encoding="utf-8"))
    kept = []
    for entry in data.get("suppliers") or []:
        change = scenario.supplier_changes.get(str(entry["id"]))
        if change is None:
            kept.append(entry)
            continue
        if not change.available:
            continue
        if change.reliability is not None:
            entry["reliability"] = change.reliability
        if change.reject_rate is not None:
            entry["faults"] = {**(entry.get("faults") or {}), "reject_rate": change.reject_rate}
        if change.lead_time_factor != 1.0:
            for part in entry.get("parts") or []:
                lead = part["lead_time_days"]
                part["lead_time_days"] = ({k: v * change.lead_time_factor for k, v in lead.items()}
                                          if isinstance(lead, dict) else lead * change.lead_time_factor)
        kept.append(entry)
    data["suppliers"] = kept
    return data


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
