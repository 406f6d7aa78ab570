"""Fixtures of the Sparkplug tests: the plant simulator in this process, publishing over the real broker.

The simulator runs in the test's event loop (its OPC UA server on a free port, its state in a
temporary file) so a test can stop and start its Sparkplug publisher or make it lose a message.
Each test gets its own Sparkplug group id, so parallel runs on the same broker never mix.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.sparkplug import SparkplugSettings
from simulators.common.clock import SimClock
from simulators.opcua_plant.plant_file import read_lines
from simulators.opcua_plant.server import PlantSimulator
from simulators.opcua_plant.store import LineStateStore
from simulators.sparkplug.publisher import SparkplugPublisher
from tests.support.ports import free_port, port_open
from tests.support.processes import ROOT, tcp_open, wait_until

BROKER_HOST, BROKER_PORT = "127.0.0.1", 1883
TIME_SCALE = 600.0  # ten plant minutes per wall second: a 3-unit job of 60 s units lasts about half a second
LINES = ["FAB1", "PCK1"]
MOSQUITTO = "/usr/sbin/mosquitto"


def broker_or_skip(port: int = BROKER_PORT) -> None:
    """Skip the test when no MQTT broker listens (these tests need a real one)."""
    if not port_open(port, BROKER_HOST):
        pytest.skip(f"no MQTT broker on {BROKER_HOST}:{port}; start Mosquitto to run the Sparkplug tests")


@dataclass
class SparkplugPlant:
    """A running simulator with the lines ``LINES`` also published as Sparkplug devices."""

    sim: PlantSimulator
    settings: SparkplugSettings
    publisher: SparkplugPublisher | None = None
    starts: int = 0

    @property
    def opcua_url(self) -> str:
        """The simulator's OPC UA endpoint."""
        return self.sim.endpoint

    async def start_publisher(self) -> SparkplugPublisher:
        """Start a new publisher (a new MQTT session with the next bdSeq)."""
        assert self.publisher is None, "the publisher is running"
        publisher = SparkplugPublisher(
            self.sim, LINES, group_id=self.settings.group_id, edge_node_id=self.settings.edge_node_id,
            host=self.settings.host, port=self.settings.port, bd_seq=self.starts,
        )
        self.starts += 1
        await publisher.start()
        self.publisher = publisher
        return publisher

    async def stop_publisher(self) -> None:
        """Stop the publisher: NDEATH, then gone."""
        if self.publisher is not None:
            publisher, self.publisher = self.publisher, None
            await publisher.stop()


@asynccontextmanager
async def plant_publishing(tmp_path: Path, port: int) -> AsyncIterator[SparkplugPlant]:
    """The plant simulator with ``LINES`` also published over the broker at 127.0.0.1:``port``."""
    lines = [spec for spec in read_lines(ROOT / "plant" / "default.yaml") if spec.id in LINES]
    sim = PlantSimulator(
        lines, LineStateStore(tmp_path / "plant.db"), SimClock(epoch=time.time(), scale=TIME_SCALE),
        port=free_port(), random_faults=False, tick=0.05,
    )
    await sim.start()
    settings = SparkplugSettings(
        host=BROKER_HOST, port=port, group_id=f"c2m-test-{uuid.uuid4().hex[:10]}", edge_node_id="plant",
        rebirth_every=2.0, down_after=8.0, command_timeout=5.0,
    )
    plant = SparkplugPlant(sim, settings)
    try:
        await plant.start_publisher()
        yield plant
    finally:
        await plant.stop_publisher()
        await sim.stop()


@pytest.fixture
async def sparkplug_plant(tmp_path: Path) -> AsyncIterator[SparkplugPlant]:
    """The plant simulator with FAB1 and PCK1 over Sparkplug, on the broker at 127.0.0.1:1883."""
    broker_or_skip()
    async with plant_publishing(tmp_path, BROKER_PORT) as plant:
        yield plant


@dataclass
class PrivateBroker:
    """A Mosquitto of the test's own on a free loopback port, which the test may stop and start."""

    port: int
    config: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        assert self.proc is None, "the broker is running"
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(tcp_open(self.port), 10.0, "the private Mosquitto", self.proc)

    def stop(self) -> None:
        """Stop the broker (every client loses its connection)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    """A private Mosquitto (the system one is never restarted by tests)."""
    if not Path(MOSQUITTO).exists():
        pytest.skip(f"{MOSQUITTO} is not installed; the broker restart test needs its own Mosquitto")
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8")
    broker = PrivateBroker(port, config)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
