"""The adapter registry: specs found through real entry points, settings validated where they are written."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli.main import app
from orchestrator.integration import registry
from orchestrator.integration.lines import line_source_factory
from orchestrator.integration.mes import MesSettingsError, build_mes
from orchestrator.integration.spec import close_port
from orchestrator.integration.suppliers import AdapterSupplierDirectory, load_supplier_configs
from orchestrator.inventory.supplier_list import SupplierFileError
from orchestrator.plant import PlantFileError, parse_plant
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import LineStatusConfigError
from orchestrator.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]

PLANT = """
name: Test plant
defaults:
  calendar: day
calendars:
  day:
    shifts: [{name: day, start: "08:00", end: "16:00"}]
lines:
  L1:
    capabilities: [welding]
"""

# An integrator's package: its own module and its own distribution metadata, found on sys.path.
ACME_MODULE = '''
from pydantic import BaseModel, ConfigDict, Field

from orchestrator.integration.spec import AdapterSpec
from orchestrator.ports.journal import AdapterKind


class AcmeLineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    broker: str = Field(pattern=r"^mqtt://")
    group: str = "plant"


class OpenedSource:
    def __init__(self, settings, context, binding, known_completed):
        self.settings, self.context, self.binding = settings, context, binding
        self.known_completed = known_completed


def build(settings, context):
    def open_source(binding, *, known_completed=None):
        return OpenedSource(settings, context, binding, known_completed)
    return open_source


LINES = AdapterSpec(name="acme", kind=AdapterKind.LINE, settings=AcmeLineSettings, build=build,
                    summary="Acme line bus")
MISNAMED = AdapterSpec(name="other", kind=AdapterKind.LINE, settings=AcmeLineSettings, build=build)
'''

ACME_ENTRY_POINTS = """
[c2m.adapters.lines]
acme = acme_lines:LINES
misnamed = acme_lines:MISNAMED
"""


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ``acme-lines`` distribution installed on sys.path (a module and its dist-info)."""
    (tmp_path / "acme_lines.py").write_text(ACME_MODULE, encoding="utf-8")
    info = tmp_path / "acme_lines-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-lines\nVersion: 1.2.3\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ACME_ENTRY_POINTS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.forget()
    yield
    registry.forget()


def test_our_adapters_are_installed_through_entry_points_like_anyone_elses() -> None:
    found = {(a.kind, a.name): a for a in registry.installed()}
    ours = {(AdapterKind.LINE, "opcua"), (AdapterKind.MES, "b2mml-http"), (AdapterKind.SUPPLIER, "ubl-http")}
    assert ours <= set(found)
    assert all(found[key].package == "c2m" and found[key].version for key in ours)
    assert registry.spec(AdapterKind.LINE, "opcua").settings.model_config.get("extra") == "forbid"


def test_an_unknown_adapter_lists_the_installed_ones() -> None:
    with pytest.raises(registry.UnknownAdapter,
                       match=r"no mes adapter called 'sap'; installed mes adapters: b2mml-http"):
        registry.spec(AdapterKind.MES, "sap")


def test_a_bad_line_setting_names_the_file_the_key_and_what_is_expected() -> None:
    text = PLANT + '    status: {endpoint: "http://x"}\n'
    with pytest.raises(PlantFileError) as caught:
        parse_plant(text, source="plant/default.yaml")
    assert str(caught.value) == "plant/default.yaml: lines.L1.status.endpoint: expected an opc.tcp:// URL, got 'http://x'"


def test_a_bad_default_is_reported_once_at_the_defaults() -> None:
    text = PLANT.replace("calendar: day\n", "calendar: day\n  status: {publishing_interval_ms: 0, colour: red}\n", 1)
    text += "  L2:\n    capabilities: [painting]\n"
    with pytest.raises(PlantFileError) as caught:
        parse_plant(text, source="p.yaml")
    assert caught.value.problems == [
        "defaults.status.publishing_interval_ms (inherited by lines L1, L2): Input should be greater than 0, got 0",
        "defaults.status.colour (inherited by lines L1, L2): unknown key; known keys: endpoint, convention, "
        "namespace_index, nodes, states, publishing_interval_ms, down_after",
    ]


def test_an_unknown_line_adapter_in_the_plant_file_lists_the_installed_ones() -> None:
    with pytest.raises(PlantFileError, match=r"lines\.L1\.status\.adapter: no line adapter called 'modbus'; "
                                             r"installed line adapters: .*opcua"):
        parse_plant(PLANT + "    status: {adapter: modbus}\n", source="p.yaml")


def test_the_default_plant_and_supplier_files_stay_valid() -> None:
    from orchestrator.plant import load_plant

    plant = load_plant(ROOT / "plant" / "default.yaml")
    assert {line.status.adapter for line in plant.lines.values()} == {"opcua"}
    configs = load_supplier_configs(ROOT / "suppliers" / "default.yaml", "http://sim:8102")
    assert configs and {c.adapter for c in configs} == {"ubl-http"}
    assert configs[0].url == f"http://sim:8102/suppliers/{configs[0].supplier_id}"


