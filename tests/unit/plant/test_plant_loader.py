"""The plant file loader: safe YAML, and errors that name the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.plant import PlantFileError, load_plant, parse_plant

GOOD = """
name: Test plant
defaults:
  calendar: day
calendars:
  day:
    shifts: [{name: day, start: "08:00", end: "16:00"}]
lines:
  L1:
    capabilities: [welding]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PlantFileError) as caught:
        parse_plant(text, source="test.yaml")
    assert str(caught.value).startswith("test.yaml: ")
    return caught.value.problems


def test_a_minimal_plant_gets_the_defaults() -> None:
    plant = parse_plant(GOOD)
    line = plant.line("L1")
    assert line.speed_factor == 1.0 and line.calendar == "day" and line.status.adapter == "opcua"
    assert line.status.endpoint is None


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(PlantFileError, match=r"nope\.yaml: file not found; point C2M_PLANT_FILE"):
        load_plant(tmp_path / "nope.yaml")


def test_yaml_syntax_error_gives_line_and_column() -> None:
    [problem] = problems("name: x\nlines: [unclosed\n")
    assert problem.startswith("line 3, column 1: not valid YAML")


def test_duplicate_keys_are_refused() -> None:
    [problem] = problems(GOOD + "  L1:\n    capabilities: [painting]\n")
    assert "found the key 'L1' twice" in problem


def test_python_objects_are_refused_by_the_safe_loader() -> None:
    [problem] = problems("name: !!python/object/apply:os.system ['true']\n")
    assert "not valid YAML" in problem


def test_top_level_must_be_a_mapping_with_lines() -> None:
    assert problems("- a\n- b\n") == ["expected a mapping with keys name, defaults, calendars, lines at the top"]
    assert problems("name: x\nlines: {}\n") == [
        "lines: expected a mapping of line id -> line settings, with at least one line"
    ]


def test_unknown_keys_are_named_with_the_known_ones() -> None:
    text = GOOD.replace("name: Test plant", "name: Test plant\nline: oops").replace(
        "capabilities: [welding]", "capabilities: [welding]\n    spede_factor: 2"
    )
    assert problems(text) == ["line: unknown key; the top-level keys are name, defaults, calendars, lines"]
    [problem] = problems(GOOD.replace("capabilities: [welding]", "capabilities: [welding]\n    spede_factor: 2"))
    assert problem.startswith("lines.L1.spede_factor: unknown key; known keys: name, capabilities, speed_factor")


def test_unknown_capability_lists_the_operation_types() -> None:
    [problem] = problems(GOOD.replace("[welding]", "[welding, teleporting]"))
    assert problem.startswith("lines.L1.capabilities.1: Input should be 'cutting', 'sheet_metal'")
    assert "(got 'teleporting')" in problem


def test_bad_numbers_name_the_key_and_the_value() -> None:
    [problem] = problems(GOOD.replace("[welding]", "[welding]\n    speed_factor: -1"))
    assert problem == "lines.L1.speed_factor: Input should be greater than 0 (got -1)"


def test_several_problems_are_reported_together() -> None:
    text = GOOD.replace("[welding]", "[welding]\n    speed_factor: 0\n    defect_rate: 2")
    assert [p.split(":")[0] for p in problems(text)] == ["lines.L1.speed_factor", "lines.L1.defect_rate"]


def test_missing_calendar_reference_lists_the_defined_ones() -> None:
    [problem] = problems(GOOD.replace("calendar: day", "calendar: night"))
    assert "line 'L1' uses calendar 'night', which the plant does not define; defined calendars: day" in problem


def test_errors_in_defaults_are_blamed_on_defaults() -> None:
    [problem] = problems(GOOD.replace("calendar: day", "calendar: day\n  defect_rate: 0.9"))
    assert problem == "defaults.defect_rate (inherited by line L1): Input should be less than or equal to 0.5 (got 0.9)"
    [problem] = problems(GOOD.replace("calendar: day", "calendar: day\n  colour: red"))
    assert problem.startswith("defaults.colour: unknown key; defaults may set calendar, status")


def test_bad_node_mapping_and_state_names() -> None:
    [problem] = problems(GOOD.replace("[welding]", "[welding]\n    status: {nodes: {speed: 'ns=2;s=X'}}"))
    assert problem.startswith("lines.L1.status.nodes: unknown field(s) ['speed']; the fields are state, unit_mode")
    [problem] = problems(GOOD.replace("[welding]", "[welding]\n    status: {states: {RUN: Running}}"))
    assert "lines.L1.status.states: 'Running' is not a PackML state" in problem
    [problem] = problems(GOOD.replace("[welding]", "[welding]\n    status: {convention: none}"))
    assert "with convention 'none' the nodes mapping needs at least 'state'" in problem
    [problem] = problems(GOOD.replace("[welding]", "[welding]\n    status: {endpoint: localhost}"))
    assert "expected an endpoint URL like opc.tcp://host:4840/" in problem


def test_bad_shift_time_points_into_the_calendar() -> None:
    [problem] = problems(GOOD.replace('"08:00"', '"8 o\'clock"'))
    assert problem.startswith("calendars.day.shifts.0.start: expected a clock time like '06:00'")
