"""Released work orders run on their lines through the real MES and plant simulators."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from adapters.mes import HttpMesAdapter
from orchestrator.ports.mes import WorkOrderConflict, WorkOrderState
from tests.fixtures.mes import MesSim
from tests.integration.mes.helpers import units_processed, wait_for_state, work_order


@pytest.fixture
def sim(mes_sim_shared: MesSim) -> MesSim:
    """The module's MES simulator: its tests use their own ids and leave no job running."""
    return mes_sim_shared


@pytest.fixture
def mes(mes_adapter_shared: HttpMesAdapter) -> HttpMesAdapter:
    """The adapter on the module's MES simulator."""
    return mes_adapter_shared


async def test_released_work_order_runs_on_its_line_and_completes(sim: MesSim, mes: HttpMesAdapter) -> None:
    wo = work_order(sim, "FAB1", units=5)

    [released] = await mes.release([wo])
    assert released.id == wo.id and released.line == "FAB1"
    assert released.state in (WorkOrderState.READY, WorkOrderState.RUNNING)

    done = await wait_for_state(mes, wo.id, WorkOrderState.COMPLETED)
    assert done.produced == wo.quantity
    assert done.defective == 0
    assert done.actual_start is not None and done.actual_end is not None
    assert done.actual_start <= done.actual_end
    assert done.sequence is None


async def test_batch_with_predecessors_runs_in_order_across_two_lines(sim: MesSim, mes: HttpMesAdapter) -> None:
    cut = work_order(sim, "FAB1", units=6)
    paint = work_order(sim, "PNT1", units=2, predecessors=(cut.id,))

    # The successor comes first in the batch: order in the batch must not matter.
    statuses = await mes.release([paint, cut])
    assert [s.id for s in statuses] == [paint.id, cut.id]
    assert statuses[0].state is WorkOrderState.WAITING

    painted = await wait_for_state(mes, paint.id, WorkOrderState.COMPLETED)
    cut_done = await mes.status(cut.id)
    assert cut_done.state is WorkOrderState.COMPLETED
    assert cut_done.actual_end is not None and painted.actual_start is not None
    assert cut_done.actual_end <= painted.actual_start
    assert painted.produced == 2


async def test_repeat_release_is_idempotent_and_changed_content_conflicts(sim: MesSim, mes: HttpMesAdapter) -> None:
    wo = work_order(sim, "ASM1", units=4)  # ASM1 is this test's alone in this module
    units_before = await units_processed(sim.plant.url, "ASM1")

    first, second = await asyncio.gather(mes.release([wo]), mes.release([wo]))
    assert first[0].id == second[0].id == wo.id
    await wait_for_state(mes, wo.id, WorkOrderState.COMPLETED)
    [again] = await mes.release([wo])
    assert again.state is WorkOrderState.COMPLETED and again.produced == 4

    # One job in the MES, run once on the line.
    async with httpx.AsyncClient(base_url=sim.url) as http:
        jobs = (await http.get("/api/v1/job-orders", params={"equipment": "ASM1"})).json()["JobResponses"]
    assert [j["JobOrderID"] for j in jobs].count(wo.id) == 1
    await asyncio.sleep(0.3)  # a second run, if one had been dispatched, would be counting by now
    assert await units_processed(sim.plant.url, "ASM1") - units_before == wo.quantity

    with pytest.raises(WorkOrderConflict, match="different content"):
        await mes.release([wo.model_copy(update={"quantity": 5})])


async def test_pending_work_order_waits_until_released(sim: MesSim, mes: HttpMesAdapter) -> None:
    booked = work_order(sim, "SEW1", units=2, released=False)

    [status] = await mes.release([booked])
    assert status.state is WorkOrderState.WAITING
    await asyncio.sleep(0.5)  # long enough for an idle line to have taken a dispatchable job
    assert (await mes.status(booked.id)).state is WorkOrderState.WAITING

    [status] = await mes.release([booked.model_copy(update={"released": True})])
    assert status.state in (WorkOrderState.READY, WorkOrderState.RUNNING, WorkOrderState.COMPLETED)
    done = await wait_for_state(mes, booked.id, WorkOrderState.COMPLETED)
    assert done.produced == 2


async def test_next_job_loads_right_after_the_line_finishes(sim: MesSim, mes: HttpMesAdapter) -> None:
    first = work_order(sim, "PCK1", units=3)
    second = work_order(sim, "PCK1", units=3, start_offset_minutes=10)
    await mes.release([first, second])

    second_done = await wait_for_state(mes, second.id, WorkOrderState.COMPLETED)
    first_done = await mes.status(first.id)
    assert first_done.actual_end is not None and second_done.actual_start is not None
    idle_wall_seconds = (second_done.actual_start - first_done.actual_end).total_seconds() / sim.plant.time_scale
    # The design asks for ~100 ms; the margin absorbs a loaded test machine.
    assert 0 <= idle_wall_seconds < 0.25, f"line idle for {idle_wall_seconds:.3f} s between jobs"
