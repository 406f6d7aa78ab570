"""The Sparkplug line-status adapter against the plant simulator's publisher on the real Mosquitto.

Births give the snapshot, DDATA the changes, a lost message (seq gap) a rebirth that restores the
values, and a publisher restart (NDEATH, then new births) a reconnection that still reports the job
that completed while the line was out of sight.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.opcua import OpcUaLineControl
from adapters.sparkplug import make_line_control, make_line_status_source
from orchestrator.ports.lines import CommandStatus, ConnectionStatus, LineEventKind
from tests.integration.opcua.opcua_helpers import EventLog, job_id
from tests.integration.sparkplug.conftest import PrivateBroker, SparkplugPlant, plant_publishing

COMPLETE, IDLE = 17, 4


def _completed(job: str) -> object:
    return lambda e: e.kind == LineEventKind.JOB_COMPLETED and e.job_order_id == job


async def _run_job_over_opcua(plant: SparkplugPlant, line: str, job: str, quantity: int = 3) -> None:
    async with OpcUaLineControl(plant.opcua_url) as control:
        assert await control.store_and_start(line, job, quantity, 60, 60) == CommandStatus.OK


async def test_birth_gives_the_current_values(sparkplug_plant: SparkplugPlant) -> None:
    job = job_id()
    await _run_job_over_opcua(sparkplug_plant, "FAB1", job)
    log = EventLog(make_line_status_source(sparkplug_plant.settings, "FAB1"))
    try:
        # The job may still be running when the stream starts; the snapshot is whatever the birth says.
        snapshot = await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "a snapshot")
        before = log.events[: log.events.index(snapshot)]
        assert all(e.kind == LineEventKind.CONNECTION for e in before)  # the contract: only those may precede
        assert snapshot.snapshot is not None and snapshot.snapshot.line == "FAB1"
        assert snapshot.snapshot.job_order_id == job and snapshot.snapshot.planned_quantity == 3
        await log.wait_for(_completed(job), "the job's completion", timeout=10)
        state = await log.wait_for(
            lambda e: e.snapshot is not None and e.snapshot.state == COMPLETE, "state Complete", timeout=10
        )
        assert state.snapshot is not None and state.snapshot.produced_quantity == 3
        assert sparkplug_plant.sim.nodes["FAB1"].shown["state"] == COMPLETE  # OPC UA shows the same
    finally:
        await log.close()


async def test_changes_arrive_as_events_and_commands_go_over_dcmd(sparkplug_plant: SparkplugPlant) -> None:
    log = EventLog(make_line_status_source(sparkplug_plant.settings, "PCK1"))
    control = make_line_control(sparkplug_plant.settings)
    job = job_id()
    try:
        first = await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "a snapshot")
        assert first.snapshot is not None and first.snapshot.state == IDLE
        assert await control.store_and_start("PCK1", job, 3, 60, 60) == CommandStatus.OK
        assert await control.store_and_start("PCK1", job, 3, 60, 60) == CommandStatus.OK  # idempotent
        await log.wait_for(_completed(job), "the job's completion", timeout=10)
        names = [e.values["state_name"] for e in log.of(LineEventKind.STATE_CHANGED) if e.job_order_id == job]
        assert names[:2] == ["Starting", "Execute"] and names[-2:] == ["Completing", "Complete"], names
        progress = [e.values["produced_quantity"] for e in log.of(LineEventKind.PROGRESS) if e.job_order_id == job]
        assert progress and progress[-1] == 3 and progress == sorted(progress)
        assert len([e for e in log.of(LineEventKind.JOB_COMPLETED) if e.job_order_id == job]) == 1
        assert await control.pause("PCK1") == CommandStatus.NOT_ALLOWED  # the answer is the line's
        assert await control.clear("PCK1") == CommandStatus.OK
        await log.wait_for(
            lambda e: e.kind == LineEventKind.STATE_CHANGED and e.values["state"] == IDLE, "back to Idle"
        )
        assert sparkplug_plant.sim.machines["PCK1"].r.state == IDLE
    finally:
        await control.close()
        await log.close()


async def test_a_seq_gap_asks_for_a_rebirth_and_restores_the_values(sparkplug_plant: SparkplugPlant) -> None:
    source = make_line_status_source(sparkplug_plant.settings, "FAB1")
    log = EventLog(source)
    job = job_id()
    try:
        await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "a snapshot")
        asked_before = source.rebirths_requested
        births_before = sparkplug_plant.publisher.node.births_published  # type: ignore[union-attr]
        sparkplug_plant.publisher.node.lose_next_message()  # type: ignore[union-attr]
        await _run_job_over_opcua(sparkplug_plant, "FAB1", job)
        await log.wait_for(_completed(job), "the job's completion despite the lost message", timeout=10)
        assert source.gaps_seen >= 1
        assert source.rebirths_requested > asked_before
        assert sparkplug_plant.publisher.node.births_published > births_before  # type: ignore[union-attr]
        final = await log.wait_for(
            lambda e: e.snapshot is not None and e.snapshot.state == COMPLETE and e.snapshot.produced_quantity == 3,
            "the restored values",
        )
        assert final.snapshot is not None and job in (final.snapshot.completed_job_orders or ())
        # No reconnection and no second snapshot: a gap is mended in place.
        assert len(log.of(LineEventKind.SNAPSHOT)) == 1 and not log.of(LineEventKind.CONNECTION)
        assert len([e for e in log.of(LineEventKind.JOB_COMPLETED) if e.job_order_id == job]) == 1
    finally:
        await log.close()


async def test_a_publisher_restart_restores_the_state_and_the_missed_completion(
    sparkplug_plant: SparkplugPlant,
) -> None:
    log = EventLog(make_line_status_source(sparkplug_plant.settings, "FAB1"))
    job = job_id()
    try:
        await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "a snapshot")
        await sparkplug_plant.stop_publisher()  # NDEATH
        await log.wait_for(
            lambda e: e.kind == LineEventKind.CONNECTION and e.values["status"] == ConnectionStatus.RECONNECTING,
            "reconnecting after the NDEATH",
        )
        await _run_job_over_opcua(sparkplug_plant, "FAB1", job)  # completes while nobody publishes
        machine = sparkplug_plant.sim.machines["FAB1"]
        for _ in range(200):
            if machine.r.state == COMPLETE:
                break
            await asyncio.sleep(0.05)
        assert machine.r.state == COMPLETE, "the job did not complete on the simulator"
        assert not log.of(LineEventKind.JOB_COMPLETED)
        await sparkplug_plant.start_publisher()  # new session: NBIRTH with the next bdSeq, DBIRTHs
        done = await log.wait_for(_completed(job), "the completion missed during the outage", timeout=10)
        kinds = [e.kind for e in log.events]
        connected_at = next(
            i for i, e in enumerate(log.events)
            if e.kind == LineEventKind.CONNECTION and e.values["status"] == ConnectionStatus.CONNECTED
        )
        assert kinds[connected_at + 1] == LineEventKind.SNAPSHOT
        assert log.events.index(done) > connected_at
        assert done.snapshot is not None and done.snapshot.state == COMPLETE and done.snapshot.produced_quantity == 3
        assert len(log.of(LineEventKind.JOB_COMPLETED)) == 1
    finally:
        await log.close()


async def test_a_broker_restart_is_a_reconnection_and_loses_no_completion(
    private_broker: PrivateBroker, tmp_path: Path
) -> None:
    async with plant_publishing(tmp_path, private_broker.port) as plant:
        log = EventLog(make_line_status_source(plant.settings, "FAB1"))
        job = job_id()
        try:
            await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "a snapshot")
            private_broker.stop()
            await log.wait_for(
                lambda e: e.kind == LineEventKind.CONNECTION and e.values["status"] == ConnectionStatus.RECONNECTING,
                "reconnecting after the broker went away",
            )
            await _run_job_over_opcua(plant, "FAB1", job)  # completes while the broker is down
            private_broker.start()
            done = await log.wait_for(_completed(job), "the completion missed during the outage", timeout=20)
            assert done.snapshot is not None and done.snapshot.state == COMPLETE
            statuses = [e.values["status"] for e in log.of(LineEventKind.CONNECTION)]
            assert statuses[0] == ConnectionStatus.RECONNECTING and ConnectionStatus.CONNECTED in statuses
            assert len(log.of(LineEventKind.SNAPSHOT)) == 2
            assert len(log.of(LineEventKind.JOB_COMPLETED)) == 1
        finally:
            await log.close()


async def test_a_gap_the_node_does_not_mend_becomes_a_reconnection(sparkplug_plant: SparkplugPlant) -> None:
    source = make_line_status_source(sparkplug_plant.settings, "PCK1")
    log = EventLog(source)
    node = sparkplug_plant.publisher.node  # type: ignore[union-attr]
    job = job_id()
    try:
        await log.wait_for(lambda e: e.kind == LineEventKind.SNAPSHOT, "a snapshot")
        rebirth = node.rebirth
        node.rebirth = lambda: None  # type: ignore[method-assign]  # the node ignores rebirth requests
        node.lose_next_message()
        await _run_job_over_opcua(sparkplug_plant, "PCK1", job)
        lost = await log.wait_for(
            lambda e: e.kind == LineEventKind.CONNECTION and e.values["status"] == ConnectionStatus.RECONNECTING,
            "reconnecting: the values cannot be trusted", timeout=10,
        )
        assert "rebirth" in lost.values["error"]
        asked = source.rebirths_requested
        node.rebirth = rebirth  # type: ignore[method-assign]  # the node answers again: the adapter keeps asking
        await log.wait_for(_completed(job), "the completion after the rebirth", timeout=10)
        assert source.rebirths_requested > asked
        assert len(log.of(LineEventKind.SNAPSHOT)) == 2
    finally:
        await log.close()
