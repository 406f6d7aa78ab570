"""The plant file's Sparkplug lines as the plant simulator and ``c2m up`` need them.

A line whose ``status.adapter`` is ``sparkplug`` names its broker and edge node in its endpoint
(``mqtt://127.0.0.1:1883/c2m/plant``). The simulator stands in for that edge node, so ``c2m sim opcua``
publishes exactly those lines there (``--sparkplug-lines``, ``--mqtt-host``, ...), and ``c2m up``
checks that the broker answers before it starts anything: without it those lines would stay dark.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from adapters.sparkplug.settings import SparkplugSettings
from orchestrator.plant import Plant

SPARKPLUG_ADAPTER = "sparkplug"


class SparkplugPlantError(ValueError):
    """The plant's Sparkplug lines cannot be published by one simulated edge node."""


@dataclass(frozen=True)
class SparkplugEdgeNode:
    """The one edge node the plant simulator plays: its broker, its ids and the lines it publishes."""

    host: str
    port: int
    group_id: str
    edge_node_id: str
    lines: tuple[str, ...]

    def simulator_args(self) -> list[str]:
        """The plant simulator's options that publish these lines on this broker."""
        return ["--sparkplug-lines", ",".join(self.lines), "--sparkplug-group", self.group_id,
                "--sparkplug-edge-node", self.edge_node_id, "--mqtt-host", self.host, "--mqtt-port", str(self.port)]

    @property
    def broker(self) -> str:
        return f"{self.host}:{self.port}"


def sparkplug_edge_node(plant: Plant, plant_file: str = "the plant file") -> SparkplugEdgeNode | None:
    """The edge node behind the plant's Sparkplug lines, or ``None`` when every line speaks OPC UA.

    The simulator plays a single edge node whose device ids are the line ids, so every Sparkplug line
    must name the same broker, group and edge node, and no other device id.
    """
    found: dict[tuple[str, int, str, str], list[str]] = {}
    for line_id in plant.line_ids:
        status = plant.line(line_id).status
        if status.adapter != SPARKPLUG_ADAPTER:
            continue
        try:
            where = SparkplugSettings.from_endpoint(line_id, status.endpoint or "")
        except ValueError as exc:
            raise SparkplugPlantError(f"{plant_file}: lines.{line_id}.status.endpoint: {exc}") from None
        if where.device_of(line_id) != line_id:
            raise SparkplugPlantError(
                f"{plant_file}: lines.{line_id}.status.endpoint names device {where.device_of(line_id)!r}; "
                f"the plant simulator publishes each line as the device of its own id: drop the device from "
                f"the endpoint, or run without the simulator (c2m up --no-sim)")
        found.setdefault((where.host, where.port, where.group_id, where.edge_node_id), []).append(line_id)
    if not found:
        return None
    if len(found) > 1:
        nodes = "; ".join(f"{', '.join(lines)} at mqtt://{h}:{p}/{g}/{e}" for (h, p, g, e), lines in found.items())
        raise SparkplugPlantError(
            f"{plant_file}: the Sparkplug lines name {len(found)} edge nodes ({nodes}); the plant simulator "
            "plays one: give them the same endpoint, or run without the simulator (c2m up --no-sim)")
    (host, port, group, node), lines = next(iter(found.items()))
    return SparkplugEdgeNode(host, port, group, node, tuple(lines))


def broker_problem(node: SparkplugEdgeNode, timeout: float = 2.0) -> str | None:
    """Why the edge node's broker cannot be reached (a TCP connection is tried), or ``None``."""
    try:
        with socket.create_connection((node.host, node.port), timeout=timeout):
            return None
    except OSError as exc:
        return (f"the MQTT broker {node.broker} of Sparkplug lines {', '.join(node.lines)} does not answer "
                f"({exc.strerror or exc}): start it (e.g. `mosquitto -p {node.port}`), or point the lines' "
                "status.endpoint in the plant file at another broker")
