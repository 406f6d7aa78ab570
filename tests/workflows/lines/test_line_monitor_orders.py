"""A booked order hears two things from its lines, whatever its routing: its first start and its last completion.

On the real dev server and OPC UA plant simulator, with the order's work orders stored as the plant
scheduler stores them: two jobs run one after the other on FAB1; the order's probe must receive one
``work_order_event`` (the first start) and one ``production_finished`` naming both operations, the work
order rows must show what the line did, and the scheduler must receive nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from temporalio.client import Client

from adapters.opcua import OpcUaLineControl
from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.plant import Plant
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.workflows.lines.helpers import (
    clock_of,
    events,
    monitors,
    new_work_order,
    received,
    status,
    wait_for,
    wait_signals,
)
from workflows.contracts import work_order_id
from workflows.lines import EventKinds


def _store_booking(engine: Engine, order_id: str, ops: list[str], now_plant: datetime) -> list[str]:
    """Released work orders on FAB1, one per operation, as the plant scheduler stores a booking."""
    rows = []
    for n, op_id in enumerate(ops):
        rows.append(WorkOrderRow(
            id=work_order_id(order_id, op_id), order_id=order_id, op_id=op_id, name=op_id, op_type="welding",
            work_master=f"welding/{op_id}", line="FAB1", state="released", quantity=2, priority=0,
            setup_minutes=1, run_minutes_per_unit=10, predecessors=ops[:n], attempt=1, release_at=now_plant,
            due=now_plant + timedelta(days=1), created_at=repo.stamp(), updated_at=repo.stamp()))
    with engine.begin() as conn:
        repo.insert_work_orders(conn, rows)
    return [r.id for r in rows]


async def test_a_booked_order_hears_its_first_start_and_its_last_completion_only(
    temporal_client: Client, task_queue: str, engine: Engine, plant: Plant, shared_sim: OpcUaPlant,
    scheduler_id: str,
) -> None:
    order_id, _ = new_work_order()
    first, second = _store_booking(engine, order_id, ["cut", "weld"], clock_of(shared_sim).now())
    async with monitors(temporal_client, task_queue, engine, plant, ["FAB1"], shared_sim, scheduler_id) as rig:
        order = await rig.probe(order_id)
        scheduler = await rig.probe(scheduler_id)
        await wait_for(lambda: bool((row := status(engine, "FAB1")) and row["state_name"] == "Idle"),
                       "the monitor shows FAB1 idle")
        async with OpcUaLineControl(shared_sim.url) as lines:
            for job in (first, second):
                # 60 s setup + 2 units x 600 s: about a third of a wall second each.
                assert (await lines.store_and_start("FAB1", job, 2, 60, 600)).accepted
                await wait_for(lambda j=job: bool(events(engine, "FAB1", (EventKinds.WORK_ORDER_COMPLETED,), j)),
                               f"{job} completed in the trail")
                assert (await lines.clear("FAB1")).accepted
                await wait_for(lambda: bool((row := status(engine, "FAB1")) and row["state_name"] == "Idle"),
                               "FAB1 idle again")

        seen = await wait_signals(order, lambda s: bool(s.finished), "the production_finished signal")
        assert [(e.kind, e.work_order_id) for e in seen.work_order_events] == [("started", first)]
        assert [(f.order_id, f.op_ids) for f in seen.finished] == [(order_id, ["cut", "weld"])]
        assert (await received(scheduler)).work_order_events == []

        rows = {r.id: r for r in repo.work_orders_of(engine, order_id)}
        for job in (first, second):
            row = rows[job]
            assert (row.state, row.produced, row.line) == ("completed", 2, "FAB1")
            assert row.actual_start is not None and row.actual_end is not None and row.actual_end > row.actual_start
