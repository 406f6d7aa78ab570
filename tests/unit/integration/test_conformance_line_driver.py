"""The line suite's driver: its settings, the binding it builds for the adapter, and the restart command."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.opcua.spec import OPCUA_LINES, OpcUaLineSettings
from adapters.sparkplug.spec import SPARKPLUG_LINES, SparkplugLineSettings
from orchestrator.integration.conformance.line_driver import DriverError, LineDriver, line_binding, run_restart
from orchestrator.integration.spec import AdapterContext
from orchestrator.ports.lines import c2m_line_nodes
from tests.support.processes import ROOT


def test_the_driver_refuses_a_control_it_cannot_speak_and_unknown_keys() -> None:
    with pytest.raises(ValidationError, match=r"expected opc\.tcp://host:port/"):
        LineDriver(control="http://127.0.0.1:8000/")
    with pytest.raises(ValidationError, match="restrat"):
        LineDriver.model_validate({"control": "opc.tcp://127.0.0.1:4840/", "restrat": "true"})
    assert LineDriver(control="mqtt://127.0.0.1:1883/c2m/plant").restart is None


def test_the_binding_reads_the_settings_as_a_plant_files_status_block() -> None:
    settings = OpcUaLineSettings(endpoint="opc.tcp://10.0.0.5:4840/", nodes={"defective_count": None},
                                 states={"3": "Execute"})
    binding = line_binding(OPCUA_LINES, settings, AdapterContext("FAB1"), None)
    expected = c2m_line_nodes("FAB1")
    del expected["defective_count"]
    assert binding.line == "FAB1" and binding.adapter == "opcua" and binding.endpoint == "opc.tcp://10.0.0.5:4840/"
    assert binding.nodes == expected and binding.states == {"3": 6}


def test_the_binding_without_an_endpoint_takes_the_default_or_says_what_is_missing() -> None:
    settings = OpcUaLineSettings()
    with_default = AdapterContext("PCK1", default_endpoint="opc.tcp://127.0.0.1:4840/")
    assert line_binding(OPCUA_LINES, settings, with_default, None).endpoint == "opc.tcp://127.0.0.1:4840/"
    with pytest.raises(DriverError, match=r"no endpoint for line PCK1: set settings\.endpoint"):
        line_binding(OPCUA_LINES, settings, AdapterContext("PCK1"), None)


def test_the_binding_from_a_plant_file_is_the_monitors_and_must_name_the_same_adapter() -> None:
    plant_file = ROOT / "plant" / "default.yaml"
    context = AdapterContext("ASM1", default_endpoint="opc.tcp://127.0.0.1:4840/")
    binding = line_binding(OPCUA_LINES, OpcUaLineSettings(), context, plant_file)
    assert binding.endpoint == "opc.tcp://127.0.0.1:4840/" and binding.nodes == c2m_line_nodes("ASM1")
    sparkplug = SparkplugLineSettings(endpoint="mqtt://127.0.0.1:1883/c2m/plant")
    with pytest.raises(DriverError, match="names status adapter 'opcua', not 'sparkplug'"):
        line_binding(SPARKPLUG_LINES, sparkplug, context, plant_file)


async def test_the_restart_command_must_succeed_within_its_time() -> None:
    said = await run_restart("echo restarted", 5)
    assert said.startswith("exit 0 after") and said.endswith(": restarted")
    with pytest.raises(DriverError, match=r"failed \(exit 3 .*: no such unit\): echo no such unit; exit 3"):
        await run_restart("echo no such unit; exit 3", 5)
    with pytest.raises(DriverError, match=r"did not finish within 0\.2 s"):
        await run_restart("sleep 5", 0.2)


def test_a_relative_plant_file_is_read_beside_the_conformance_file(tmp_path: Path) -> None:
    raw = {"control": "opc.tcp://127.0.0.1:4840/", "plant_file": "plants/a.yaml"}
    driver = LineDriver.model_validate(raw, context={"base_dir": tmp_path})
    assert driver.plant_file == tmp_path / "plants" / "a.yaml"
    assert LineDriver.model_validate(raw).plant_file == Path("plants/a.yaml")  # no file: as written
    default = ROOT / "plant" / "default.yaml"
    assert LineDriver.model_validate({**raw, "plant_file": str(default)}, context={"base_dir": tmp_path}).plant_file \
        == default
