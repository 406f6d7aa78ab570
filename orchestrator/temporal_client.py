"""Connecting to Temporal the same way everywhere: the pydantic data converter, our namespace."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig


def metrics_runtime(port: int, host: str = "127.0.0.1") -> Runtime | None:
    """A Temporal runtime serving the SDK's Prometheus metrics on host:port (None when port is 0).

    Create it once per process: it binds the port.
    """
    if not port:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}")))


async def connect_temporal(address: str, namespace: str = "default", runtime: Runtime | None = None) -> Client:
    """A Temporal client using the pydantic data converter (client, worker and tests must agree)."""
    return await Client.connect(
        address, namespace=namespace, data_converter=pydantic_data_converter, runtime=runtime
    )
