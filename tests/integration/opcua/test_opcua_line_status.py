"""The OPC UA line-status adapter against the real plant simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from adapters.opcua import OpcUaLineControl, OpcUaLineStatusSource
from orchestrator.ports.lines import (
    CommandStatus,
    LineEventKind,
    LineStatusBinding,
    LineStatusConfigError,
    LineStatusSource,
    c2m_line_nodes,
)
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.opcua.opcua_helpers import EventLog, connected, job_id, wait_value
from tests.support.ports import free_port

K = LineEventKind


def source(
    url: str, line: str, known: Iterable[str] | None = None, down_after: float = 10.0, backoff_max: float = 5.0
) -> OpcUaLineStatusSource:
    binding = LineStatusBinding(line=line, endpoint=url, nodes=c2m_line_nodes(line))
    return OpcUaLineStatusSource(binding, known_completed=known, down_after=down_after, backoff_max=backoff_max)


async def test_stream_starts_with_a_snapshot_reports_progress_and_one_completion(
    opcua_plant_shared: OpcUaPlant,
) -> None:
    job = job_id()
    src = source(opcua_plant_shared.url, "SEW1")
    assert isinstance(src, LineStatusSource)
    log = EventLog(src)
    try:
        snapshot = await log.wait_for(lambda e: e.kind == K.SNAPSHOT, "snapshot")
        assert log.events[0] is snapshot
        assert snapshot.values["line"] == "SEW1" and snapshot.values["state_name"] == "Idle"
        async with OpcUaLineControl(opcua_plant_shared.url) as control:
            # 12 units of 6 plant minutes: about 1.2 wall seconds, several progress updates.
            assert await control.store_and_start("SEW1", job, 12, 600, 360) == CommandStatus.OK
            done = await log.wait_for(lambda e: e.kind == K.JOB_COMPLETED, "job_completed")
            assert done.job_order_id == job
            assert done.values == {"produced_quantity": 12, "defective_quantity": 0, "planned_quantity": 12}
            assert done.snapshot is not None and done.snapshot.state_name == "Complete"
            assert await control.clear("SEW1") == CommandStatus.OK
            await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state_name"] == "Idle", "idle")
            await asyncio.sleep(0.3)  # time for a duplicate to show up, if there were one
        states = [e.values["state_name"] for e in log.of(K.STATE_CHANGED)]
        assert states == ["Starting", "Execute", "Completing", "Complete", "Idle"]
        produced = [e.values["produced_quantity"] for e in log.of(K.PROGRESS)]
        assert produced == sorted(produced) and produced[-1] == 12
        assert any(0 < n < 12 for n in produced), f"no intermediate progress in {produced}"
        assert [e.job_order_id for e in log.of(K.JOB_COMPLETED)] == [job]
        assert all(e.snapshot is not None and e.snapshot.line == "SEW1" for e in log.events)
    finally:
        await log.close()


async def test_faults_and_aborts_are_reported(opcua_plant_shared: OpcUaPlant) -> None:
    job, aborted = job_id(), job_id()
    log = EventLog(source(opcua_plant_shared.url, "PCK1"))
    try:
        await log.wait_for(lambda e: e.kind == K.SNAPSHOT, "snapshot")
        async with OpcUaLineControl(opcua_plant_shared.url) as control:
            assert await control.store_and_start("PCK1", job, 4, 0, 360) == CommandStatus.OK
            await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state_name"] == "Execute", "Execute")
            assert await control.inject_fault("PCK1", "hold", "Label printer out of labels", 1800) == CommandStatus.OK
            fault = await log.wait_for(lambda e: e.kind == K.FAULT, "fault")
            assert fault.job_order_id == job
            assert fault.values["stop_reason"] == 100
            assert fault.values["stop_reason_message"] == "Label printer out of labels"
            cleared = await log.wait_for(lambda e: e.kind == K.FAULT_CLEARED, "fault_cleared")
            assert cleared.values["previous_stop_reason"] == 100
            await log.wait_for(lambda e: e.kind == K.JOB_COMPLETED, "job_completed")
            assert await control.clear("PCK1") == CommandStatus.OK

            assert await control.store_and_start("PCK1", aborted, 100, 0, 360) == CommandStatus.OK
            await log.wait_for(lambda e: e.kind == K.PROGRESS and e.job_order_id == aborted, "progress")
            assert await control.inject_fault("PCK1", "abort", "Conveyor motor burnt") == CommandStatus.OK
            gone = await log.wait_for(lambda e: e.kind == K.JOB_ABORTED, "job_aborted")
            assert gone.job_order_id == aborted
            assert gone.values["stop_reason_message"] == "Conveyor motor burnt"
            assert await control.clear("PCK1") == CommandStatus.OK
            await log.wait_for(lambda e: e.kind == K.FAULT_CLEARED and e.job_order_id is None, "cleared by Clear")
        held = [e.values["state_name"] for e in log.of(K.STATE_CHANGED)]
        assert held[:5] == ["Starting", "Execute", "Holding", "Held", "Unholding"]
        assert [e.job_order_id for e in log.of(K.JOB_COMPLETED)] == [job]
        assert len(log.of(K.JOB_ABORTED)) == 1
    finally:
        await log.close()


async def test_known_completed_jobs_decide_what_a_new_stream_reports(opcua_plant_shared: OpcUaPlant) -> None:
    job = job_id()
    async with OpcUaLineControl(opcua_plant_shared.url) as control, connected(opcua_plant_shared.url) as client:
        assert await control.store_and_start("FAB1", job, 2, 0, 60) == CommandStatus.OK
        await wait_value(client, "FAB1", "completed_job_orders", lambda jobs: job in jobs)
        assert await control.clear("FAB1") == CommandStatus.OK

    # A monitor that missed the completion (it knows nothing yet) is told about it once.
    missed = EventLog(source(opcua_plant_shared.url, "FAB1", known=set()))
    # One that knows it, or that takes history as known, is not told again.
    knows = EventLog(source(opcua_plant_shared.url, "FAB1", known={job}))
    history = EventLog(source(opcua_plant_shared.url, "FAB1", known=None))
    try:
        done = await missed.wait_for(lambda e: e.kind == K.JOB_COMPLETED, "job_completed")
        assert done.job_order_id == job and done.values == {}  # the line no longer shows its counts
        for log in (knows, history):
            await log.wait_for(lambda e: e.kind == K.SNAPSHOT, "snapshot")
        await asyncio.sleep(0.3)
        assert [e.job_order_id for e in missed.of(K.JOB_COMPLETED)] == [job]
        assert knows.of(K.JOB_COMPLETED) == [] and history.of(K.JOB_COMPLETED) == []
    finally:
        for log in (missed, knows, history):
            await log.close()


async def test_an_unreachable_line_is_reconnecting_then_down() -> None:
    log = EventLog(source(f"opc.tcp://127.0.0.1:{free_port()}/", "FAB1", down_after=0.5, backoff_max=0.2))
    try:
        first = await log.wait_for(lambda e: True, "any event")
        assert first.kind == K.CONNECTION and first.values["status"] == "reconnecting"
        assert first.snapshot is None and "error" in first.values
        down = await log.wait_for(lambda e: e.values.get("status") == "down", "down", timeout=5)
        assert down.kind == K.CONNECTION
    finally:
        await log.close()
    assert [e.values["status"] for e in log.events] == ["reconnecting", "down"]


async def test_a_mapping_to_missing_nodes_is_a_configuration_error(opcua_plant_shared: OpcUaPlant) -> None:
    nodes = {**c2m_line_nodes("FAB1"), "produced_quantity": "ns=2;s=Machines/FAB1/JobOrder/Produced"}
    src = OpcUaLineStatusSource(LineStatusBinding(line="FAB1", endpoint=opcua_plant_shared.url, nodes=nodes))
    missing = r"no node for produced_quantity \(ns=2;s=Machines/FAB1/JobOrder/Produced\)"
    with pytest.raises(LineStatusConfigError, match=missing):
        async for _ in src.events():
            pass
    wrong_ns = {**c2m_line_nodes("FAB1"), "state": "nsu=urn:acme:nothing;s=State"}
    src = OpcUaLineStatusSource(LineStatusBinding(line="FAB1", endpoint=opcua_plant_shared.url, nodes=wrong_ns))
    with pytest.raises(LineStatusConfigError, match="no namespace 'urn:acme:nothing'"):
        async for _ in src.events():
            pass
