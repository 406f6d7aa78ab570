"""Jobs on the simulated lines, driven through the OPC UA methods (each test on its own line)."""

from __future__ import annotations

import asyncio

import pytest

from adapters.opcua import OpcUaLineControl
from orchestrator.ports.lines import CommandStatus, LineUnavailable
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.opcua.opcua_helpers import connected, job_id, read, wait_value
from tests.support.ports import free_port

IDLE, STARTING, SUSPENDED, EXECUTE, ABORTED, HELD, COMPLETE = 4, 3, 5, 6, 9, 11, 17


async def test_a_job_runs_to_complete_and_is_listed(opcua_plant_shared: OpcUaPlant) -> None:
    job = job_id()
    async with OpcUaLineControl(opcua_plant_shared.url) as control, connected(opcua_plant_shared.url) as client:
        # 10 units of 3 plant minutes after 6 minutes of setup: 36 plant minutes, 0.6 wall seconds.
        assert await control.store_and_start("FAB1", job, 10, 360, 180) == CommandStatus.OK
        assert await read(client, "FAB1", "state") == STARTING
        assert await read(client, "FAB1", "job_order_id") == job
        assert await read(client, "FAB1", "planned_quantity") == 10
        # Retrying the same job is harmless; another job must wait for the line.
        assert await control.store_and_start("FAB1", job, 10, 360, 180) == CommandStatus.OK
        assert await control.store_and_start("FAB1", job_id(), 1, 0, 1) == CommandStatus.NOT_ALLOWED
        await wait_value(client, "FAB1", "state", lambda s: s == COMPLETE)
        assert await read(client, "FAB1", "produced_quantity") == 10
        assert await read(client, "FAB1", "processed_count") >= 10
        assert await read(client, "FAB1", "last_completed_job_order_id") == job
        assert (await read(client, "FAB1", "completed_job_orders"))[-1] == job
        assert await read(client, "FAB1", "cur_mach_speed") == 0.0
        assert await control.clear("FAB1") == CommandStatus.OK
        assert await read(client, "FAB1", "state") == IDLE
        assert await read(client, "FAB1", "job_order_id") == ""
        assert await read(client, "FAB1", "produced_quantity") == 0
        # The completed job is not produced again when its start is retried after Clear.
        assert await control.store_and_start("FAB1", job, 10, 360, 180) == CommandStatus.OK
        assert await read(client, "FAB1", "state") == IDLE


async def test_bad_arguments_are_refused(opcua_plant_shared: OpcUaPlant) -> None:
    async with OpcUaLineControl(opcua_plant_shared.url) as control:
        assert await control.store_and_start("SEW1", "", 1, 0, 1) == CommandStatus.BAD_ARGUMENTS
        assert await control.store_and_start("SEW1", job_id(), 0, 0, 1) == CommandStatus.BAD_ARGUMENTS
        assert await control.store_and_start("SEW1", job_id(), 1, -5, 1) == CommandStatus.BAD_ARGUMENTS
        assert await control.inject_fault("SEW1", "hold", "x", -1) == CommandStatus.BAD_ARGUMENTS
        assert await control.call("SEW1", "InjectFault") == CommandStatus.BAD_ARGUMENTS
        with pytest.raises(ValueError, match="no method Machines/NOPE/Pause"):
            await control.pause("NOPE")


