"""Connecting to Temporal the same way everywhere: the pydantic data converter with encrypted payloads."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from temporalio.client import Client, Interceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from orchestrator.observability.worker_metrics import HISTOGRAM_BUCKETS
from orchestrator.security.crypto import FieldCipher
from orchestrator.security.keys import cipher_for
from orchestrator.security.payload_codec import EncryptionCodec
from orchestrator.settings import load_settings


def data_converter(cipher: FieldCipher | None = None) -> DataConverter:
    """The pydantic converter encrypting every payload with ``cipher`` (default: this environment's keys).

    Client, worker and tools must share it: a process with other keys cannot read the histories.
    """
    cipher = cipher if cipher is not None else cipher_for(load_settings())
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(cipher))


def metrics_runtime(port: int, host: str = "127.0.0.1") -> Runtime | None:
    """A Temporal runtime serving the SDK's Prometheus metrics on host:port (None when port is 0).

    Create it once per process: it binds the port. The worker's own metrics (``c2m_*``) share it.
    """
    if not port:
        return None
    prometheus = PrometheusConfig(bind_address=f"{host}:{port}", histogram_bucket_overrides=HISTOGRAM_BUCKETS)
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))


async def connect_temporal(
    address: str, namespace: str = "default", runtime: Runtime | None = None,
    interceptors: Sequence[Interceptor] = (), cipher: FieldCipher | None = None,
) -> Client:
    """A Temporal client using :func:`data_converter` (client, worker and tests must agree).

    ``interceptors`` apply to the client's calls and to every worker built on it (tracing uses them).
    ``cipher`` encrypts payloads; by default the keys of this process's settings (``C2M_DATA_KEYS``).
    """
    return await Client.connect(
        address, namespace=namespace, data_converter=data_converter(cipher), runtime=runtime,
        interceptors=interceptors,
    )
