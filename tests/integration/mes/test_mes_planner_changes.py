"""A planner's changes through the adapter: withdraw, move and resequence against the real simulators.

Jobs are held back from starting by a *pending* predecessor on another line, so the tests decide
when they may run instead of racing the dispatcher.
"""

from __future__ import annotations

import pytest

from adapters.mes import HttpMesAdapter
from orchestrator.ports.mes import WorkOrderConflict, WorkOrderState
from tests.fixtures.mes import MesSim
from tests.integration.mes.helpers import wait_for, wait_for_state, work_order


@pytest.fixture
def sim(mes_sim_shared: MesSim) -> MesSim:
    """The module's MES simulator: its tests use their own ids and leave no job running."""
    return mes_sim_shared


@pytest.fixture
def mes(mes_adapter_shared: HttpMesAdapter) -> HttpMesAdapter:
    """The adapter on the module's MES simulator."""
    return mes_adapter_shared


async def test_withdraw_of_a_waiting_work_order(sim: MesSim, mes: HttpMesAdapter) -> None:
    gate = work_order(sim, "FAB1", units=1, released=False)
    wo = work_order(sim, "ASM1", units=2, predecessors=(gate.id,))
    await mes.release([gate, wo])

    withdrawn = await mes.withdraw(wo.id)
    assert withdrawn.state is WorkOrderState.WITHDRAWN
    assert (await mes.withdraw(wo.id)).state is WorkOrderState.WITHDRAWN  # a repeat is harmless

    # Its predecessor completing must not bring it back.
    await mes.release([gate.model_copy(update={"released": True})])
    await wait_for_state(mes, gate.id, WorkOrderState.COMPLETED)
    after = await mes.status(wo.id)
    assert after.state is WorkOrderState.WITHDRAWN and after.actual_start is None


async def test_withdraw_of_a_running_work_order_is_refused_unless_stopped(sim: MesSim, mes: HttpMesAdapter) -> None:
    long_job = work_order(sim, "PCK1", units=200, wall_per_unit=0.05)  # about 10 s
    await mes.release([long_job])
    await wait_for(mes, long_job.id, lambda s: s.produced > 0, "production under way")

    with pytest.raises(WorkOrderConflict, match="stop_if_running"):
        await mes.withdraw(long_job.id)
    assert (await mes.status(long_job.id)).state is WorkOrderState.RUNNING

    stopped = await mes.withdraw(long_job.id, stop_if_running=True)
    assert stopped.state is WorkOrderState.ABORTED
    assert stopped.stop_reason == "withdrawn while running"
    assert 0 < stopped.produced < long_job.quantity

    # The MES cleared the line: the next job on it runs.
    follow_up = work_order(sim, "PCK1", units=2)
    await mes.release([follow_up])
    assert (await wait_for_state(mes, follow_up.id, WorkOrderState.COMPLETED)).produced == 2
    assert (await mes.status(long_job.id)).state is WorkOrderState.ABORTED


async def test_move_to_another_line_before_start(sim: MesSim, mes: HttpMesAdapter) -> None:
    gate = work_order(sim, "FAB1", units=1, released=False)
    wo = work_order(sim, "ASM1", units=3, predecessors=(gate.id,))
    await mes.release([gate, wo])

    moved = await mes.move(wo.id, "ASM2")
    assert moved.line == "ASM2" and moved.state is WorkOrderState.WAITING

    await mes.release([gate.model_copy(update={"released": True})])
    done = await wait_for_state(mes, wo.id, WorkOrderState.COMPLETED)
    assert done.line == "ASM2" and done.produced == 3

    # Releasing the original again is still a harmless repeat; moving a finished job is refused.
    [repeat] = await mes.release([wo])
    assert repeat.line == "ASM2" and repeat.state is WorkOrderState.COMPLETED
    with pytest.raises(WorkOrderConflict):
        await mes.move(wo.id, "ASM1")


async def test_resequence_changes_which_work_order_runs_first(sim: MesSim, mes: HttpMesAdapter) -> None:
    gate = work_order(sim, "FAB1", units=1, released=False)
    # By planned start, first would run before second.
    first = work_order(sim, "SEW1", units=3, predecessors=(gate.id,), start_offset_minutes=0)
    second = work_order(sim, "SEW1", units=3, predecessors=(gate.id,), start_offset_minutes=30)
    await mes.release([gate, first, second])
    assert [s.sequence for s in await mes.statuses([first.id, second.id])] == [1, 2]

    queue = await mes.resequence("SEW1", [second.id])
    assert [(s.id, s.sequence) for s in queue] == [(second.id, 1), (first.id, 2)]

    await mes.release([gate.model_copy(update={"released": True})])
    first_done = await wait_for_state(mes, first.id, WorkOrderState.COMPLETED)
    second_done = await mes.status(second.id)
    assert second_done.state is WorkOrderState.COMPLETED
    assert second_done.actual_end is not None and first_done.actual_start is not None
    assert second_done.actual_end <= first_done.actual_start
