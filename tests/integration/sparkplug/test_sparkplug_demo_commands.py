"""Demo fault injection on a line the plant file puts on Sparkplug: the command goes through the line's
adapter (DCMD over the real Mosquitto), not over OPC UA, which this API cannot even reach."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from adapters.opcua import OpcUaLineControl
from orchestrator.api.app import create_app
from orchestrator.persistence.migrate import upgrade
from orchestrator.ports.lines import CommandStatus
from orchestrator.settings import Settings
from tests.integration.opcua.opcua_helpers import job_id
from tests.integration.sparkplug.conftest import SparkplugPlant
from tests.support.auth import ADMIN
from tests.support.ports import free_port
from tests.support.processes import ROOT

EXECUTE, HELD = 6, 11


async def _state_becomes(plant: SparkplugPlant, line: str, check: Callable[[int], bool], timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while not check(state := plant.sim.machines[line].r.state):
        assert time.monotonic() < deadline, f"{line} stayed in state {state}"
        await asyncio.sleep(0.05)
    return state


async def test_demo_fault_and_clear_reach_a_sparkplug_line_over_dcmd(sparkplug_plant: SparkplugPlant,
                                                                     tmp_path: Path) -> None:
    s = sparkplug_plant.settings
    plant = yaml.safe_load((ROOT / "plant" / "default.yaml").read_text(encoding="utf-8"))
    plant["lines"]["FAB1"]["status"] = {"adapter": "sparkplug",
                                        "endpoint": f"mqtt://{s.host}:{s.port}/{s.group_id}/{s.edge_node_id}"}
    plant_file = tmp_path / "plant.yaml"
    plant_file.write_text(yaml.safe_dump(plant, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    # The API's OPC UA endpoint is a closed port: only the line's own adapter can carry the commands.
    app = create_app(Settings(var_dir=tmp_path, database_url=url, plant_file=plant_file,
                              opcua_url=f"opc.tcp://127.0.0.1:{free_port()}/"))
    try:
        async with OpcUaLineControl(sparkplug_plant.opcua_url) as control:  # a long job to hold: 500 plant hours
            assert await control.store_and_start("FAB1", job_id(), 500, 0, 3600) == CommandStatus.OK
        await _state_becomes(sparkplug_plant, "FAB1", lambda state: state == EXECUTE)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://planner",
                                     headers=ADMIN, timeout=30) as api:
            resp = await api.post("/api/demo/lines/FAB1/fault", json={"mode": "hold", "reason": "Jam over MQTT",
                                                                       "duration_hours": 0})
            assert resp.status_code == 200, resp.text
            assert resp.json()["command"] == "InjectFault"
            await _state_becomes(sparkplug_plant, "FAB1", lambda state: state == HELD)
            resp = await api.post("/api/demo/lines/FAB1/clear")
            assert resp.status_code == 200, resp.text
            assert resp.json()["command"] == "Resume"
            await _state_becomes(sparkplug_plant, "FAB1", lambda state: state == EXECUTE)
    finally:
        app.state.engine.dispose()