def test_a_third_party_line_adapter_is_found_validated_and_built(acme: None) -> None:
    lines = registry.installed(AdapterKind.LINE)
    assert ("acme", "acme-lines", "1.2.3") in {(a.name, a.package, a.version) for a in lines}
    plant = parse_plant(PLANT + '    status: {adapter: acme, broker: "mqtt://broker:1883"}\n')
    factory = line_source_factory(plant, "L1", "opc.tcp://sim:4840/")
    source = factory(plant.status_binding("L1", "opc.tcp://sim:4840/"), known_completed=["WO-1"])
    assert source.settings.broker == "mqtt://broker:1883" and source.settings.group == "plant"  # type: ignore[attr-defined]
    assert source.context.target == "L1" and source.binding.line == "L1"  # type: ignore[attr-defined]
    assert source.known_completed == ["WO-1"]  # type: ignore[attr-defined]

    with pytest.raises(PlantFileError) as caught:
        parse_plant(PLANT + "    status: {adapter: acme, brokr: x}\n", source="p.yaml")
    assert caught.value.problems == [
        "lines.L1.status.broker: required, but missing",
        "lines.L1.status.brokr: unknown key; known keys: broker, group",
    ]


def test_a_spec_must_carry_its_entry_points_name(acme: None) -> None:
    with pytest.raises(registry.BadAdapter, match="must match the spec's kind and name"):
        registry.spec(AdapterKind.LINE, "misnamed")


def test_a_line_whose_adapter_disappeared_is_a_config_error(acme: None, monkeypatch: pytest.MonkeyPatch) -> None:
    plant = parse_plant(PLANT + '    status: {adapter: acme, broker: "mqtt://b"}\n')
    # The package is uninstalled after the plant was loaded (monkeypatch restores sys.path afterwards).
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not Path(p, "acme_lines.py").exists()])
    registry.forget()
    with pytest.raises(LineStatusConfigError, match="line L1: status: no line adapter called 'acme'"):
        line_source_factory(plant, "L1", "opc.tcp://sim:4840/")


def _suppliers(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "suppliers.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_supplier_adapter_settings_are_validated_with_the_file_and_the_key(tmp_path: Path) -> None:
    path = _suppliers(tmp_path, """
        suppliers:
          - {id: a, parts: [{item: x}]}
          - {id: b, endpoint: "ftp://b", parts: [{item: x}]}
          - {id: c, adapter_settings: {retries: 3}, parts: [{item: y}]}
          - {id: d, adapter: edi, parts: [{item: y}]}
    """)
    with pytest.raises(SupplierFileError) as caught:
        load_supplier_configs(path, "http://sim:8102")
    text = str(caught.value)
    assert f"{path}: \n  - suppliers[1].endpoint: expected an http:// or https:// URL, got 'ftp://b'" in text
    assert "suppliers[2].adapter_settings.retries: unknown key; known keys: endpoint" in text
    assert "suppliers[3].adapter: no supplier adapter called 'edi'; installed supplier adapters: " in text


async def test_the_supplier_directory_builds_each_supplier_through_its_adapter(tmp_path: Path) -> None:
    path = _suppliers(tmp_path, """
        suppliers:
          - {id: a, parts: [{item: x}]}
          - {id: b, adapter: ubl-http, endpoint: "https://scm.b.example/c2m/", parts: [{item: x}, {item: y}]}
    """)
    async with AdapterSupplierDirectory.from_file(path, "http://sim:8102") as directory:
        assert directory.supplier_ids() == ["a", "b"]
        assert directory.suppliers_of("y") == ["b"]
        assert directory.supplier("a").base_url == "http://sim:8102/suppliers/a"  # type: ignore[attr-defined]
        assert directory.supplier("b").base_url == "https://scm.b.example/c2m"  # type: ignore[attr-defined]


async def test_the_mes_adapter_and_its_settings_come_from_the_settings() -> None:
    port = build_mes(load_settings(mes_url="http://mes:1", mes_adapter_settings={"timeout": 2}))
    assert port.base_url == "http://mes:1"  # type: ignore[attr-defined]
    await close_port(port)
    with pytest.raises(MesSettingsError, match=r"C2M_MES_ADAPTER_SETTINGS: endpoint: expected an http:// or "
                                               r"https:// URL, got 'mes:1'"):
        build_mes(load_settings(mes_adapter_settings={"endpoint": "mes:1"}))
    with pytest.raises(MesSettingsError, match=r"C2M_MES_ADAPTER: no mes adapter called 'sap'"):
        build_mes(load_settings(mes_adapter="sap"))


def test_adapters_list_shows_kind_name_package_and_version(acme: None) -> None:
    result = CliRunner().invoke(app, ["adapters", "list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "│" in line]
    cells = [[c.strip() for c in row.split("│")[1:-1]] for row in rows]
    assert ["line", "acme", "acme-lines", "1.2.3"] in [c[:4] for c in cells]
    assert ["mes", "b2mml-http", "c2m", "0.1.0"] in [c[:4] for c in cells]
    assert ["supplier", "ubl-http", "c2m", "0.1.0"] in [c[:4] for c in cells]
    assert any(c[:2] == ["line", "misnamed"] and "cannot load" in c[5] for c in cells)


def test_the_sparkplug_line_adapter_is_registered_and_validates_its_status_settings() -> None:
    plant = parse_plant(PLANT + '    status: {adapter: sparkplug, endpoint: "mqtt://127.0.0.1:1883/c2m/plant"}\n')
    factory = line_source_factory(plant, "L1", "opc.tcp://sim:4840/")
    assert callable(factory)
    with pytest.raises(PlantFileError) as caught:
        parse_plant(PLANT + '    status: {adapter: sparkplug, endpoint: "opc.tcp://x:4840/"}\n', source="p.yaml")
    assert caught.value.problems[0].startswith("lines.L1.status.endpoint: expected an mqtt:// URL")
