"""The OPC UA line-status adapter journals what it reads and receives, sampled, against the real plant simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from adapters.opcua import OpcUaLineControl, OpcUaLineStatusSource
from orchestrator.persistence import adapter_journal
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.journal_writer import JournalWriter
from orchestrator.persistence.migrate import upgrade
from orchestrator.ports.lines import CommandStatus, LineEventKind, LineStatusBinding, c2m_line_nodes
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.opcua.opcua_helpers import EventLog, job_id

STATE_NODE = "ns=2;s=Machines/ASM2/Status/StateCurrent"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


async def test_the_snapshot_every_state_change_and_sampled_values_are_journaled(
    opcua_plant_shared: OpcUaPlant, engine: Engine,
) -> None:
    binding = LineStatusBinding(line="ASM2", endpoint=opcua_plant_shared.url, nodes=c2m_line_nodes("ASM2"))
    job = job_id()
    async with JournalWriter(engine, interval=0.1) as journal:
        log = EventLog(OpcUaLineStatusSource(binding, journal=journal))
        try:
            await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "snapshot")
            started = time.monotonic()
            async with OpcUaLineControl(opcua_plant_shared.url) as control:
                # 30 units of 6 plant minutes: about 3 wall seconds of progress.
                assert await control.store_and_start("ASM2", job, 30, 600, 360) == CommandStatus.OK
                await log.wait_for(lambda e: e.kind == LineEventKind.JOB_COMPLETED, "job_completed", timeout=30)
                assert await control.clear("ASM2") == CommandStatus.OK
                await log.wait_for(lambda e: e.kind == LineEventKind.STATE_CHANGED
                                   and e.values["state_name"] == "Idle", "idle")
            elapsed = time.monotonic() - started
        finally:
            await log.close()
    messages = list(reversed(adapter_journal.recent(engine, "line", "ASM2", limit=200)))
    assert messages[0].summary.startswith(f"read 15 nodes at {opcua_plant_shared.url}: {STATE_NODE} = ")
    states = [m.summary.split("; ")[0] for m in messages[1:] if m.summary.startswith(STATE_NODE)]
    assert states == [f"{STATE_NODE} = {n} ({name})" for n, name in (
        (3, "Starting"), (6, "Execute"), (16, "Completing"), (17, "Complete"), (4, "Idle"))]
    progress = [m for m in messages[1:] if not m.summary.startswith(STATE_NODE)]
    assert progress, "value changes between the states are journaled too"
    assert len(progress) <= elapsed / 0.5 + 2, f"{len(progress)} value messages in {elapsed:.1f} s: not sampled"
    assert all(m.ok and m.direction == "received" and m.body for m in messages)
