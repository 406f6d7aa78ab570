"""How the line rules provoke what they check: the ``driver`` section of a line conformance file.

The rules watch the line through the adapter under test, but they need the line to *do* things: run
a job, fail, lose its server for a moment. The driver says how: ``control`` is where job commands go
(the c2m job methods over OPC UA, or Sparkplug DCMD over MQTT; both implement
:class:`~orchestrator.ports.lines.LineControl`), ``restart`` is a shell command that restarts the
endpoint the adapter reads (its OPC UA server, its MQTT broker). The line's status binding (where its
values live) comes from the adapter's settings, as a plant file's ``status:`` block, or from the line
in ``plant_file`` when given, exactly as the line monitor builds it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.plant import LineStatusConfig, load_plant
from orchestrator.ports.lines import LineControl, LineStatusBinding

CONTROL_SCHEMES = ("opc.tcp://", "mqtt://", "tcp://")


class ConformanceJob(BaseModel):
    """The job the rules run on the line; durations are plant seconds at nominal speed.

    It must last long enough (in wall time, at the line's clock) for a fault to be injected and for
    the endpoint to restart while it runs; the rules say so when it finished too early.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    quantity: int = Field(default=10, ge=1, le=100_000)
    setup_seconds: float = Field(default=0.0, ge=0)
    seconds_per_unit: float = Field(default=60.0, ge=0)


class LineDriver(BaseModel):
    """The ``driver`` section of a line conformance file (every wait is bounded by one of these)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    control: str = Field(description=(
        "where job commands go: opc.tcp://host:port/ (c2m job methods) or "
        "mqtt://host:port/<group id>/<edge node id> (Sparkplug DCMD)"
    ))
    restart: str | None = Field(default=None, description=(
        "shell command that restarts the endpoint the adapter reads (its OPC UA server or MQTT broker) "
        "and returns; the restart rule cannot be checked without it"
    ))
    plant_file: Path | None = Field(default=None, description=(
        "build the line's status binding from this plant file's line (the target) instead of from the settings"
    ))
    job: ConformanceJob = ConformanceJob()
    fault_reason: str = Field(default="Conformance check: injected fault", min_length=1, max_length=200)
    snapshot_within: float = Field(default=10.0, gt=0, description="seconds for the first snapshot")
    job_within: float = Field(default=60.0, gt=0, description="seconds for a job to start, fail or finish")
    reconnect_within: float = Field(default=60.0, gt=0, description="seconds to be back after the restart")
    restart_timeout: float = Field(default=60.0, gt=0, description="seconds the restart command may take")
    quiet_for: float = Field(default=2.0, ge=0, description="seconds to keep watching for repeated reports")

    @field_validator("control")
    @classmethod
    def _control_scheme(cls, control: str) -> str:
        if not control.startswith(CONTROL_SCHEMES):
            raise ValueError(
                "expected opc.tcp://host:port/ (a server with the c2m job methods) or "
                f"mqtt://host:port/<group id>/<edge node id> (a Sparkplug edge node), got {control!r}"
            )
        return control


class DriverError(RuntimeError):
    """The driver could not do what a rule needs (bad binding, refused command, failed restart)."""


def line_binding(
    adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext, plant_file: Path | None
) -> LineStatusBinding:
    """The target line's status binding: from ``plant_file`` when given, else from the adapter settings.

    The settings are read as a plant file's ``status:`` block (``endpoint``, ``convention``,
    ``namespace_index``, ``nodes``, ``states``), so the binding is the one the line monitor would get.
    """
    line = context.target
    default = context.default_endpoint or ""
    if plant_file is not None:
        plant = load_plant(plant_file)
        status = plant.line(line).status
        if status.adapter != adapter.name:
            raise DriverError(
                f"{plant_file}: line {line} names status adapter {status.adapter!r}, not {adapter.name!r}; "
                "check the conformance file's adapter or target"
            )
        if not status.endpoint and not default:
            raise DriverError(f"{plant_file}: line {line} has no status endpoint; set settings.endpoint")
        return plant.status_binding(line, default_endpoint=default)
    try:
        status = LineStatusConfig.model_validate({**settings.model_dump(exclude_unset=True), "adapter": adapter.name})
    except ValidationError as exc:
        raise DriverError(
            f"the {adapter.name} settings do not read as a plant file's status block ({exc.errors()[0]['msg']}); "
            "give driver.plant_file so the binding comes from the line in the plant file"
        ) from None
    endpoint = status.endpoint or default
    if not endpoint:
        raise DriverError(f"no endpoint for line {line}: set settings.endpoint")
    return LineStatusBinding(
        line=line, adapter=adapter.name, endpoint=endpoint, nodes=status.node_ids(line), states=dict(status.states)
    )


@asynccontextmanager
async def line_control(url: str, line: str) -> AsyncIterator[LineControl]:
    """Job control at ``url`` (see :attr:`LineDriver.control`), closed when the block ends."""
    control: Any
    if url.startswith("opc.tcp://"):
        from adapters.opcua.line_control import OpcUaLineControl

        control = OpcUaLineControl(url)
    else:
        from adapters.sparkplug import SparkplugSettings, make_line_control

        try:
            control = make_line_control(SparkplugSettings.from_endpoint(line, url))
        except ValueError as exc:
            raise DriverError(f"driver.control: {exc}") from None
    try:
        yield control
    finally:
        await control.close()


async def run_restart(command: str, timeout: float) -> str:
    """Run the restart command in a shell; its exit code and last output, or :class:`DriverError`.

    Output goes to a temporary file, not a pipe: a command that starts the endpoint in the background
    would otherwise hold the pipe open and never seem to finish.
    """
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = await asyncio.create_subprocess_shell(
            command, stdout=out, stderr=out, stdin=asyncio.subprocess.DEVNULL, start_new_session=True
        )
        try:
            code = await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the shell and whatever it started
            await proc.wait()
            raise DriverError(f"driver.restart did not finish within {timeout:g} s: {command}") from None
        out.seek(0)
        text = out.read().decode(errors="replace").strip()[-500:]
    said = f"exit {code} after {time.monotonic() - start:.1f} s" + (f": {text}" if text else "")
    if code != 0:
        raise DriverError(f"driver.restart failed ({said}): {command}")
    return said
