"""``c2m adapters check`` against the real simulators: every configured endpoint through its adapter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from orchestrator.integration.check import CheckResult, check_all
from orchestrator.integration.suppliers import load_supplier_configs
from orchestrator.plant import load_plant
from orchestrator.ports.journal import AdapterKind
from orchestrator.settings import Settings, load_settings
from tests.fixtures.mes import MesSim
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.fixtures.suppliers import TEST_SUPPLIERS, SupplierSim
from tests.support.ports import free_port
from tests.support.processes import ROOT

LINES = ["FAB1", "PNT1", "ASM1", "ASM2", "SEW1", "PCK1"]


def _settings(plant: OpcUaPlant, mes: MesSim, suppliers: SupplierSim, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "opcua_url": plant.url, "mes_url": mes.url, "suppliers_url": suppliers.base_url,
        "suppliers_file": suppliers.config_path, "plant_file": ROOT / "plant" / "default.yaml",
    }
    return load_settings(**{**values, **overrides})


async def _check(settings: Settings, timeout: float = 10.0) -> dict[tuple[AdapterKind, str], CheckResult]:
    plant = load_plant(settings.plant_file)
    suppliers = load_supplier_configs(settings.suppliers_file, settings.resolved_suppliers_url)
    return {(r.kind, r.target): r for r in await check_all(settings, plant, suppliers, timeout)}


async def test_every_configured_endpoint_is_up(opcua_plant: OpcUaPlant, mes_sim: MesSim,
                                               supplier_sim: SupplierSim) -> None:
    results = await _check(_settings(opcua_plant, mes_sim, supplier_sim))
    expected = [(AdapterKind.LINE, line) for line in LINES] + [(AdapterKind.MES, "mes")]
    expected += [(AdapterKind.SUPPLIER, s["id"]) for s in TEST_SUPPLIERS["suppliers"]]
    assert list(results) == expected
    for result in results.values():
        assert result.up and result.problem is None, result
        assert 0 < result.latency_ms < 10_000
    assert results[(AdapterKind.LINE, "FAB1")].url == opcua_plant.url
    assert results[(AdapterKind.MES, "mes")].adapter == "b2mml-http"


async def test_each_down_endpoint_says_its_first_problem(opcua_plant: OpcUaPlant, mes_sim: MesSim,
                                                         supplier_sim: SupplierSim, tmp_path: Path) -> None:
    # FAB1 maps its state onto a node the server lacks; a supplier the portal does not host; no MES there.
    plant_file = tmp_path / "plant.yaml"
    plant_file.write_text((ROOT / "plant" / "default.yaml").read_text(encoding="utf-8").replace(
        "    capabilities: [cutting, sheet_metal, welding]\n",
        "    capabilities: [cutting, sheet_metal, welding]\n"
        "    status: {nodes: {state: 'ns=2;s=Machines/FAB1/Status/NoSuchNode'}}\n", 1), encoding="utf-8")
    book = {"suppliers": [*TEST_SUPPLIERS["suppliers"], {"id": "ghost", "name": "Ghost", "parts": [{"item": "x"}]}]}
    suppliers_file = tmp_path / "suppliers.yaml"
    suppliers_file.write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    settings = _settings(opcua_plant, mes_sim, supplier_sim, plant_file=plant_file, suppliers_file=suppliers_file,
                         mes_url=f"http://127.0.0.1:{free_port()}")
    results = await _check(settings, timeout=5.0)

    fab1, pnt1 = results[(AdapterKind.LINE, "FAB1")], results[(AdapterKind.LINE, "PNT1")]
    assert not fab1.up and "NoSuchNode" in (fab1.problem or ""), fab1
    assert pnt1.up, pnt1
    mes = results[(AdapterKind.MES, "mes")]
    assert not mes.up and "cannot reach the MES" in (mes.problem or ""), mes
    ghost = results[(AdapterKind.SUPPLIER, "ghost")]
    assert not ghost.up and "unknown supplier 'ghost'" in (ghost.problem or ""), ghost
    assert results[(AdapterKind.SUPPLIER, "quick-parts")].up


def _cli(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("C2M_")}
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "adapters", "check", "--timeout", "10"],
        env={**clean, "COLUMNS": "250", **env}, cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_the_command_exits_non_zero_when_an_endpoint_is_down(opcua_plant: OpcUaPlant, mes_sim: MesSim,
                                                             supplier_sim: SupplierSim, tmp_path: Path) -> None:
    env = {"C2M_OPCUA_URL": opcua_plant.url, "C2M_MES_URL": mes_sim.url, "C2M_SUPPLIERS_URL": supplier_sim.base_url,
           "C2M_SUPPLIERS_FILE": str(supplier_sim.config_path), "C2M_PLANT_FILE": str(ROOT / "plant" / "default.yaml")}
    up = _cli(env, tmp_path)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "9 up, 0 down" in up.stdout

    nobody = f"http://127.0.0.1:{free_port()}"
    down = _cli({**env, "C2M_MES_URL": nobody}, tmp_path)
    assert down.returncode == 1, down.stdout + down.stderr
    assert "8 up, 1 down" in down.stdout
    [mes_row] = [row for row in down.stdout.splitlines() if "b2mml-http" in row]
    assert "down" in mes_row
    assert f"down: mes mes: cannot reach the MES (GET {nobody}/api/v1/" in down.stdout  # one line, never wrapped

    bad = _cli({**env, "C2M_MES_ADAPTER": "sap"}, tmp_path)
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "C2M_MES_ADAPTER: no mes adapter called 'sap'; installed mes adapters: b2mml-http" in bad.stdout
