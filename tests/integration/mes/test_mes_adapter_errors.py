"""The adapter turns the MES's refusals and absence into the port's typed errors."""

from __future__ import annotations

import pytest

from adapters.mes import HttpMesAdapter
from orchestrator.ports.mes import (
    MesUnavailable,
    WorkOrderConflict,
    WorkOrderNotFound,
    WorkOrderRejected,
    WorkOrderState,
)
from tests.fixtures.mes import MesSim
from tests.integration.mes.helpers import new_id, work_order
from tests.support.ports import free_port


@pytest.fixture
def sim(mes_sim_shared: MesSim) -> MesSim:
    """The module's MES simulator: its tests use their own ids and leave no job running."""
    return mes_sim_shared


@pytest.fixture
def mes(mes_adapter_shared: HttpMesAdapter) -> HttpMesAdapter:
    """The adapter on the module's MES simulator."""
    return mes_adapter_shared


async def test_refusals_map_to_typed_errors(sim: MesSim, mes: HttpMesAdapter) -> None:
    with pytest.raises(WorkOrderRejected, match="not a line of this plant"):
        await mes.release([work_order(sim, "NOPE1")])

    with pytest.raises(WorkOrderRejected, match="predecessor"):
        await mes.release([work_order(sim, "ASM1", predecessors=("never-sent",))])

    missing = new_id("missing")
    with pytest.raises(WorkOrderNotFound) as not_found:
        await mes.status(missing)
    assert not_found.value.work_order_id == missing
    with pytest.raises(WorkOrderNotFound):
        await mes.withdraw(missing)

    gate = work_order(sim, "FAB1", released=False)
    wo = work_order(sim, "ASM1", predecessors=(gate.id,))
    await mes.release([gate, wo])
    with pytest.raises(WorkOrderRejected, match="not a line"):
        await mes.move(wo.id, "NOPE1")
    with pytest.raises(WorkOrderRejected, match="is on line ASM1"):
        await mes.resequence("ASM2", [wo.id])
    with pytest.raises(WorkOrderConflict, match="already Released"):
        await mes.release([wo.model_copy(update={"released": False})])

    # A refused batch is refused whole: the good work order in it was not taken either.
    good = work_order(sim, "ASM2", predecessors=(gate.id,))
    with pytest.raises(WorkOrderRejected):
        await mes.release([good, work_order(sim, "NOPE1")])
    assert await mes.statuses([good.id, wo.id, missing]) == [await mes.status(wo.id)]
    assert (await mes.status(wo.id)).state is WorkOrderState.WAITING


async def test_an_unreachable_mes_is_unavailable() -> None:
    async with HttpMesAdapter(f"http://127.0.0.1:{free_port()}", timeout=2.0) as mes:
        with pytest.raises(MesUnavailable, match="cannot reach the MES"):
            await mes.status("anything")
