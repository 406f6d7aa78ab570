"""The planner's API on a real stack: the plant scheduler workflow on the dev server, its real activities,
the MES and OPC UA plant simulators, and a SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from adapters.mes import HttpMesAdapter
from orchestrator.api.app import create_app
from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.migrate import upgrade
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.plant import load_plant
from orchestrator.settings import Settings
from tests.fixtures.mes import MesSim, mes_sim  # noqa: F401 - fixtures, used by name
from tests.fixtures.opcua_plant import opcua_plant  # noqa: F401 - fixtures, used by name
from tests.support.auth import ADMIN
from workflows.contracts import (
    PLANT_SCHEDULER_ID,
    BookingRequest,
    ClockSpec,
    OperationSpec,
    SchedulerInput,
    Signals,
    work_order_id,
)
from workflows.scheduler import PlantSchedulerWorkflow, SchedulerActivities, SolverSettings


@dataclass
class Planner:
    """The API client and what the test needs to look behind it."""

    http: httpx.AsyncClient
    engine: Engine
    mes: HttpMesAdapter
    clock: ClockSpec

    async def rows(self, order_id: str) -> dict[str, WorkOrderRow]:
        """The order's work orders by operation id (latest attempt)."""
        rows = await asyncio.to_thread(repo.work_orders_of, self.engine, order_id)
        return {r.op_id: r for r in rows}


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Poll ``check`` every 100 ms until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: not reached within {timeout:.0f} s")


async def _stop_scheduler(client: Client) -> None:
    # The entity id is shared by the whole session: leave none behind, find none from others.
    with contextlib.suppress(Exception):
        await client.get_workflow_handle(PLANT_SCHEDULER_ID).terminate("test isolation")


@pytest.fixture
async def planner(
    tmp_path: Path, temporal_client: Client, task_queue: str, mes_sim: MesSim,  # noqa: F811
) -> AsyncIterator[Planner]:
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    plant_sim = mes_sim.plant
    settings = Settings(
        var_dir=tmp_path, database_url=url, temporal_address=temporal_client.service_client.config.target_host,
        task_queue=task_queue, time_scale=plant_sim.time_scale, clock_epoch=plant_sim.epoch, mes_url=mes_sim.url,
    )
    app = create_app(settings)
    clock = ClockSpec(epoch=plant_sim.epoch, scale=plant_sim.time_scale)
    await _stop_scheduler(temporal_client)
    async with HttpMesAdapter(mes_sim.url, timeout=10.0) as mes:
        acts = SchedulerActivities(app.state.engine, load_plant(settings.plant_file), mes, clock,
                                   SolverSettings(time_limit_seconds=1.0))
        async with (
            Worker(temporal_client, task_queue=task_queue, workflows=[PlantSchedulerWorkflow], activities=acts.all()),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://planner", timeout=15,
                              headers=ADMIN) as http,
        ):
            try:
                yield Planner(http, app.state.engine, mes, clock)
            finally:
                await _stop_scheduler(temporal_client)
    app.state.engine.dispose()


async def _book(client: Client, planner: Planner, task_queue: str) -> str:
    """Book an order (long cutting on FAB1, then assembly waiting for it) as an order workflow would."""
    order_id = f"ORD-{uuid.uuid4().hex[:8].upper()}"
    now = planner.clock.plant_at_now()
    request = BookingRequest(order_id=order_id, release_at=now, due=now + timedelta(hours=48), operations=[
        OperationSpec(op_id="cut_panels", name="cut panels", op_type="sheet_metal", setup_minutes=0,
                      run_minutes_per_unit=120, quantity=5),
        OperationSpec(op_id="assemble", name="assemble", op_type="assembly", setup_minutes=0,
                      run_minutes_per_unit=30, quantity=5, predecessors=["cut_panels"]),
    ])
    await client.start_workflow(
        "PlantScheduler", SchedulerInput(clock=planner.clock), id=PLANT_SCHEDULER_ID, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING, start_signal=Signals.BOOK,
        start_signal_args=[request],
    )

    async def planned() -> bool:
        rows = await planner.rows(order_id)
        return len(rows) == 2 and all(r.planned_start and r.state != "planned" for r in rows.values())

    await eventually(planned, 20, "the booking is planned and released")
    return order_id


