"""How the line rules provoke what they check: the ``driver`` section of a line conformance file.

The rules watch the line through the adapter under test, but they need the line to *do* things: run
a job, fail, lose its server for a moment. The driver says how: job commands go through the ``control``
of a line adapter (a :class:`~orchestrator.ports.lines.LineControl`, see
:class:`~orchestrator.integration.spec.AdapterSpec`): by default the adapter under test's own, built
from its settings; with ``driver.control`` set, the control of the installed adapter for that URL's
scheme (``opc.tcp://``: ``opcua``, the c2m job methods; ``mqtt://``: ``sparkplug``, DCMD) or of
``driver.control_adapter``, for adapters that only read their line. ``restart`` is a shell command that
restarts the endpoint the adapter reads (its OPC UA server, its MQTT broker). The line's status binding (where its
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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from orchestrator.integration.line_commands import NoLineControl, control_of
from orchestrator.integration.registry import AdapterSettingsError, BadAdapter, UnknownAdapter, load_settings
from orchestrator.integration.spec import AdapterContext, AdapterSpec, close_control
from orchestrator.plant import LineStatusConfig, load_plant
from orchestrator.ports.journal import AdapterKind
from orchestrator.ports.lines import LineControl, LineStatusBinding

#: The line adapter whose control commands a ``driver.control`` URL, by its scheme.
CONTROL_ADAPTERS = {"opc.tcp://": "opcua", "mqtt://": "sparkplug", "tcp://": "sparkplug"}
CONTROL_SCHEMES = tuple(CONTROL_ADAPTERS)


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

    control: str | None = Field(default=None, description=(
        "where job commands go: opc.tcp://host:port/ (c2m job methods) or "
        "mqtt://host:port/<group id>/<edge node id> (Sparkplug DCMD); "
        "omitted: through the control of the adapter under test, with its settings"
    ))
    control_adapter: str | None = Field(default=None, description=(
        "the installed line adapter whose control sends the commands to `control` (default: by the URL's scheme)"
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

    @field_validator("plant_file")
    @classmethod
    def _beside_the_file(cls, plant_file: Path | None, info: ValidationInfo) -> Path | None:
        """A relative plant file is read from the conformance file's folder (given as ``base_dir``)."""
        base = (info.context or {}).get("base_dir")
        if plant_file is None or plant_file.is_absolute() or base is None:
            return plant_file
        return Path(base) / plant_file

    @model_validator(mode="after")
    def _control_scheme(self) -> LineDriver:
        if self.control is None:
            if self.control_adapter is not None:
                raise ValueError("control_adapter needs control: the URL its control sends the commands to")
        elif self.control_adapter is None and not self.control.startswith(CONTROL_SCHEMES):
            raise ValueError(
                "control: expected opc.tcp://host:port/ (a server with the c2m job methods) or "
                f"mqtt://host:port/<group id>/<edge node id> (a Sparkplug edge node), got {self.control!r}; "
                "for another scheme name the adapter whose control speaks it in control_adapter"
            )
        return self

    def control_text(self, adapter: AdapterSpec[Any]) -> str:
        """Where job commands go, for people."""
        if self.control is None:
            return f"the {adapter.name} adapter's control"
        return f"{self.control_adapter_name} control at {self.control}"

    @property
    def control_adapter_name(self) -> str:
        """The line adapter that commands ``control`` (given, or by the URL's scheme)."""
        if self.control_adapter is not None:
            return self.control_adapter
        return next(name for scheme, name in CONTROL_ADAPTERS.items() if (self.control or "").startswith(scheme))


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
async def line_control(
    adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext, driver: LineDriver
) -> AsyncIterator[LineControl]:
    """The driver's job control of the target line (see the module), closed when the block ends."""
    if driver.control is not None:
        name = driver.control_adapter_name
        try:
            adapter, settings = load_settings(AdapterKind.LINE, name, {"endpoint": driver.control})
        except (UnknownAdapter, BadAdapter, AdapterSettingsError) as exc:
            raise DriverError(f"driver.control: the {name} adapter cannot command {driver.control}: {exc}") from None
        context = AdapterContext(context.target, driver.control, clock=context.clock)
    try:
        control = control_of(adapter, settings, context)
    except NoLineControl as exc:
        hint = "" if driver.control else (
            "; set driver.control to a URL where the line takes job commands (opc.tcp:// or mqtt://)")
        raise DriverError(f"{exc}{hint}") from None
    except ValueError as exc:  # the adapter's control refuses the settings
        raise DriverError(f"driver.control: {exc}") from None
    try:
        yield control
    finally:
        await close_control(control)


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
