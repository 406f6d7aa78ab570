"""All configuration in one validated place. Read only by the composition roots (API, worker, CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

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
    # Where people open the Temporal UI (the integrator page links it); default the dev server's UI port.
    temporal_ui_url: str | None = Field(default=None, description="Temporal UI URL; default http://127.0.0.1:<ui port>")
    task_queue: str = "c2m-orders"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_url: str | None = Field(default=None, description="base URL customers reach; default from host/port")
    # Hostile input (docs/security.md): bodies over this are refused with 413 before a route reads them.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024, description="largest request body accepted")
    # Order placement per caller (bearer token, else client IP), per API process; 0 turns the limit off.
    order_rate_per_minute: float = Field(default=60.0, ge=0, description="sustained orders per minute per caller")
    order_rate_burst: int = Field(default=20, ge=1, description="orders a caller may place at once before waiting")
    # Live event streams (server-sent events); docs/events.md explains how they follow the events table.
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0, description="an idle stream sends a comment this often")
    event_poll_seconds: float = Field(
        default=0.1, gt=0, description="how often streams re-read the events table without NOTIFY wake-ups"
    )
    event_listen_poll_seconds: float = Field(
        default=1.0, gt=0, description="safety re-read while PostgreSQL NOTIFY wake-ups are active"
    )

    worker_metrics_port: int = Field(default=8104, description="Prometheus /metrics of the worker; 0 disables")
    metrics_host: str = Field(default="127.0.0.1", description="bind address of the worker's /metrics")
    # Observability: traces leave the process only when a collector is named; logs stay human by default.
    otel_endpoint: str | None = Field(
        default=None, description="OTLP HTTP collector for traces, e.g. http://127.0.0.1:4318; unset: no tracing"
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="text for a terminal; json for one object per line (log shippers)"
    )
    sim_host: str = Field(default="127.0.0.1", description="bind address of the simulators")
    opcua_port: int = 4840
    mes_port: int = 8101
    suppliers_port: int = 8102
    opcua_url: str | None = None
    mes_url: str | None = None
    # The MES adapter by its registered name (``c2m adapters list``) and its own settings as JSON, e.g.
    # C2M_MES_ADAPTER_SETTINGS='{"timeout": 5}'; they are validated by the adapter (docs/integrators.md).
    mes_adapter: str = Field(default="b2mml-http", min_length=1, description="the MES adapter's name")
    mes_adapter_settings: dict[str, Any] = Field(default_factory=dict, description="the MES adapter's settings")
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
    promise_supply_confidence: float = Field(
        default=0.98, ge=0, le=1,
        description="promises plan each bought item on the lead time its fastest supplier quotes within this often")
    quality_check_hours: float = Field(default=2.0, ge=0, description="plant hours of the final quality check")
    packing_hours: float = Field(default=1.0, ge=0, description="plant hours of packing")
    transit_hours: float = Field(default=48.0, ge=0, description="plant hours from shipping to delivery")

    secret_key: str = DEV_SECRET
    webhook_secret: str = DEV_SECRET
    # Personal data at rest and in Temporal is encrypted with these (docs/privacy.md); unset in dev: a key
    # derived from secret_key, which production refuses.
    data_keys: str | None = Field(
        default=None, description="comma-separated Fernet keys, newest first; the first encrypts, any decrypts"
    )

    # Authentication (docs/security.md): accounts carry API keys stored hashed. This one token, when set,
    # is an admin from the start: it creates the first accounts (``POST /api/accounts``). Production
    # refuses a short one.
    admin_token: str | None = Field(
        default=None, description="bootstrap admin bearer token; unset: only database API keys authenticate"
    )
    customer_signup: bool = Field(
        default=True, description="anyone may open a customer account (POST /api/customers) to order as a guest"
    )
    # Sign-ups per client address (enough for a family behind one router, not for a script); 0: no limit.
    signup_rate_per_minute: float = Field(default=6.0, ge=0, description="customer sign-ups per minute per address")
    signup_burst: int = Field(default=5, ge=1, description="sign-ups an address may make at once")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.mode == "production" and self.admin_token is not None and len(self.admin_token) < 32:
            raise ValueError("C2M_ADMIN_TOKEN is shorter than 32 characters; use a long random value "
                             "(python -c 'import secrets; print(secrets.token_urlsafe(32))') or leave it unset")
        if self.mode == "production":
            for name in ("secret_key", "webhook_secret"):
                if getattr(self, name) == DEV_SECRET:
                    raise ValueError(
                        f"C2M_{name.upper()} still has the development default; "
                        "set a long random value before running in production mode"
                    )
            if not (self.data_keys or "").strip():
                raise ValueError(
                    "C2M_DATA_KEYS is not set; production encrypts personal data with its own keys: set it to a "
                    "key from `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key()"
                    ".decode())'` (see docs/privacy.md)"
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
    def resolved_temporal_ui_url(self) -> str:
        return (self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}").rstrip("/")

    @property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (used by the CLI and tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
