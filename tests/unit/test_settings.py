import pytest
from pydantic import ValidationError

from orchestrator.settings import DEV_SECRET, Settings


def test_defaults_run_on_a_laptop(tmp_path) -> None:
    s = Settings(var_dir=tmp_path)
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'c2m.db'}"
    assert (s.api_port, s.opcua_port, s.mes_port, s.suppliers_port) == (8000, 4840, 8101, 8102)
    assert s.temporal_address == "127.0.0.1:7233"
    assert s.resolved_mes_url == "http://127.0.0.1:8101"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2M_API_PORT", "9001")
    monkeypatch.setenv("C2M_TIME_SCALE", "600")
    s = Settings()
    assert s.api_port == 9001
    assert s.time_scale == 600


def test_production_refuses_development_secrets() -> None:
    with pytest.raises(ValidationError, match="C2M_SECRET_KEY still has the development default"):
        Settings(mode="production")
    ok = Settings(mode="production", secret_key="x" * 40, webhook_secret="y" * 40,
                  data_keys="Z2V0LWEtcmVhbC1rZXktaW4tcHJvZHVjdGlvbi0xMjM=")
    assert ok.secret_key != DEV_SECRET


def test_time_scale_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        Settings(time_scale=0)
