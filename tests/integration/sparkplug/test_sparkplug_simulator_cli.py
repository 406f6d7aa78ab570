"""The plant simulator's command line publishes only the lines chosen with ``--sparkplug-lines``."""

from __future__ import annotations

import uuid
from pathlib import Path

from adapters.sparkplug import SparkplugSettings, make_line_status_source
from orchestrator.ports.lines import ConnectionStatus, LineEventKind
from tests.integration.opcua.opcua_helpers import EventLog
from tests.integration.sparkplug.conftest import BROKER_HOST, BROKER_PORT, broker_or_skip
from tests.support.ports import free_port
from tests.support.processes import ROOT, running, tcp_open


async def test_chosen_lines_are_published_until_the_simulator_stops(tmp_path: Path) -> None:
    broker_or_skip()
    port, group = free_port(), f"c2m-test-{uuid.uuid4().hex[:10]}"
    args = [
        "-m", "simulators.opcua_plant", "--port", str(port), "--plant-file", str(ROOT / "plant" / "default.yaml"),
        "--state-file", str(tmp_path / "plant.db"), "--no-random-faults",
        "--sparkplug-lines", "PCK1", "--sparkplug-group", group, "--sparkplug-edge-node", "site",
        "--mqtt-host", BROKER_HOST, "--mqtt-port", str(BROKER_PORT),
    ]
    settings = SparkplugSettings(group_id=group, edge_node_id="site", rebirth_every=0.5, down_after=3.0)
    published = EventLog(make_line_status_source(settings, "PCK1"))
    not_published = EventLog(make_line_status_source(settings, "FAB1"))
    try:
        with running(args, tcp_open(port), "plant simulator", timeout=30, log_path=tmp_path / "sim.log"):
            snapshot = await published.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "PCK1's snapshot")
            assert snapshot.snapshot is not None and snapshot.snapshot.state_name == "Idle"
            await not_published.wait_for(
                lambda e: e.kind == LineEventKind.CONNECTION and e.values["status"] == ConnectionStatus.RECONNECTING,
                "FAB1 never born",
            )
            assert not not_published.of(LineEventKind.SNAPSHOT)
        # SIGTERM: the simulator leaves with an NDEATH.
        await published.wait_for(
            lambda e: e.kind == LineEventKind.CONNECTION and e.values["status"] == ConnectionStatus.RECONNECTING,
            "reconnecting after the simulator's NDEATH",
        )
    finally:
        await published.close()
        await not_published.close()
