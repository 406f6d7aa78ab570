"""Translated line and station names in the plant file (``i18n: {zh-CN: {name, stations}}``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.plant import PlantFileError, load_plant, parse_plant


def _plant(line_i18n: str) -> str:
    return f"""
name: Test plant
defaults:
  calendar: day
calendars:
  day:
    shifts: [{{name: day, start: "08:00", end: "16:00"}}]
lines:
  L1:
    name: Welding cell
    capabilities: [welding]
    stations: [Jig, Robot, Inspection]
    i18n: {line_i18n}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(PlantFileError) as caught:
        parse_plant(text, source="test.yaml")
    assert str(caught.value).startswith("test.yaml: ")
    return caught.value.problems


def test_a_translated_line_gives_its_names_in_that_language() -> None:
    line = parse_plant(_plant("{zh-CN: {name: 焊接单元, stations: [夹具, 机器人, 检验]}}")).line("L1")
    assert (line.name_in("zh-CN"), line.stations_in("zh-CN")) == ("焊接单元", ("夹具", "机器人", "检验"))
    assert (line.name_in(None), line.name_in("en"), line.stations_in(None)) == (
        "Welding cell", "Welding cell", ("Jig", "Robot", "Inspection"),
    )


def test_a_name_alone_keeps_the_english_stations() -> None:
    line = parse_plant(_plant("{zh-CN: {name: 焊接单元}}")).line("L1")
    assert line.stations_in("zh-CN") == ("Jig", "Robot", "Inspection")


def test_a_station_count_mismatch_names_the_line_and_the_fix() -> None:
    [problem] = _problems(_plant("{zh-CN: {stations: [夹具, 机器人]}}"))
    assert problem.startswith("lines.L1: ")
    assert "i18n.zh-CN.stations lists 2 name(s) but the line has 3 station(s)" in problem
    assert "one name per station" in problem


def test_an_unknown_language_or_field_is_refused() -> None:
    [language] = _problems(_plant("{fr: {name: Cellule}}"))
    assert language.startswith("lines.L1.i18n: ") and "unknown language 'fr'" in language and "zh-CN" in language
    [field] = _problems(_plant("{zh-CN: {title: 焊接单元}}"))
    assert field.startswith("lines.L1.i18n.zh-CN.title: unknown key") and "name, stations" in field


def test_the_default_plant_translates_every_line() -> None:
    plant = load_plant(Path(__file__).parents[3] / "plant" / "default.yaml")
    for line in plant.lines.values():
        assert not line.name_in("zh-CN").isascii(), line.id
        assert len(line.stations_in("zh-CN")) == len(line.stations)
        assert all(not s.isascii() for s in line.stations_in("zh-CN")), line.id
    assert plant.line("PNT1").name_in("zh-CN") == "喷涂车间"
