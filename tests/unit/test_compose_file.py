"""docker-compose.yml checked statically (no Docker engine here): it parses, commands exist, env matches."""

from pathlib import Path

import typer
import yaml

from orchestrator.cli.main import app
from orchestrator.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


class _StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys, which plain YAML loading silently resolves to the last one."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = [k.value for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
    dupes = {k for k in keys if keys.count(k) > 1}
    assert not dupes, f"docker-compose.yml line {node.start_mark.line + 1}: duplicate keys {sorted(dupes)}"
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _compose() -> dict:
    return yaml.load((ROOT / "docker-compose.yml").read_text(), Loader=_StrictLoader)


def _c2m_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if svc.get("image") == "c2m:latest"}


def test_every_c2m_service_runs_an_existing_subcommand() -> None:
    root = typer.main.get_command(app)
    services = _c2m_services(_compose())
    assert {"api", "worker", "opcua-plant", "mes", "suppliers", "migrate"} <= set(services)
    for name, svc in services.items():
        cmd = root
        for word in svc["command"]:
            assert hasattr(cmd, "get_command"), f"{name}: '{word}' follows a command that takes none"
            sub = cmd.get_command(None, word)
            assert sub is not None, f"service {name}: 'c2m {' '.join(svc['command'])}' is not a c2m command"
            cmd = sub


def test_environment_names_are_settings() -> None:
    fields = {f"C2M_{name.upper()}" for name in Settings.model_fields}
    for name, svc in _c2m_services(_compose()).items():
        for var in svc.get("environment", {}):
            assert var in fields, f"service {name} sets {var}, which no setting reads"


def test_published_ports_match_the_settings() -> None:
    compose = _compose()
    defaults = Settings()
    expected = {
        "api": defaults.api_port,
        "opcua-plant": defaults.opcua_port,
        "mes": defaults.mes_port,
        "suppliers": defaults.suppliers_port,
    }
    for service, port in expected.items():
        published = compose["services"][service]["ports"]
        assert any(str(p).endswith(f":{port}") for p in published), f"{service} should publish {port}"
    temporal_port = int(defaults.temporal_address.rpartition(":")[2])
    assert any(str(p).endswith(f":{temporal_port}") for p in compose["services"]["temporal"]["ports"])


def test_scaled_services_have_replicas_and_postgres() -> None:
    compose = _compose()
    assert compose["services"]["api"]["deploy"]["replicas"] >= 2
    assert compose["services"]["worker"]["deploy"]["replicas"] >= 2
    assert compose["services"]["temporal"]["environment"]["DB"].startswith("postgres")
    for svc in _c2m_services(compose).values():
        assert svc["environment"]["C2M_DATABASE_URL"].startswith("postgresql://")