async def test_pause_and_resume(opcua_plant_shared: OpcUaPlant) -> None:
    job = job_id()
    async with OpcUaLineControl(opcua_plant_shared.url) as control, connected(opcua_plant_shared.url) as client:
        # 20 units of 12 plant minutes: 4 wall seconds of work.
        assert await control.store_and_start("PNT1", job, 20, 0, 720) == CommandStatus.OK
        await wait_value(client, "PNT1", "produced_quantity", lambda n: n >= 1)
        assert await control.pause("PNT1") == CommandStatus.OK
        await wait_value(client, "PNT1", "state", lambda s: s == SUSPENDED)
        paused_at = await read(client, "PNT1", "produced_quantity")
        await asyncio.sleep(0.6)  # half a plant day: nothing may be produced while suspended
        assert await read(client, "PNT1", "produced_quantity") == paused_at
        assert await read(client, "PNT1", "stop_reason") == 0
        assert await control.resume("PNT1") == CommandStatus.OK
        await wait_value(client, "PNT1", "state", lambda s: s == EXECUTE)
        await wait_value(client, "PNT1", "produced_quantity", lambda n: n > paused_at)
        assert await control.abort("PNT1") == CommandStatus.OK
        await wait_value(client, "PNT1", "state", lambda s: s == ABORTED)
        assert await read(client, "PNT1", "last_aborted_job_order_id") == job
        assert await control.clear("PNT1") == CommandStatus.OK


async def test_an_injected_hold_fault_holds_then_resumes(opcua_plant_shared: OpcUaPlant) -> None:
    job = job_id()
    async with OpcUaLineControl(opcua_plant_shared.url) as control, connected(opcua_plant_shared.url) as client:
        assert await control.store_and_start("ASM1", job, 6, 0, 360) == CommandStatus.OK
        await wait_value(client, "ASM1", "produced_quantity", lambda n: n >= 1)
        # Held for 40 plant minutes (about 0.7 wall seconds).
        assert await control.inject_fault("ASM1", "hold", "Screwdriver jammed", 2400) == CommandStatus.OK
        await wait_value(client, "ASM1", "state", lambda s: s == HELD)
        assert await read(client, "ASM1", "stop_reason") == 100
        assert await read(client, "ASM1", "stop_reason_message") == "Screwdriver jammed"
        assert await read(client, "ASM1", "cur_mach_speed") == 0.0
        await wait_value(client, "ASM1", "state", lambda s: s in (EXECUTE, COMPLETE))
        assert await read(client, "ASM1", "stop_reason") == 0
        await wait_value(client, "ASM1", "state", lambda s: s == COMPLETE)
        assert await read(client, "ASM1", "produced_quantity") == 6
        assert await control.clear("ASM1") == CommandStatus.OK


async def test_an_injected_abort_fault_aborts_until_cleared(opcua_plant_shared: OpcUaPlant) -> None:
    job = job_id()
    async with OpcUaLineControl(opcua_plant_shared.url) as control, connected(opcua_plant_shared.url) as client:
        assert await control.inject_fault("ASM2", "abort", "nothing to abort") == CommandStatus.NOT_ALLOWED
        assert await control.store_and_start("ASM2", job, 50, 0, 360) == CommandStatus.OK
        await wait_value(client, "ASM2", "state", lambda s: s == EXECUTE)
        assert await control.inject_fault("ASM2", "abort", "Drive failure") == CommandStatus.OK
        await wait_value(client, "ASM2", "state", lambda s: s == ABORTED)
        assert await read(client, "ASM2", "last_aborted_job_order_id") == job
        assert await read(client, "ASM2", "stop_reason") == 100
        assert await read(client, "ASM2", "stop_reason_message") == "Drive failure"
        assert job not in await read(client, "ASM2", "completed_job_orders")
        await asyncio.sleep(0.3)
        assert await read(client, "ASM2", "state") == ABORTED  # stays until Clear
        assert await control.store_and_start("ASM2", job_id(), 1, 0, 1) == CommandStatus.NOT_ALLOWED
        assert await control.clear("ASM2") == CommandStatus.OK
        assert await read(client, "ASM2", "state") == IDLE
        assert await read(client, "ASM2", "stop_reason") == 0


async def test_line_control_reports_an_unreachable_server() -> None:
    control = OpcUaLineControl(f"opc.tcp://127.0.0.1:{free_port()}/", timeout=1.0)
    with pytest.raises(LineUnavailable, match="cannot reach"):
        await control.pause("FAB1")
