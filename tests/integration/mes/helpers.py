"""Work orders sized in wall seconds, and bounded polling of their status through the adapter."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from asyncua import Client, Node

from adapters.mes import HttpMesAdapter
from orchestrator.ports.mes import WorkOrder, WorkOrderState, WorkOrderStatus
from tests.fixtures.mes import MesSim


def new_id(prefix: str = "wo") -> str:
    """A work order id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def work_order(
    sim: MesSim,
    line: str,
    *,
    units: int = 3,
    wall_per_unit: float = 0.05,
    wall_setup: float = 0.0,
    predecessors: tuple[str, ...] = (),
    released: bool = True,
    start_offset_minutes: float = 0.0,
    priority: int = 0,
    id: str | None = None,
) -> WorkOrder:
    """A work order on ``line`` whose run lasts about ``units * wall_per_unit`` wall seconds."""
    start = datetime(2030, 1, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=start_offset_minutes)
    return WorkOrder(
        id=id or new_id(line.lower()),
        order_id="ORD-TEST",
        operation_id="install_self_cleaning",
        line=line,
        work_master="aircon-split/install_self_cleaning",
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        priority=priority,
        quantity=units,
        setup_seconds=sim.plant_seconds(wall_setup),
        seconds_per_unit=sim.plant_seconds(wall_per_unit),
        predecessors=predecessors,
        released=released,
    )


async def wait_for(
    mes: HttpMesAdapter,
    work_order_id: str,
    condition: Callable[[WorkOrderStatus], bool],
    what: str,
    timeout: float = 15.0,
) -> WorkOrderStatus:
    """Poll the status every 20 ms until ``condition`` holds; fail with the last status after ``timeout``."""
    deadline = time.monotonic() + timeout
    status = await mes.status(work_order_id)
    while not condition(status):
        if time.monotonic() > deadline:
            raise AssertionError(f"{work_order_id}: {what} not reached in {timeout:.0f} s; last status {status}")
        await asyncio.sleep(0.02)
        status = await mes.status(work_order_id)
    return status


async def wait_for_state(
    mes: HttpMesAdapter, work_order_id: str, state: WorkOrderState, timeout: float = 15.0
) -> WorkOrderStatus:
    """Poll until the work order is in ``state``."""
    return await wait_for(mes, work_order_id, lambda s: s.state is state, f"state {state.value}", timeout)


async def _plant_node(client: Client, path: str) -> Node:
    """A node under ``Objects/Machines`` by its path, e.g. ``FAB1/Status/StateCurrent``."""
    ns = await client.get_namespace_index("urn:c2m:plant-simulator")
    return client.get_node(f"ns={ns};s=Machines/{path}")


async def units_processed(plant_url: str, line: str) -> int:
    """The line's lifetime unit count, read straight from the plant over OPC UA."""
    async with Client(plant_url, timeout=5) as client:
        return int(await (await _plant_node(client, f"{line}/Admin/ProdProcessedCount")).read_value())


async def clear_when_complete(plant_url: str, line: str, timeout: float = 15.0) -> None:
    """Act as an operator at the line: wait for Complete (17), then call Clear (-> Idle)."""
    async with Client(plant_url, timeout=5) as client:
        state = await _plant_node(client, f"{line}/Status/StateCurrent")
        deadline = time.monotonic() + timeout
        while await state.read_value() != 17:
            if time.monotonic() > deadline:
                raise AssertionError(f"{line} did not reach Complete in {timeout:.0f} s")
            await asyncio.sleep(0.05)
        machine = await _plant_node(client, line)
        assert await machine.call_method((await _plant_node(client, f"{line}/Clear")).nodeid) == 0
