"""What ``c2m up`` runs: the child specifications built from settings."""

from __future__ import annotations

import socket
from pathlib import Path

from orchestrator.cli.supervisor import ChildSpec, python_module
from orchestrator.probes import ProbeResult, probe_http, probe_opcua, probe_temporal
from orchestrator.settings import Settings
from orchestrator.temporal_server import dev_server_argv


def child_env(settings: Settings) -> dict[str, str]:
    """Environment that gives every child the same effective settings as the supervisor."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"C2M_{name.upper()}"] = str(value)
    return env


def port_problems(settings: Settings, embedded_temporal: bool, simulators: bool) -> list[str]:
    """Ports we are about to bind that something else already holds, with the setting to change."""
    wanted = [(settings.api_port, "API", "C2M_API_PORT")]
    if embedded_temporal:
        port = int(settings.temporal_address.rpartition(":")[2])
        wanted += [(port, "Temporal", "C2M_TEMPORAL_ADDRESS"),
                   (settings.temporal_ui_port, "Temporal UI", "C2M_TEMPORAL_UI_PORT")]
    if simulators:
        wanted += [(settings.opcua_port, "OPC UA plant simulator", "C2M_OPCUA_PORT"),
                   (settings.mes_port, "MES simulator", "C2M_MES_PORT"),
                   (settings.suppliers_port, "supplier simulator", "C2M_SUPPLIERS_PORT")]
    problems = []
    for port, what, env in wanted:
        if not _port_free(port):
            problems.append(f"port {port} ({what}) is already in use on 127.0.0.1: stop whatever holds it, "
                            f"or choose another port with {env}")
    return problems


def temporal_spec(settings: Settings) -> ChildSpec:
    """The embedded Temporal dev server persisting to ``var/temporal.db`` with its Web UI."""
    port = int(settings.temporal_address.rpartition(":")[2])

    async def healthy() -> ProbeResult:
        grpc = await probe_temporal(settings.temporal_address)
        if not grpc.up:
            return grpc
        return await probe_http("temporal-ui", f"http://127.0.0.1:{settings.temporal_ui_port}/")

    argv = dev_server_argv(settings.var_dir / "temporal.db", port, settings.temporal_ui_port)
    return ChildSpec("temporal", argv, healthy, startup_timeout=120)


def simulator_specs(settings: Settings, env: dict[str, str]) -> tuple[list[ChildSpec], list[ChildSpec]]:
    """The plant and supplier simulators (stage 1) and the MES, which needs the plant (stage 2)."""
    opcua = ChildSpec(
        "opcua-plant",
        python_module("orchestrator", "sim", "opcua"),
        lambda: probe_opcua("opcua-plant", settings.resolved_opcua_url),
        env,
    )
    suppliers = ChildSpec(
        "suppliers",
        python_module("orchestrator", "sim", "suppliers"),
        lambda: probe_http("suppliers", f"{settings.resolved_suppliers_url}/health"),
        env,
    )
    mes = ChildSpec(
        "mes",
        python_module("orchestrator", "sim", "mes"),
        lambda: probe_http("mes", f"{settings.resolved_mes_url}/api/v1/health"),
        env,
    )
    return [opcua, suppliers], [mes]


def app_specs(settings: Settings, env: dict[str, str]) -> list[ChildSpec]:
    """The API and one worker."""
    api = ChildSpec(
        "api",
        python_module("orchestrator", "api"),
        lambda: probe_http("api", f"http://127.0.0.1:{settings.api_port}/docs"),
        env,
    )

    worker = ChildSpec(
        "worker",
        python_module("orchestrator", "worker"),
        lambda: _worker_probe(settings),
        env,
    )
    return [api, worker]


async def _worker_probe(settings: Settings) -> ProbeResult:
    """The worker's /metrics answers; without a metrics port its only sign of life is its process."""
    if not settings.worker_metrics_port:
        return ProbeResult("worker", True, "running (no metrics port: C2M_WORKER_METRICS_PORT=0)", 0.0)
    return await probe_http("worker", f"http://127.0.0.1:{settings.worker_metrics_port}/metrics")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def urls(settings: Settings, embedded_temporal: bool) -> list[tuple[str, str]]:
    """What to open once everything is up."""
    base = settings.resolved_public_url
    out = [("Shop (configurator)", f"{base}/shop"), ("Planner console", f"{base}/planner"),
           ("Integrations", f"{base}/integrations"), ("API docs", f"{base}/docs"), ("Health", f"{base}/health"),
           ("API metrics", f"{base}/metrics"), ("Plant events (SSE)", f"{base}/api/plant/events")]
    if settings.worker_metrics_port:
        out.append(("Worker metrics", f"http://{settings.metrics_host}:{settings.worker_metrics_port}/metrics"))
    if embedded_temporal or settings.temporal_ui_url:
        out.append(("Temporal UI", settings.resolved_temporal_ui_url))
    return out


def log_dir(settings: Settings) -> Path:
    """Where each child's full log is written."""
    return settings.var_dir / "logs"
