"""The default plant and the plant model's helpers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from orchestrator.plant import OperationType, Plant, UnknownLineError, load_plant, parse_plant
from orchestrator.ports.lines import LINE_STATUS_FIELDS, LineStatusBinding

ROOT = Path(__file__).resolve().parents[3]
SIMULATOR = "opc.tcp://127.0.0.1:4840/"


@pytest.fixture(scope="module")
def plant() -> Plant:
    return load_plant(ROOT / "plant" / "default.yaml")


def test_default_plant_has_the_six_lines_in_order(plant: Plant) -> None:
    assert plant.line_ids == ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]
    assert set(plant.line("FAB1").capabilities) == {"cutting", "sheet_metal", "welding"}
    assert set(plant.line("ASM2").capabilities) == {"assembly", "wiring", "testing"}
    assert set(plant.line("PCK1").capabilities) == {"testing", "packing"}
    assert [plant.line(x).speed_factor for x in plant.line_ids] == [1.0, 1.0, 1.0, 0.8, 1.0, 1.2]


def test_every_operation_type_has_a_line(plant: Plant) -> None:
    for op_type in OperationType:
        assert plant.lines_for(op_type), f"no line can do {op_type}"


def test_lines_for_keeps_plant_order(plant: Plant) -> None:
    assert [line.id for line in plant.lines_for("testing")] == ["ASM1", "ASM2", "PCK1"]
    assert [line.id for line in plant.lines_for("cutting")] == ["FAB1", "SEW1"]
    assert plant.lines_for("teleportation") == []


def test_every_line_has_stations_reliability_and_the_shared_calendar(plant: Plant) -> None:
    for line in plant.lines.values():
        assert line.stations, line.id
        assert line.reliability.mtbf_hours > 0
        assert line.reliability.abort_share == 0.0  # inherited from defaults, merged with the line's own
        assert line.calendar == "around_the_clock"
    assert plant.line("ASM2").reliability.mtbf_hours == 80


def test_processing_time_divides_by_the_speed_factor(plant: Plant) -> None:
    setup, run = timedelta(minutes=12), timedelta(minutes=3)
    assert plant.line("ASM1").processing_time(setup, 10, run) == timedelta(minutes=42)
    assert plant.line("ASM2").processing_time(setup, 10, run) == timedelta(minutes=42) / 0.8
    with pytest.raises(ValueError, match="quantity"):
        plant.line("ASM1").processing_time(setup, -1, run)


def test_unknown_line_names_the_known_ones(plant: Plant) -> None:
    with pytest.raises(UnknownLineError, match=r"no line 'XYZ'.*FAB1, PNT1"):
        plant.line("XYZ")


def test_status_binding_follows_the_convention_and_the_default_endpoint(plant: Plant) -> None:
    binding = plant.status_binding("ASM2", default_endpoint=SIMULATOR)
    assert isinstance(binding, LineStatusBinding)
    assert binding.endpoint == SIMULATOR
    assert binding.adapter == "opcua"
    assert set(binding.nodes) == set(LINE_STATUS_FIELDS)
    assert binding.nodes["state"] == "ns=2;s=Machines/ASM2/Status/StateCurrent"
    assert binding.nodes["completed_job_orders"] == "ns=2;s=Machines/ASM2/JobOrder/CompletedJobOrders"
    assert binding.states == {}
    assert binding.packml_state(6) == 6


FOREIGN = """
name: Mixed plant
defaults: {calendar: day, status: {endpoint: "opc.tcp://127.0.0.1:4840/"}}
calendars:
  day: {shifts: [{name: day, start: "08:00", end: "16:00"}]}
lines:
  OWN:
    capabilities: [painting]
    status:
      nodes: {produced_quantity: "ns=2;s=Other/Good", completed_job_orders: null}
  PLC7:
    capabilities: [welding]
    status:
      endpoint: opc.tcp://10.1.2.3:4840/
      convention: none
      nodes:
        state: "nsu=urn:acme:plc;s=PLC7.Mode"
        job_order_id: "ns=3;i=5001"
      states: {RUNNING: Execute, IDLE: idle, DONE: 17, 3: Held}
"""


def test_node_mapping_overrides_removes_and_replaces_the_convention() -> None:
    plant = parse_plant(FOREIGN, source="mixed.yaml")
    own = plant.status_binding("OWN", default_endpoint="unused")
    assert own.endpoint == "opc.tcp://127.0.0.1:4840/"  # from the plant defaults
    assert own.nodes["produced_quantity"] == "ns=2;s=Other/Good"
    assert own.nodes["state"] == "ns=2;s=Machines/OWN/Status/StateCurrent"
    assert "completed_job_orders" not in own.nodes

    plc = plant.status_binding("PLC7", default_endpoint="unused")
    assert plc.endpoint == "opc.tcp://10.1.2.3:4840/"
    assert plc.nodes == {"state": "nsu=urn:acme:plc;s=PLC7.Mode", "job_order_id": "ns=3;i=5001"}
    assert plc.states == {"RUNNING": 6, "IDLE": 4, "DONE": 17, "3": 11}
    assert plc.packml_state("RUNNING") == 6
    assert plc.packml_state(3) == 11
    assert plc.packml_state("EXPLODED") is None


def test_the_line_state_node_cannot_be_removed() -> None:
    text = FOREIGN.replace("completed_job_orders: null", "state: null")
    with pytest.raises(ValueError, match=r"lines\.OWN\.status.*'state' cannot be removed"):
        parse_plant(text, source="mixed.yaml")
