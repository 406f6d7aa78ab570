"""All configuration in one validated place. Read only by the composition roots (API, worker, CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """Settings from ``C2M_*`` environment variables or a ``.env`` file; defaults run on a laptop."""

    model_config = SettingsConfigDict(env_prefix="C2M_", env_file=".env", extra="ignore")

    mode: Literal["dev", "production"] = "dev"
    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="runtime state: databases, logs, tokens")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default a SQLite file under var_dir"
    )

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "c2m-orders"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str | None = Field(default=None, description="base URL customers reach; default from host/port")

    worker_metrics_port: int = Field(default=8104, description="Prometheus /metrics of the worker; 0 disables")
    metrics_host: str = Field(default="127.0.0.1", description="bind address of the worker's /metrics")
    sim_host: str = Field(default="127.0.0.1", description="bind address of the simulators")
    opcua_port: int = 4840
    mes_port: int = 8101
    suppliers_port: int = 8102
    opcua_url: str | None = None
    mes_url: str | None = None
    suppliers_url: str | None = None

    time_scale: float = Field(default=1.0, gt=0, description="plant seconds per wall second")
    clock_epoch: float | None = Field(
        default=None, description="Unix time at which plant and wall clocks agree; shared by all processes"
    )

    catalog_dir: Path = PROJECT_ROOT / "catalog"
    plant_file: Path = PROJECT_ROOT / "plant" / "default.yaml"
    suppliers_file: Path = PROJECT_ROOT / "suppliers" / "default.yaml"
    stock_file: Path = Field(default=PROJECT_ROOT / "stock" / "initial.yaml",
                             description="starting stock, loaded once into an empty stock table")

    approval_value_threshold: float = Field(default=20_000.0, description="orders above this value wait for a planner")
    approval_max_quantity: int = Field(default=20, description="orders above this quantity wait for a planner")
    approval_escalation_hours: float = Field(default=4.0, description="plant hours before an undecided order escalates")
    delay_margin_hours: float = Field(default=12.0, description="a further slip beyond this re-notifies the customer")
    quality_check_hours: float = Field(default=2.0, ge=0, description="plant hours of the final quality check")
    packing_hours: float = Field(default=1.0, ge=0, description="plant hours of packing")
    transit_hours: float = Field(default=48.0, ge=0, description="plant hours from shipping to delivery")

    secret_key: str = DEV_SECRET
    webhook_secret: str = DEV_SECRET

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.mode == "production":
            for name in ("secret_key", "webhook_secret"):
                if getattr(self, name) == DEV_SECRET:
                    raise ValueError(
                        f"C2M_{name.upper()} still has the development default; "
                        "set a long random value before running in production mode"
                    )
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``var_dir/c2m.db``."""
        return self.database_url or f"sqlite:///{self.var_dir / 'c2m.db'}"

    @property
    def resolved_opcua_url(self) -> str:
        return self.opcua_url or f"opc.tcp://127.0.0.1:{self.opcua_port}"

    @property
    def resolved_mes_url(self) -> str:
        return self.mes_url or f"http://127.0.0.1:{self.mes_port}"

    @property
    def resolved_suppliers_url(self) -> str:
        return self.suppliers_url or f"http://127.0.0.1:{self.suppliers_port}"

    @property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (used by the CLI and tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
