"""The simple capable-to-promise model: material lead times, line capacity, precedence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orchestrator.catalog import (
    DEFAULT_PLANT_LINES,
    CannotPromise,
    CapacityAssumptions,
    Promiser,
    SimpleCapacityPromiser,
    quote,
)
from tests.unit.catalog.helpers import build, widget

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
FLAT = CapacityAssumptions(hours_per_day=24, utilisation=0.0, release_days=0, shipping_days=0, safety_days=0)


def test_the_simple_model_satisfies_the_promiser_port() -> None:
    assert isinstance(SimpleCapacityPromiser(DEFAULT_PLANT_LINES), Promiser)


def test_purchased_material_gates_the_work_that_needs_it(tmp_path: Path) -> None:
    result = quote(build(tmp_path), "widget", {"colour": "blue"})  # blue powder: 12 days, sheet 5 days
    promise = SimpleCapacityPromiser(DEFAULT_PLANT_LINES, FLAT).compute(result.routing, result.bom, 1, NOW)
    material = {m.item: m for m in promise.material}
    assert material["paint-blue"].available_at == NOW + timedelta(days=12)
    assert material["screw"].covered_by_stock and material["screw"].lead_time_days == 0
    loads = {c.line: c for c in promise.capacity}
    assert loads["FAB1"].start == NOW + timedelta(days=12)  # the panel's work waits for its powder
    assert loads["ASM1"].start >= loads["PNT1"].finish  # assembly waits for the painted panel
    assert promise.promised_at >= promise.production_finish
    assert "paint-blue (12 days" in promise.summary


def test_promise_is_finish_plus_shipping_and_safety_rounded_up_to_the_hour(tmp_path: Path) -> None:
    result = quote(build(tmp_path), "widget", {})
    assumptions = CapacityAssumptions(hours_per_day=24, utilisation=0.0, release_days=0, shipping_days=2, safety_days=1)
    promise = SimpleCapacityPromiser(DEFAULT_PLANT_LINES, assumptions).compute(result.routing, result.bom, 1, NOW)
    raw = promise.production_finish + timedelta(days=3)
    assert raw <= promise.promised_at < raw + timedelta(hours=1)
    assert promise.promised_at.minute == 0 and promise.promised_date == promise.promised_at.date()


def test_busier_plant_and_slower_lines_promise_later(tmp_path: Path) -> None:
    result = quote(build(tmp_path), "widget", {}, 20)
    quiet = SimpleCapacityPromiser({k: {line: 1.0 for line in v} for k, v in DEFAULT_PLANT_LINES.items()}, FLAT)
    busy = SimpleCapacityPromiser(
        DEFAULT_PLANT_LINES, CapacityAssumptions(utilisation=0.8, release_days=0, shipping_days=0, safety_days=0)
    )
    slow = SimpleCapacityPromiser({k: {line: 0.5 for line in v} for k, v in DEFAULT_PLANT_LINES.items()}, FLAT)
    finishes = [p.compute(result.routing, result.bom, 20, NOW).production_finish for p in (quiet, busy, slow)]
    assert finishes[0] < finishes[1] and finishes[0] < finishes[2]


def test_work_of_one_order_on_the_same_line_does_not_overlap(tmp_path: Path) -> None:
    doc = widget()
    doc["routing"][1].update(after=[], when=True)  # fit_motor may run beside assemble, but both need assembly
    result = quote(build(tmp_path, doc), "widget", {}, 5)
    promiser = SimpleCapacityPromiser(
        {"assembly": ["ASM1"], "sheet_metal": ["FAB1"], "painting": ["PNT1"], "testing": ["PCK1"], "packing": ["PCK1"]},
        FLAT,
    )
    promise = promiser.compute(result.routing, result.bom, 5, NOW)
    (asm,) = [c for c in promise.capacity if c.line == "ASM1"]
    assert asm.operations == ("assemble", "fit_motor")
    assert (asm.finish - asm.start) >= timedelta(minutes=asm.work_minutes)


def test_operation_restricted_to_lines_goes_to_one_of_them(tmp_path: Path) -> None:
    doc = widget()
    doc["routing"][2]["lines"] = ["ASM2"]
    result = quote(build(tmp_path, doc), "widget", {})
    promise = SimpleCapacityPromiser(DEFAULT_PLANT_LINES, FLAT).compute(result.routing, result.bom, 1, NOW)
    assert any(c.line == "ASM2" and "test" in c.operations for c in promise.capacity)


def test_no_line_for_a_work_centre_type_cannot_be_promised(tmp_path: Path) -> None:
    result = quote(build(tmp_path), "widget", {})
    lines = {k: v for k, v in DEFAULT_PLANT_LINES.items() if k != "painting"}
    with pytest.raises(CannotPromise, match="painting"):
        SimpleCapacityPromiser(lines).compute(result.routing, result.bom, 1, NOW)


def test_invalid_assumptions_are_refused() -> None:
    with pytest.raises(ValueError, match="utilisation"):
        CapacityAssumptions(utilisation=1.0)
    with pytest.raises(ValueError, match="speed factor"):
        SimpleCapacityPromiser({"assembly": {"ASM1": 0}})


async def test_promise_through_the_async_port(tmp_path: Path) -> None:
    result = quote(build(tmp_path), "widget", {})
    promiser: Promiser = SimpleCapacityPromiser(DEFAULT_PLANT_LINES)
    promise = await promiser.promise(result.routing, result.bom, 1, NOW)
    assert promise.promised_at > NOW and promise.method.startswith("simple capacity model")
