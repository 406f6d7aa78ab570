"""A stock OPC UA client finds the plant's lines and their PackML nodes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from asyncua import ua

from tests.fixtures.opcua_plant import OpcUaPlant
from tests.integration.opcua.opcua_helpers import connected

LINES = ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]
PACKML = {
    "Status": ["StateCurrent", "UnitModeCurrent", "MachSpeed", "CurMachSpeed"],
    "Admin": ["ProdProcessedCount", "ProdDefectiveCount", "StopReason", "StopReasonMessage"],
    "JobOrder": [
        "JobOrderID", "PlannedQuantity", "ProducedQuantity", "DefectiveQuantity",
        "LastCompletedJobOrderID", "CompletedJobOrders", "LastAbortedJobOrderID",
    ],
}
METHODS = ["StoreAndStart", "Pause", "Resume", "Abort", "Clear", "Reset", "InjectFault"]


async def test_browsing_by_browse_name_from_objects_finds_every_line(opcua_plant_shared: OpcUaPlant) -> None:
    async with connected(opcua_plant_shared.url) as client:
        ns = await client.get_namespace_index("urn:c2m:plant-simulator")
        assert ns == 2
        machines = await client.nodes.objects.get_child([f"{ns}:Machines"])
        assert machines.nodeid == ua.NodeId.from_string("ns=2;s=Machines")
        names = [(await child.read_browse_name()).Name for child in await machines.get_children()]
        assert names == LINES
        for line in LINES:
            for group, variables in PACKML.items():
                for name in variables:
                    node = await client.nodes.objects.get_child([f"{ns}:Machines", f"{ns}:{line}", f"{ns}:{group}",
                                                                 f"{ns}:{name}"])
                    assert node.nodeid.to_string() == f"ns=2;s=Machines/{line}/{group}/{name}"
            line_node = await machines.get_child([f"{ns}:{line}"])
            methods = await line_node.get_methods()
            assert sorted([(await m.read_browse_name()).Name for m in methods]) == sorted(METHODS)
        state = await client.get_node("ns=2;s=Machines/FAB1/Status/StateCurrent").read_data_value()
        assert state.Value is not None
        assert state.Value.VariantType == ua.VariantType.Int32 and state.Value.Value == 4  # Idle
        completed = await client.get_node("ns=2;s=Machines/FAB1/JobOrder/CompletedJobOrders").read_value()
        assert completed == []
        args = await (await line_node.get_child([f"{ns}:StoreAndStart", "0:InputArguments"])).read_value()
        assert [a.Name for a in args] == ["JobOrderID", "Quantity", "SetupSeconds", "SecondsPerUnit"]


def test_the_uaread_and_uals_console_scripts_read_the_plant(opcua_plant_shared: OpcUaPlant) -> None:
    scripts = Path(sys.executable).parent
    read = subprocess.run(
        [str(scripts / "uaread"), "-u", opcua_plant_shared.url, "-n", "ns=2;s=Machines/PNT1/Status/MachSpeed"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    assert read.stdout.strip().splitlines()[-1] == "40.0"  # PNT1's nominal units per plant hour
    listing = subprocess.run(
        [str(scripts / "uals"), "-u", opcua_plant_shared.url, "-n", "ns=2;s=Machines/ASM1/Status", "-l", "1"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    for name in PACKML["Status"]:
        assert f"ns=2;s=Machines/ASM1/Status/{name}" in listing.stdout
