"""Which lines the plant simulator publishes over Sparkplug, read from the plant file's line adapters."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from orchestrator.cli.sparkplug_plant import SparkplugPlantError, broker_problem, sparkplug_edge_node
from orchestrator.plant import load_plant, parse_plant

ROOT = Path(__file__).resolve().parents[2]


def _plant(pnt1_endpoint: str, asm1_endpoint: str = "mqtt://127.0.0.1:1883/c2m/plant"):  # type: ignore[no-untyped-def]
    text = f"""
name: two protocols
defaults: {{calendar: always}}
calendars: {{always: {{timezone: UTC, shifts: [{{name: all, start: "00:00", end: "00:00"}}]}}}}
lines:
  FAB1: {{capabilities: [welding]}}
  PNT1: {{capabilities: [painting], status: {{adapter: sparkplug, endpoint: "{pnt1_endpoint}"}}}}
  ASM1: {{capabilities: [assembly], status: {{adapter: sparkplug, endpoint: "{asm1_endpoint}"}}}}
"""
    return parse_plant(text, source="plant.yaml")


def test_the_shipped_mixed_plant_publishes_its_two_sparkplug_lines_on_the_local_broker() -> None:
    node = sparkplug_edge_node(load_plant(ROOT / "plant" / "mixed-protocols.yaml"))
    assert node is not None
    assert node.lines == ("PNT1", "ASM1")
    assert node.simulator_args() == ["--sparkplug-lines", "PNT1,ASM1", "--sparkplug-group", "c2m",
                                     "--sparkplug-edge-node", "plant", "--mqtt-host", "127.0.0.1",
                                     "--mqtt-port", "1883"]


def test_a_plant_of_opcua_lines_publishes_nothing() -> None:
    assert sparkplug_edge_node(load_plant(ROOT / "plant" / "default.yaml")) is None


def test_the_broker_and_ids_come_from_the_endpoint() -> None:
    node = sparkplug_edge_node(_plant("mqtt://10.0.0.5:1884/acme/hall2", "mqtt://10.0.0.5:1884/acme/hall2"))
    assert node is not None
    assert (node.host, node.port, node.group_id, node.edge_node_id) == ("10.0.0.5", 1884, "acme", "hall2")


def test_lines_on_two_edge_nodes_are_refused_with_both_named() -> None:
    with pytest.raises(SparkplugPlantError, match=r"2 edge nodes .*PNT1 at mqtt://127.0.0.1:1883/c2m/other.*"
                                                  r"ASM1 at mqtt://127.0.0.1:1883/c2m/plant"):
        sparkplug_edge_node(_plant("mqtt://127.0.0.1:1883/c2m/other"), "plant.yaml")


def test_a_device_other_than_the_line_id_is_refused() -> None:
    with pytest.raises(SparkplugPlantError, match=r"lines.PNT1.status.endpoint names device 'paint'"):
        sparkplug_edge_node(_plant("mqtt://127.0.0.1:1883/c2m/plant/paint"), "plant.yaml")


def test_a_broker_that_does_not_answer_is_reported_with_the_fix() -> None:
    with socket.socket() as s:  # a port nothing listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        node = sparkplug_edge_node(_plant(f"mqtt://127.0.0.1:{port}/c2m/plant", f"mqtt://127.0.0.1:{port}/c2m/plant"))
        assert node is not None
        problem = broker_problem(node, timeout=1.0)
    assert problem is not None
    assert f"MQTT broker 127.0.0.1:{port} of Sparkplug lines PNT1, ASM1 does not answer" in problem
    assert "start it" in problem


def test_a_broker_that_answers_is_no_problem() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        node = sparkplug_edge_node(_plant(f"mqtt://127.0.0.1:{port}/c2m/plant", f"mqtt://127.0.0.1:{port}/c2m/plant"))
        assert node is not None
        assert broker_problem(node, timeout=1.0) is None