async def test_schedule_and_lines_show_plan_and_live_state(
    planner: Planner, temporal_client: Client, task_queue: str
) -> None:
    order_id = await _book(temporal_client, planner, task_queue)
    with planner.engine.begin() as conn:  # what a line monitor writes
        repo.upsert_line_status(conn, {"line": "FAB1", "state": 6, "state_name": "Execute", "unit_mode": 1,
                                       "mach_speed": 30.0, "cur_mach_speed": 30.0,
                                       "job_order_id": work_order_id(order_id, "cut_panels"), "planned_quantity": 5,
                                       "produced_quantity": 1, "defective_quantity": 0, "stop_reason": 0,
                                       "stop_reason_message": "", "at": planner.clock.plant_at_now(),
                                       "connection": "connected", "processed_count": 17})

    schedule = (await planner.http.get("/api/schedule")).json()
    lines = {line["line"]: line for line in schedule["lines"]}
    assert list(lines) == ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]
    cut = next(w for w in lines["FAB1"]["work_orders"] if w["order_id"] == order_id)
    assemble = next(w for w in lines["ASM1"]["work_orders"] if w["order_id"] == order_id)
    assert cut["id"] == work_order_id(order_id, "cut_panels") and cut["op_type"] == "sheet_metal"
    assert assemble["planned_start"] >= cut["planned_end"]
    assert cut["late"] is False and assemble["state"] == "released" and assemble["pinned"] is False

    only = (await planner.http.get("/api/schedule", params={"line": "ASM1"})).json()
    assert [line["line"] for line in only["lines"]] == ["ASM1"]
    missing = await planner.http.get("/api/schedule", params={"line": "NOPE"})
    assert missing.status_code == 404 and "FAB1" in missing.json()["detail"]

    live = {line["line"]: line for line in (await planner.http.get("/api/lines")).json()["lines"]}
    assert live["FAB1"]["state_name"] == "Execute" and live["FAB1"]["connection"] == "connected"
    assert live["FAB1"]["job_order_id"] == cut["id"] and live["FAB1"]["produced_quantity"] == 1
    assert live["ASM1"]["connection"] == "down" and live["ASM1"]["state"] is None, "no report yet"
    assert live["ASM1"]["open_work_orders"] >= 1 and live["ASM2"]["speed_factor"] == 0.8


async def test_planner_commands_reach_the_scheduler(
    planner: Planner, temporal_client: Client, task_queue: str
) -> None:
    order_id = await _book(temporal_client, planner, task_queue)
    cut_id, assemble_id = work_order_id(order_id, "cut_panels"), work_order_id(order_id, "assemble")
    http = planner.http

    # A reschedule makes the scheduler read the floor again: the cutting job is running.
    answer = await http.post("/api/schedule/reschedule", json={"reason": "checking the floor"})
    assert answer.status_code == 202 and answer.json()["command"]["kind"] == "reschedule"

    async def cutting_runs() -> bool:
        return (await planner.rows(order_id))["cut_panels"].state == "running"

    await eventually(cutting_runs, 20, "the running cut recorded after the reschedule")

    refused = await http.post(f"/api/work-orders/{cut_id}/move", json={"line": "SEW1"})
    assert refused.status_code == 409 and "running" in refused.json()["detail"]
    incapable = await http.post(f"/api/work-orders/{assemble_id}/move", json={"line": "PNT1"})
    assert incapable.status_code == 422 and "ASM1, ASM2" in incapable.json()["detail"]
    unknown_line = await http.post(f"/api/work-orders/{assemble_id}/move", json={"line": "XX9"})
    assert unknown_line.status_code == 422
    unknown = await http.post("/api/work-orders/ORD-NOPE.assemble.1/move", json={"line": "ASM2"})
    assert unknown.status_code == 404
    assert (await http.post(f"/api/work-orders/{assemble_id}/priority", json={"priority": -1})).status_code == 422

    moved = await http.post(f"/api/work-orders/{assemble_id}/move", json={"line": "ASM2"})
    assert moved.status_code == 202, moved.text

    async def on_asm2() -> bool:
        row = (await planner.rows(order_id))["assemble"]
        return row.line == "ASM2" and row.pinned_line == "ASM2" and row.mes_line == "ASM2"

    await eventually(on_asm2, 20, "the work order planned on ASM2 and moved at the MES")
    assert (await planner.mes.status(assemble_id)).line == "ASM2"

    rushed = await http.post(f"/api/work-orders/{assemble_id}/priority", json={"priority": 5})
    assert rushed.status_code == 202

    async def rushed_order() -> bool:
        rows = await planner.rows(order_id)
        return all(r.priority == 5 for r in rows.values() if r.state in ("released", "running", "held"))

    await eventually(rushed_order, 20, "the order's open work orders carry priority 5")
    schedule = (await http.get("/api/schedule", params={"line": "ASM2"})).json()
    view = next(w for w in schedule["lines"][0]["work_orders"] if w["id"] == assemble_id)
    assert view["pinned"] is True and view["priority"] == 5
