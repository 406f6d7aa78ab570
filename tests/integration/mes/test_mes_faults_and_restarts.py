"""Line faults, an MES crash and a plant crash: the MES follows, and no work order is lost."""

from __future__ import annotations

import asyncio

import pytest

from adapters.mes import HttpMesAdapter
from orchestrator.ports.mes import WorkOrderState
from tests.fixtures.mes import MesSim
from tests.integration.mes.helpers import clear_when_complete, wait_for, wait_for_state, work_order


@pytest.fixture
def sim(mes_sim: MesSim) -> MesSim:
    """A fresh plant and MES per test: these tests crash and restart them."""
    return mes_sim


@pytest.fixture
def mes(mes_adapter: HttpMesAdapter) -> HttpMesAdapter:
    """The adapter on the test's MES simulator."""
    return mes_adapter


async def test_injected_hold_shows_held_then_running(sim: MesSim, mes: HttpMesAdapter) -> None:
    wo = work_order(sim, "ASM2", units=80, wall_per_unit=0.05)  # about 4 s of production
    await mes.release([wo])
    await wait_for(mes, wo.id, lambda s: s.produced > 0, "production under way")

    answer = await asyncio.to_thread(sim.inject_fault, "ASM2", "hold", "Material jam", sim.plant_seconds(1.0))
    assert answer == {"EquipmentID": "ASM2", "Status": 0}

    held = await wait_for_state(mes, wo.id, WorkOrderState.HELD, timeout=5)
    assert held.stop_reason == "Material jam"
    produced_while_held = held.produced

    running = await wait_for_state(mes, wo.id, WorkOrderState.RUNNING, timeout=5)
    assert running.stop_reason is None
    done = await wait_for_state(mes, wo.id, WorkOrderState.COMPLETED)
    assert done.produced == wo.quantity > produced_while_held


async def test_mes_crash_mid_queue_loses_no_work_order(sim: MesSim, mes: HttpMesAdapter) -> None:
    cut = work_order(sim, "FAB1", units=20, wall_per_unit=0.05)  # about 1 s
    paint = work_order(sim, "PNT1", units=3, predecessors=(cut.id,))
    assemble = work_order(sim, "ASM1", units=3, predecessors=(paint.id,))
    booked = work_order(sim, "SEW1", units=2, released=False)
    ids = [cut.id, paint.id, assemble.id, booked.id]
    await mes.release([cut, paint, assemble, booked])
    await wait_for_state(mes, cut.id, WorkOrderState.RUNNING)

    await asyncio.to_thread(sim.stop, True)  # SIGKILL: no chance to save anything on the way out
    # While the MES is down the job finishes and an operator clears the line: only the plant's
    # CompletedJobOrders can tell the MES what happened.
    await clear_when_complete(sim.plant.url, "FAB1")
    await asyncio.to_thread(sim.start)

    after = await mes.statuses(ids)
    assert [s.id for s in after] == ids
    assert after[3].state is WorkOrderState.WAITING
    done = await wait_for_state(mes, assemble.id, WorkOrderState.COMPLETED)
    assert done.produced == 3
    finished_cut = await mes.status(cut.id)
    assert finished_cut.state is WorkOrderState.COMPLETED and finished_cut.produced == cut.quantity

    # The booked work order survived the crash too and still runs once released.
    await mes.release([booked.model_copy(update={"released": True})])
    assert (await wait_for_state(mes, booked.id, WorkOrderState.COMPLETED)).produced == 2


async def test_mes_reconnects_after_the_plant_restarts(sim: MesSim, mes: HttpMesAdapter) -> None:
    wo = work_order(sim, "PCK1", units=60, wall_per_unit=0.05)  # about 3 s
    await mes.release([wo])
    await wait_for(mes, wo.id, lambda s: s.produced > 0, "production under way")

    await asyncio.to_thread(sim.plant.restart)  # a plant crash; it resumes the job from its state file

    done = await wait_for_state(mes, wo.id, WorkOrderState.COMPLETED, timeout=20)
    assert done.produced == wo.quantity
    follow_up = work_order(sim, "PCK1", units=2)
    await mes.release([follow_up])
    assert (await wait_for_state(mes, follow_up.id, WorkOrderState.COMPLETED)).produced == 2
