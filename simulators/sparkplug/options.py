"""The plant simulator's Sparkplug options: which lines also go over MQTT, and where.

``--sparkplug-lines FAB1,PACK1`` (or ``all``) publishes those lines as devices of one edge node
(``--sparkplug-edge-node``, default ``plant``) in group ``--sparkplug-group`` (default ``c2m``) on
the broker ``--mqtt-host``/``--mqtt-port``. Without it the simulator speaks OPC UA only.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from simulators.opcua_plant.server import PlantSimulator
from simulators.sparkplug.publisher import SparkplugPublisher


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the Sparkplug options to the simulator's parser."""
    p.add_argument(
        "--sparkplug-lines", default="", help="lines to publish over MQTT Sparkplug B: ids, comma separated, or 'all'"
    )
    p.add_argument("--sparkplug-group", default="c2m", help="Sparkplug group id (default c2m)")
    p.add_argument("--sparkplug-edge-node", default="plant", help="Sparkplug edge node id (default plant)")
    p.add_argument("--mqtt-host", default="127.0.0.1", help="MQTT broker host (default 127.0.0.1)")
    p.add_argument("--mqtt-port", type=int, default=1883, help="MQTT broker port (default 1883)")


def chosen_lines(text: str, all_lines: list[str]) -> list[str]:
    """The lines named by ``--sparkplug-lines``; ``all`` means every line of the plant."""
    if text.strip().lower() == "all":
        return list(all_lines)
    return [line.strip() for line in text.split(",") if line.strip()]


@asynccontextmanager
async def publishing(sim: PlantSimulator, args: argparse.Namespace) -> AsyncIterator[SparkplugPublisher | None]:
    """Publish the chosen lines of a started simulator while the block runs (nothing if none chosen)."""
    lines = chosen_lines(args.sparkplug_lines, list(sim.machines))
    if not lines:
        yield None
        return
    publisher = SparkplugPublisher(
        sim, lines, group_id=args.sparkplug_group, edge_node_id=args.sparkplug_edge_node,
        host=args.mqtt_host, port=args.mqtt_port,
    )
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()
