"""The line monitor survives the death of its worker and a crash of the plant simulator.

The worker runs in a child process (as in production) and is killed with SIGKILL: Temporal notices the
missing heartbeat and starts the monitor's next attempt on a second worker. The completion that
happened while no monitor ran is still recorded, exactly once, and signalled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

from asyncua import Client as UaClient
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from adapters.opcua import OpcUaLineControl
from orchestrator.plant import PackMLState, Plant
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.support.processes import running
from tests.workflows.lines.helpers import (
    clock_of,
    clock_spec,
    events,
    eventually,
    monitors,
    new_work_order,
    one_line,
    status,
    wait_for,
    wait_signals,
)
from tests.workflows.lines.probes import SignalProbeWorkflow
from workflows.lines import EventKinds, ensure_line_monitors

HEARTBEAT_TIMEOUT = 3.0  # seconds a dead worker holds the monitor


def _worker(env: WorkflowEnvironment, task_queue: str, db_url: str, sim: OpcUaPlant, scheduler_id: str,
            directory: Path, name: str) -> AbstractContextManager[Popen]:
    ready = directory / f"{name}.ready"
    args = [
        "-m", "tests.workflows.lines.worker_process",
        "--temporal", env.client.service_client.config.target_host, "--task-queue", task_queue,
        "--database-url", db_url, "--opcua-url", sim.url, "--epoch", str(sim.epoch),
        "--time-scale", str(sim.time_scale), "--scheduler-id", scheduler_id, "--ready-file", str(ready),
    ]
    return running(args, ready.exists, f"line monitor worker {name}", timeout=30,
                   log_path=directory / f"{name}.log")


def _count(engine: Engine, line: str, kind: str, wo: str) -> int:
    return len(events(engine, line, (kind,), wo))


async def _line_state(url: str, line: str) -> int:
    async with UaClient(url, timeout=5) as client:
        node = client.get_node(f"ns=2;s=Machines/{line}/Status/StateCurrent")
        return int(await node.read_value())


def _connected(engine: Engine, line: str) -> Callable[[], bool]:
    def check() -> bool:
        row = status(engine, line)
        return bool(row and row["connection"] == "connected")
    return check


def _iter_kinds(engine: Engine, line: str, wo: str) -> Iterator[str]:
    return (r["kind"] for r in events(engine, line, job=wo) if r["kind"].startswith("work_order"))


async def test_a_killed_worker_hands_the_monitor_over_and_the_completion_is_recorded_once(
    temporal_env: WorkflowEnvironment, temporal_client: Client, task_queue: str, sqlite_url: str,
    sqlite_engine: Engine, plant: Plant, plant_sim: OpcUaPlant, scheduler_id: str, tmp_path: Path,
) -> None:
    engine, line = sqlite_engine, "ASM1"
    order_id, wo = new_work_order("assemble")
    probe_queue = f"{task_queue}-probes"
    prefix = f"line-monitor-{uuid.uuid4().hex[:8]}-"
    async with Worker(temporal_client, task_queue=probe_queue, workflows=[SignalProbeWorkflow]):
        order = await temporal_client.start_workflow(SignalProbeWorkflow.run, id=order_id, task_queue=probe_queue)
        scheduler = await temporal_client.start_workflow(SignalProbeWorkflow.run, id=scheduler_id,
                                                         task_queue=probe_queue)
        try:
            with _worker(temporal_env, task_queue, sqlite_url, plant_sim, scheduler_id, tmp_path, "a") as first:
                [monitor_id] = await ensure_line_monitors(
                    temporal_client, one_line(plant, line), task_queue, clock_spec(clock_of(plant_sim)),
                    heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT, id_prefix=prefix,
                )
                await wait_for(_connected(engine, line), "worker a follows the line")
                async with OpcUaLineControl(plant_sim.url) as lines:
                    # 60 s setup + 8 units x 1200 s: under three wall seconds.
                    assert (await lines.store_and_start(line, wo, 8, 60, 1200)).accepted
                await wait_for(lambda: _count(engine, line, EventKinds.WORK_ORDER_STARTED, wo), "the start")
                first.kill()
                first.wait(timeout=10)

            # The job finishes while no monitor runs.
            await eventually(lambda: _line_state(plant_sim.url, line), lambda s: s == PackMLState.COMPLETE,
                             "the job completes on the line")
            assert _count(engine, line, EventKinds.WORK_ORDER_COMPLETED, wo) == 0

            with _worker(temporal_env, task_queue, sqlite_url, plant_sim, scheduler_id, tmp_path, "b"):
                await wait_for(lambda: _count(engine, line, EventKinds.WORK_ORDER_COMPLETED, wo),
                               "worker b records the completion", timeout=40,
                               explain=lambda: (tmp_path / "b.log").read_text()[-3000:])
                await wait_signals(order, lambda s: any(e.kind == "completed" for e in s.work_order_events),
                                   "the completion signal")
                description = await temporal_client.get_workflow_handle(monitor_id).describe()
                [pending] = description.raw_description.pending_activities
                assert pending.attempt >= 2, "the monitor's next attempt runs on worker b"
                await temporal_client.get_workflow_handle(monitor_id).terminate("test over")
        finally:
            for handle in (order, scheduler):
                await handle.terminate("test over")

    assert list(_iter_kinds(engine, line, wo)) == ["work_order_started", "work_order_completed"]
    completed = events(engine, line, (EventKinds.WORK_ORDER_COMPLETED,), wo)[0]["payload"]
    assert completed["produced"] == 8 and completed["order_id"] == order_id


async def test_a_simulator_crash_mid_job_loses_no_completion(
    temporal_client: Client, task_queue: str, sqlite_engine: Engine, plant: Plant, plant_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    engine, line = sqlite_engine, "SEW1"
    order_id, wo = new_work_order("sew")
    async with monitors(temporal_client, task_queue, engine, plant, [line], plant_sim, scheduler_id) as rig:
        order = await rig.probe(order_id)
        await wait_for(_connected(engine, line), "the monitor follows the line")
        async with OpcUaLineControl(plant_sim.url) as lines:
            # 60 s setup + 12 units x 1200 s: about four wall seconds of work.
            assert (await lines.store_and_start(line, wo, 12, 60, 1200)).accepted
        await wait_for(lambda: any(r["payload"]["produced"] >= 2 for r in events(
            engine, line, (EventKinds.LINE_PROGRESS,), wo)), "some progress")
        plant_sim.restart(kill=True)  # a crash: the job resumes from the simulator's last save
        await wait_for(lambda: _count(engine, line, EventKinds.WORK_ORDER_COMPLETED, wo),
                       "the completion after the restart", timeout=40, explain=lambda: events(engine, line)[-5:])
        await wait_signals(order, lambda s: [e.kind for e in s.work_order_events] == ["started", "completed"],
                           "the order hears of the start and the completion once each")
        await wait_for(_connected(engine, line), "the status row shows the link back")

    assert list(_iter_kinds(engine, line, wo)) == ["work_order_started", "work_order_completed"]
    links = [r["payload"]["status"] for r in events(engine, line, (EventKinds.LINE_CONNECTION,))]
    assert links[0] == "connected" and "reconnecting" in links and links[-1] == "connected", links
