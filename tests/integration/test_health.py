"""``GET /health`` reports each component and answers 503 when a required one is down."""

from pathlib import Path

from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from orchestrator.api.app import create_app
from orchestrator.settings import Settings
from tests.support.ports import free_port


def _settings(tmp_path: Path, temporal_address: str) -> Settings:
    return Settings(
        var_dir=tmp_path,
        temporal_address=temporal_address,
        opcua_port=free_port(),
        mes_port=free_port(),
        suppliers_port=free_port(),
    )


def test_health_names_every_component_and_is_503_when_parts_are_down(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    settings = _settings(tmp_path, temporal_env.client.service_client.config.target_host)
    with TestClient(create_app(settings)) as client:
        resp = client.get("/health")
    assert resp.status_code == 503
    components = resp.json()["components"]
    assert set(components) == {"database", "temporal", "plant_opcua", "mes", "suppliers"}
    assert components["database"]["state"] == "up"
    assert components["temporal"]["state"] == "up"
    assert components["mes"]["state"] == "down"
    assert "unreachable" in components["plant_opcua"]["detail"]


def test_health_reports_temporal_down(tmp_path: Path) -> None:
    settings = _settings(tmp_path, f"127.0.0.1:{free_port()}")
    with TestClient(create_app(settings)) as client:
        body = client.get("/health").json()
    assert body["status"] == "degraded"
    assert body["components"]["temporal"]["state"] == "down"
