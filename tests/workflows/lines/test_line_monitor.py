"""The line monitor on the real dev server and the real OPC UA plant simulator (a plant hour per second).

A job started on a line must reach the trail (started, progress, exactly one completion), the line's
status row, its work order row and the order's workflow (a booked order hears only its first start and
its last completion); a fault and an abort must reach the scheduler; and none of it may go through the
monitor workflow's history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client, WorkflowExecutionStatus

from adapters.opcua import OpcUaLineControl
from orchestrator.plant import Plant
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.workflows.lines.helpers import (
    clock_of,
    clock_spec,
    events,
    eventually,
    monitors,
    new_work_order,
    one_line,
    received,
    status,
    wait_for,
    wait_signals,
)
from tests.workflows.lines.probes import ProbeSeen
from workflows.lines import EventKinds, LineMonitorWorkflow, ensure_line_monitors

JOB_KINDS = (EventKinds.WORK_ORDER_STARTED, EventKinds.LINE_PROGRESS, EventKinds.WORK_ORDER_COMPLETED)


def _line_is(engine: Engine, line: str, state_name: str, job: str | None = None, connection: str = "connected"):
    def check() -> bool:
        row = status(engine, line)
        return bool(row and row["state_name"] == state_name and row["connection"] == connection
                    and (job is None or row["job_order_id"] == job))
    return check


def _kinds_of(seen: ProbeSeen, wo: str) -> set[str]:
    return {e.kind for e in seen.work_order_events if e.work_order_id == wo}


async def test_a_job_reaches_the_trail_the_status_row_and_its_order(
    temporal_client: Client, task_queue: str, engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    order_id, wo = new_work_order("weld")
    async with monitors(temporal_client, task_queue, engine, plant, ["FAB1"], shared_sim, scheduler_id) as rig:
        order = await rig.probe(order_id)
        scheduler = await rig.probe(scheduler_id)
        await wait_for(_line_is(engine, "FAB1", "Idle"), "the monitor shows FAB1 idle",
                       explain=lambda: status(engine, "FAB1"))
        async with OpcUaLineControl(shared_sim.url) as lines:
            # 600 s setup + 12 units x 600 s = 7800 plant seconds: a little over two wall seconds.
            assert (await lines.store_and_start("FAB1", wo, 12, 600, 600)).accepted
            await wait_for(_line_is(engine, "FAB1", "Execute", wo), "the status row follows the job",
                           explain=lambda: status(engine, "FAB1"))
            await wait_for(lambda: events(engine, "FAB1", (EventKinds.WORK_ORDER_COMPLETED,), wo),
                           "the completion in the trail", explain=lambda: events(engine, "FAB1"))
            await wait_for(_line_is(engine, "FAB1", "Complete", wo), "the status row shows the job complete")
            assert (await lines.clear("FAB1")).accepted
            await wait_for(_line_is(engine, "FAB1", "Idle"), "the status row shows the line idle again")

        done = status(engine, "FAB1")
        assert done is not None and done["job_order_id"] is None and done["last_message_at"] is not None
        trail = events(engine, "FAB1", JOB_KINDS, wo)
        kinds = [r["kind"] for r in trail]
        assert kinds.count(EventKinds.WORK_ORDER_STARTED) == 1
        assert kinds.count(EventKinds.WORK_ORDER_COMPLETED) == 1
        assert kinds.index(EventKinds.WORK_ORDER_STARTED) < kinds.index(EventKinds.WORK_ORDER_COMPLETED)
        progress = [r["payload"]["produced"] for r in trail if r["kind"] == EventKinds.LINE_PROGRESS]
        assert len(progress) >= 2 and progress == sorted(progress) and progress[-1] == 12
        assert all(r["order_id"] == order_id for r in trail), "job rows carry the order id for the tracker"
        completed = trail[-1]["payload"]
        assert (completed["produced"], completed["op_id"], completed["line"]) == (12, "weld", "FAB1")
        states = [r["payload"]["state_name"] for r in events(engine, "FAB1", (EventKinds.LINE_STATE,))]
        assert "Execute" in states and "Complete" in states and states[-1] == "Idle"

        # An order without stored work orders (a job started by hand) hears every event; the scheduler
        # hears of starts and completions through the work order rows, not signals.
        seen = await wait_signals(order, lambda s: {"started", "completed"} <= _kinds_of(s, wo),
                                  "started and completed signals")
        done_event = next(e for e in seen.work_order_events if e.kind == "completed" and e.work_order_id == wo)
        assert (done_event.work_order_id, done_event.order_id, done_event.produced) == (wo, order_id, 12)
        assert (await received(scheduler)).work_order_events == []

        # Counts and states never pass through the monitor's history: a handful of events only.
        history = await temporal_client.get_workflow_handle(rig.monitor_ids[0]).fetch_history()
        assert len(history.events) < 12, [e.event_type for e in history.events]


async def test_a_hold_fault_reaches_the_scheduler_and_a_missing_order_is_tolerated(
    temporal_client: Client, task_queue: str, sqlite_engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    engine = sqlite_engine
    _order_id, wo = new_work_order("paint")  # no workflow runs for this order: its signals are skipped
    async with monitors(temporal_client, task_queue, engine, plant, ["PNT1"], shared_sim, scheduler_id) as rig:
        scheduler = await rig.probe(scheduler_id)
        await wait_for(_line_is(engine, "PNT1", "Idle"), "the monitor shows PNT1 idle")
        async with OpcUaLineControl(shared_sim.url) as lines:
            assert (await lines.store_and_start("PNT1", wo, 20, 60, 1800)).accepted  # ten wall seconds
            await wait_for(_line_is(engine, "PNT1", "Execute", wo), "the job runs")
            assert (await lines.inject_fault("PNT1", "hold", "powder booth clogged", 0)).accepted

            seen = await wait_signals(scheduler, lambda s: any(e.kind == "fault" for e in s.line_events),
                                      "the fault signal")
            fault = seen.line_events[0]
            assert (fault.line, fault.kind, fault.reason) == ("PNT1", "fault", "powder booth clogged")
            assert fault.expected_recovery == fault.at + timedelta(minutes=60), "PNT1's mean time to repair"
            await wait_for(_line_is(engine, "PNT1", "Held", wo), "the status row shows the hold")
            held = status(engine, "PNT1")
            assert held is not None and held["stop_message"] == "powder booth clogged" and held["stop_reason"]
            assert events(engine, "PNT1", (EventKinds.LINE_FAULT,))[0]["payload"]["reason"] == "powder booth clogged"

            assert (await lines.resume("PNT1")).accepted
            await wait_signals(scheduler, lambda s: [e.kind for e in s.line_events] == ["fault", "recovered"],
                               "the recovery signal")
            assert (await lines.abort("PNT1")).accepted
            await wait_signals(scheduler, lambda s: [e.kind for e in s.work_order_events][-1:] == ["aborted"],
                               "the abort reaches the scheduler")

        kinds = [r["kind"] for r in events(engine, "PNT1", job=wo) if r["kind"].startswith("work_order")]
        assert kinds == ["work_order_started", "work_order_held", "work_order_resumed", "work_order_aborted"]
        seen = await received(scheduler)
        assert [e.kind for e in seen.work_order_events] == ["aborted"], "only an abort asks the scheduler to act"
        assert [e.kind for e in seen.line_events] == ["fault", "recovered"], "an operator's abort is no fault"


async def test_starting_the_monitors_twice_keeps_one_per_line(
    temporal_client: Client, task_queue: str, sqlite_engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    async with monitors(temporal_client, task_queue, sqlite_engine, plant, ["ASM1"], shared_sim, scheduler_id) as rig:
        first = await temporal_client.get_workflow_handle(rig.monitor_ids[0]).describe()
        again = await ensure_line_monitors(temporal_client, one_line(plant, "ASM1"), task_queue,
                                           clock_spec(clock_of(shared_sim)), id_prefix=rig.prefix)
        assert again == rig.monitor_ids
        second = await temporal_client.get_workflow_handle(rig.monitor_ids[0]).describe()
        assert second.run_id == first.run_id and second.status == WorkflowExecutionStatus.RUNNING


async def test_a_line_the_plant_does_not_have_is_reported_not_retried(
    temporal_client: Client, task_queue: str, sqlite_engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    wrong = plant.model_copy(update={"lines": {"FAB9": plant.line("FAB1").model_copy(update={"id": "FAB9"})}})
    async with monitors(temporal_client, task_queue, sqlite_engine, plant, [], shared_sim, scheduler_id) as rig:
        clock = clock_spec(clock_of(shared_sim))
        rig.monitor_ids += await ensure_line_monitors(temporal_client, wrong, task_queue, clock, id_prefix=rig.prefix)
        handle = temporal_client.get_workflow_handle(rig.monitor_ids[0])
        text = await eventually(lambda: handle.query(LineMonitorWorkflow.problem), bool,
                                "the monitor reports its configuration problem")
        assert text is not None and "FAB9" in text and "FAB1" in text, text


async def test_a_node_the_line_server_does_not_have_is_reported_in_the_trail(
    temporal_client: Client, task_queue: str, sqlite_engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    line = plant.line("SEW1")
    status_config = line.status.model_copy(update={"nodes": {"state": "ns=2;s=Machines/SEW1/Status/NoSuchNode"}})
    broken_line = line.model_copy(update={"status": status_config})
    broken = plant.model_copy(update={"lines": {**plant.lines, "SEW1": broken_line}})
    async with monitors(temporal_client, task_queue, sqlite_engine, broken, ["SEW1"], shared_sim, scheduler_id) as rig:
        handle = temporal_client.get_workflow_handle(rig.monitor_ids[0])
        text = await eventually(lambda: handle.query(LineMonitorWorkflow.problem), bool,
                                "the monitor reports the missing node")
        assert text is not None and "NoSuchNode" in text, text
        [row] = events(sqlite_engine, "SEW1", (EventKinds.LINE_CONNECTION,))
        assert row["payload"]["status"] == "down" and "NoSuchNode" in row["payload"]["error"]


async def test_an_idle_monitor_keeps_heartbeating_within_a_short_timeout(
    temporal_client: Client, task_queue: str, sqlite_engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    async with monitors(temporal_client, task_queue, sqlite_engine, plant, ["PCK1"], shared_sim, scheduler_id,
                        heartbeat_timeout=1.0) as rig:
        handle = temporal_client.get_workflow_handle(rig.monitor_ids[0])

        async def pending() -> PendingActivityInfo | None:
            activities = (await handle.describe()).raw_description.pending_activities
            return activities[0] if activities else None

        def beat_for(seconds: float) -> Callable[[PendingActivityInfo | None], bool]:
            def check(info: PendingActivityInfo | None) -> bool:
                if info is None or not info.HasField("last_heartbeat_time"):
                    return False
                alive = info.last_heartbeat_time.ToDatetime() - info.last_started_time.ToDatetime()
                return alive.total_seconds() >= seconds
            return check

        info = await eventually(pending, beat_for(4.0), "four seconds of heartbeats from an idle line")
        assert info is not None and info.attempt == 1, "never timed out, never retried"
