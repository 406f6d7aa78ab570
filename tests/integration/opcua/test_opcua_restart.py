"""A simulator crash mid-job: the simulator resumes from its state file, the stream reconnects by
itself, and the job's completion is reported exactly once."""

from __future__ import annotations

import asyncio

from adapters.opcua import OpcUaLineControl, OpcUaLineStatusSource
from orchestrator.ports.lines import CommandStatus, LineEventKind, LineStatusBinding, c2m_line_nodes
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.opcua.opcua_helpers import EventLog, connected, job_id, read, wait_value

K = LineEventKind


def source(plant: OpcUaPlant, line: str) -> OpcUaLineStatusSource:
    binding = LineStatusBinding(line=line, endpoint=plant.url, nodes=c2m_line_nodes(line))
    return OpcUaLineStatusSource(binding, backoff_initial=0.1, backoff_max=0.5)


async def test_a_crash_mid_job_loses_no_completion_and_repeats_none(opcua_plant: OpcUaPlant) -> None:
    job = job_id()
    log = EventLog(source(opcua_plant, "ASM1"))
    try:
        await log.wait_for(lambda e: e.kind == K.SNAPSHOT, "snapshot")
        async with OpcUaLineControl(opcua_plant.url) as control:
            # 30 units of 6 plant minutes: 3 wall seconds of work.
            assert await control.store_and_start("ASM1", job, 30, 0, 360) == CommandStatus.OK
        await log.wait_for(lambda e: e.kind == K.PROGRESS and e.values["produced_quantity"] >= 5, "5 units")

        await asyncio.to_thread(opcua_plant.restart)  # SIGKILL, then start again on the same state file

        back = await log.wait_for(lambda e: e.kind == K.CONNECTION and e.values["status"] == "connected", "reconnect")
        position = log.events.index(back)
        lost = next(e for e in log.events if e.kind == K.CONNECTION and e.values["status"] == "reconnecting")
        seen = log.events[: log.events.index(lost)]
        before = max(e.values["produced_quantity"] for e in seen if e.kind == K.PROGRESS)
        assert before < 30, "the job finished before the crash: make it longer"
        resumed = log.events[position + 1]
        assert resumed.kind == K.SNAPSHOT
        assert resumed.values["job_order_id"] == job
        # Saved before shown: the restarted line is never behind what clients saw.
        assert resumed.values["produced_quantity"] >= before
        assert resumed.values["state_name"] in ("Execute", "Completing", "Complete")

        done = await log.wait_for(lambda e: e.kind == K.JOB_COMPLETED, "job_completed", timeout=20)
        assert done.job_order_id == job and done.values["produced_quantity"] == 30
        await asyncio.sleep(0.5)
        assert [e.job_order_id for e in log.of(K.JOB_COMPLETED)] == [job]
    finally:
        await log.close()
    assert "ready at" in opcua_plant.log()


async def test_completed_jobs_survive_a_restart_and_are_not_reported_again(opcua_plant: OpcUaPlant) -> None:
    job = job_id()
    async with OpcUaLineControl(opcua_plant.url) as control, connected(opcua_plant.url) as client:
        assert await control.store_and_start("PNT1", job, 3, 0, 60) == CommandStatus.OK
        await wait_value(client, "PNT1", "completed_job_orders", lambda jobs: job in jobs)
    log = EventLog(source(opcua_plant, "PNT1"))
    try:
        await log.wait_for(lambda e: e.kind == K.SNAPSHOT, "snapshot")
        await asyncio.to_thread(opcua_plant.restart, False)  # a clean stop (SIGTERM) this time
        await log.wait_for(lambda e: e.kind == K.CONNECTION and e.values["status"] == "connected", "reconnect")
        async with OpcUaLineControl(opcua_plant.url) as control, connected(opcua_plant.url) as client:
            assert await read(client, "PNT1", "completed_job_orders") == [job]
            assert await read(client, "PNT1", "state") == 17  # still Complete, waiting for Clear
            assert await read(client, "PNT1", "produced_quantity") == 3
            assert await control.clear("PNT1") == CommandStatus.OK
            # Retrying the start of a finished job after the restart does not run it again.
            assert await control.store_and_start("PNT1", job, 3, 0, 60) == CommandStatus.OK
            assert await read(client, "PNT1", "state") == 4
        await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state_name"] == "Idle", "idle")
        assert log.of(K.JOB_COMPLETED) == []
    finally:
        await log.close()
