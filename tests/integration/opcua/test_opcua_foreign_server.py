"""A line whose OPC UA server is not ours: other namespace, other node ids, text states.

The plant file maps its nodes onto our fields and its states onto PackML; the same line-status
adapter then reports it like any of our lines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asyncua import Node, Server, ua

from adapters.opcua import open_line_status
from orchestrator.plant import parse_plant
from orchestrator.ports.lines import LineEventKind
from tests.integration.opcua.opcua_helpers import EventLog
from tests.support.ports import free_port

K = LineEventKind

PLANT = """
name: Acme plant
defaults: {{calendar: always}}
calendars:
  always: {{shifts: [{{name: all day, start: "00:00", end: "00:00"}}]}}
lines:
  PLC7:
    capabilities: [welding]
    status:
      endpoint: {endpoint}
      convention: none
      nodes:
        state: "nsu=urn:acme:plc;s=PLC7.Mode"
        job_order_id: "nsu=urn:acme:plc;s=PLC7.Order"
        planned_quantity: "ns=2;s=PLC7.Target"
        produced_quantity: "ns=2;i=5001"
        stop_reason: "ns=2;s=PLC7.Alarm"
      states: {{IDLE: Idle, RUNNING: Execute, FAULT: Held, DONE: Complete}}
"""


class AcmePlc:
    """A tiny OPC UA server shaped the way some other vendor likes it."""

    def __init__(self, port: int) -> None:
        self.endpoint = f"opc.tcp://127.0.0.1:{port}/acme/"
        self.server = Server()
        self.nodes: dict[str, Node] = {}

    async def start(self) -> None:
        await self.server.init()
        self.server.set_endpoint(self.endpoint)
        self.server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        ns = await self.server.register_namespace("urn:acme:plc")
        plc = await self.server.nodes.objects.add_object(ua.NodeId.from_string(f"ns={ns};s=PLC7"), f"{ns}:PLC7")
        for name, node_id, value, vtype in (
            ("Mode", f"ns={ns};s=PLC7.Mode", "IDLE", ua.VariantType.String),
            ("Order", f"ns={ns};s=PLC7.Order", "", ua.VariantType.String),
            ("Target", f"ns={ns};s=PLC7.Target", 0, ua.VariantType.Int32),
            ("GoodParts", f"ns={ns};i=5001", 0, ua.VariantType.Int32),
            ("Alarm", f"ns={ns};s=PLC7.Alarm", 0, ua.VariantType.Int32),
        ):
            self.nodes[name] = await plc.add_variable(
                ua.NodeId.from_string(node_id), f"{ns}:{name}", ua.Variant(value, vtype), vtype
            )
        await self.server.start()

    async def set(self, **values: Any) -> None:
        for name, value in values.items():
            vtype = ua.VariantType.String if isinstance(value, str) else ua.VariantType.Int32
            await self.nodes[name].write_value(ua.Variant(value, vtype))


@pytest.fixture
async def acme() -> AsyncIterator[AcmePlc]:
    plc = AcmePlc(free_port())
    await plc.start()
    try:
        yield plc
    finally:
        await plc.server.stop()


async def test_a_mapped_foreign_server_reports_like_our_lines(acme: AcmePlc) -> None:
    plant = parse_plant(PLANT.format(endpoint=acme.endpoint), source="acme.yaml")
    binding = plant.status_binding("PLC7", default_endpoint="opc.tcp://127.0.0.1:4840/")
    assert binding.endpoint == acme.endpoint
    log = EventLog(open_line_status(binding, known_completed=None))
    try:
        snap = await log.wait_for(lambda e: e.kind == K.SNAPSHOT, "snapshot")
        assert snap.values["state"] == 4 and snap.values["state_name"] == "Idle"
        assert snap.values["produced_quantity"] == 0 and snap.values["mach_speed"] is None  # not mapped

        await acme.set(Order="ORD-1", Target=3)
        await acme.set(Mode="RUNNING")
        await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state_name"] == "Execute", "Execute")
        await acme.set(GoodParts=1)
        await log.wait_for(lambda e: e.kind == K.PROGRESS and e.values["produced_quantity"] == 1, "progress 1")

        await acme.set(Alarm=42, Mode="FAULT")
        fault = await log.wait_for(lambda e: e.kind == K.FAULT, "fault")
        assert fault.job_order_id == "ORD-1" and fault.values["stop_reason"] == 42
        await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state_name"] == "Held", "Held")
        await acme.set(Alarm=0, Mode="RUNNING")
        await log.wait_for(lambda e: e.kind == K.FAULT_CLEARED, "fault cleared")

        await acme.set(GoodParts=3)
        await log.wait_for(lambda e: e.kind == K.PROGRESS and e.values["produced_quantity"] == 3, "progress 3")
        await acme.set(Mode="DONE")
        done = await log.wait_for(lambda e: e.kind == K.JOB_COMPLETED, "job_completed")
        assert done.job_order_id == "ORD-1"
        assert done.values == {"produced_quantity": 3, "defective_quantity": None, "planned_quantity": 3}

        await acme.set(Mode="IDLE", Order="", GoodParts=0)
        await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state_name"] == "Idle", "Idle")
        await acme.set(Mode="MAINTENANCE")  # a raw state the mapping does not know
        odd = await log.wait_for(lambda e: e.kind == K.STATE_CHANGED and e.values["state"] == 0, "unknown state")
        assert odd.values["state_name"] == "Unknown('MAINTENANCE')"
        await asyncio.sleep(0.2)
        assert [e.job_order_id for e in log.of(K.JOB_COMPLETED)] == ["ORD-1"]
    finally:
        await log.close()
