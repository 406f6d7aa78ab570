"""Commanding a line through its adapter's ``control``: which adapter builds it, and what is said when none can."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.opcua.line_control import OpcUaLineControl
from adapters.opcua.spec import OPCUA_LINES, OpcUaLineSettings
from adapters.sparkplug.line_control import SparkplugLineControl
from adapters.sparkplug.spec import SPARKPLUG_LINES, SparkplugLineSettings
from orchestrator.integration.conformance.line_driver import DriverError, LineDriver, line_control
from orchestrator.integration.line_commands import NoLineControl, control_of, plant_line_control
from orchestrator.integration.spec import AdapterContext, close_control
from orchestrator.plant import load_plant
from tests.support.broken_line_adapter import DOUBLED_COMPLETIONS
from tests.support.processes import ROOT


async def test_our_line_adapters_build_their_control_from_the_line_settings() -> None:
    opcua = control_of(OPCUA_LINES, OpcUaLineSettings(), AdapterContext("FAB1", "opc.tcp://127.0.0.1:4840/"))
    assert isinstance(opcua, OpcUaLineControl) and opcua.endpoint == "opc.tcp://127.0.0.1:4840/"
    own = control_of(OPCUA_LINES, OpcUaLineSettings(endpoint="opc.tcp://10.0.0.5:4840/"), AdapterContext("FAB1"))
    assert isinstance(own, OpcUaLineControl) and own.endpoint == "opc.tcp://10.0.0.5:4840/"
    sparkplug = control_of(SPARKPLUG_LINES, SparkplugLineSettings(endpoint="mqtt://10.0.0.7:1884/acme/press-hall",
                                                                  keepalive=30), AdapterContext("FAB1"))
    assert isinstance(sparkplug, SparkplugLineControl)
    where = sparkplug.settings
    assert (where.host, where.port, where.group_id, where.edge_node_id, where.keepalive) == \
        ("10.0.0.7", 1884, "acme", "press-hall", 30)
    assert where.device_of("FAB1") == "FAB1"
    for control in (opcua, own, sparkplug):
        await close_control(control)  # never connected: closing is harmless


def test_a_control_without_an_endpoint_or_an_adapter_without_control_says_so() -> None:
    with pytest.raises(ValueError, match="line PCK1: the opcua adapter needs an endpoint"):
        control_of(OPCUA_LINES, OpcUaLineSettings(), AdapterContext("PCK1"))
    with pytest.raises(NoLineControl, match="line PCK1 uses the line adapter 'opcua-doubled-completions', which "
                                            "offers no job control"):
        control_of(DOUBLED_COMPLETIONS, OpcUaLineSettings(), AdapterContext("PCK1", "opc.tcp://127.0.0.1:4840/"))


def test_the_plant_files_line_is_commanded_through_its_status_adapter() -> None:
    plant = load_plant(ROOT / "plant" / "default.yaml")
    control, endpoint = plant_line_control(plant, "ASM1", "opc.tcp://127.0.0.1:4999/")
    assert isinstance(control, OpcUaLineControl) and endpoint == control.endpoint == "opc.tcp://127.0.0.1:4999/"


def test_the_driver_control_is_optional_and_another_scheme_needs_its_adapter() -> None:
    assert LineDriver().control is None
    assert LineDriver().control_text(OPCUA_LINES) == "the opcua adapter's control"
    url = "mqtt://127.0.0.1:1883/c2m/plant"
    assert LineDriver(control=url).control_text(OPCUA_LINES) == f"sparkplug control at {url}"
    assert LineDriver(control="http://gw:8080/", control_adapter="csv-gateway").control_adapter_name == "csv-gateway"
    with pytest.raises(ValidationError, match="control_adapter needs control"):
        LineDriver(control_adapter="opcua")


async def test_the_driver_commands_through_the_adapter_under_test_or_the_one_for_its_url() -> None:
    settings, context = OpcUaLineSettings(endpoint="opc.tcp://127.0.0.1:4998/"), AdapterContext("FAB1")
    async with line_control(OPCUA_LINES, settings, context, LineDriver()) as control:
        assert isinstance(control, OpcUaLineControl) and control.endpoint == "opc.tcp://127.0.0.1:4998/"
    # An adapter that only reads its line is commanded at driver.control, by the installed adapter of its scheme.
    driver = LineDriver(control="opc.tcp://127.0.0.1:4997/")
    async with line_control(DOUBLED_COMPLETIONS, settings, context, driver) as control:
        assert isinstance(control, OpcUaLineControl) and control.endpoint == "opc.tcp://127.0.0.1:4997/"
    with pytest.raises(DriverError, match=r"offers no job control.*; set driver\.control to a URL"):
        async with line_control(DOUBLED_COMPLETIONS, settings, context, LineDriver()):
            pass
    with pytest.raises(DriverError, match="no line adapter called 'csv-gateway'"):
        async with line_control(OPCUA_LINES, settings, context,
                                LineDriver(control="http://gw:8080/", control_adapter="csv-gateway")):
            pass
