"""Job control of lines over Sparkplug B: each command is a DCMD, its answer a DDATA.

Implements :class:`~orchestrator.ports.lines.LineControl` for edge nodes that follow the c2m
convention (the plant simulator with ``--sparkplug-lines``): a DCMD carries the command's trigger
metric (``Command/StoreAndStart`` = true...), its arguments and a fresh ``Command/RequestID``; the
line answers with ``Command/LastRequestID`` (the same id) and ``Command/LastStatus`` (the status
the OPC UA method returns). No answer within ``command_timeout`` is :class:`LineUnavailable`;
retrying is safe (StoreAndStart is idempotent on the job order id).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from types import TracebackType
from typing import Any

from pysparkplug import DataType, DCmd, DData, MessageType, Metric, Topic, get_current_timestamp

from adapters.sparkplug.metrics import LAST_REQUEST_ID, LAST_STATUS, REQUEST_ID
from adapters.sparkplug.mqtt_link import Connected, Disconnected, MqttLink, Received
from adapters.sparkplug.settings import SparkplugSettings
from orchestrator.ports.lines import CommandStatus, FaultMode, LineUnavailable


class SparkplugLineControl:
    """Sends job commands to the lines (devices) of one edge node; connects on first use."""

    def __init__(self, settings: SparkplugSettings) -> None:
        self.settings = settings
        self._link: MqttLink | None = None
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._waiting: dict[str, asyncio.Future[int]] = {}

    async def __aenter__(self) -> SparkplugLineControl:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Connect now and wait for the broker (otherwise the first command does)."""
        if self._link is None:
            s = self.settings
            answers = str(Topic(message_type=MessageType.DDATA, group_id=s.group_id, edge_node_id=s.edge_node_id))
            self._link = MqttLink(s.host, s.port, [f"{answers}/+"], keepalive=s.keepalive, client_prefix="c2m-ctl")
            self._link.start()
            self._reader = asyncio.create_task(self._read_answers(self._link), name="sparkplug-line-control")
        try:
            await asyncio.wait_for(self._connected.wait(), self.settings.command_timeout)
        except TimeoutError:
            raise LineUnavailable(f"no MQTT broker at {self.settings.host}:{self.settings.port}") from None

    async def close(self) -> None:
        """Disconnect (idempotent)."""
        link, self._link = self._link, None
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        if link is not None:
            await link.close()
        self._connected.clear()

    async def _read_answers(self, link: MqttLink) -> None:
        while True:
            item = await link.events.get()
            if isinstance(item, Connected):
                self._connected.set()
            elif isinstance(item, Disconnected):
                self._connected.clear()
            elif isinstance(item, Received):
                with contextlib.suppress(Exception):  # not an answer we can read: not ours
                    values = {m.name: m.value for m in DData.decode(item.payload).metrics}
                    request = values.get(LAST_REQUEST_ID)
                    future = self._waiting.get(str(request)) if request else None
                    if future is not None and not future.done() and LAST_STATUS in values:
                        future.set_result(int(values[LAST_STATUS]))  # type: ignore[arg-type]

    async def command(self, line: str, trigger: str, arguments: list[Metric]) -> CommandStatus:
        """Send ``Command/<trigger>`` with ``arguments`` to ``line``'s device and wait for the answer."""
        await self.connect()
        link = self._link
        assert link is not None
        s = self.settings
        request_id = uuid.uuid4().hex
        now = get_current_timestamp()
        metrics = (
            Metric(timestamp=now, name=REQUEST_ID, datatype=DataType.STRING, value=request_id),
            *arguments,
            Metric(timestamp=now, name=f"Command/{trigger}", datatype=DataType.BOOLEAN, value=True),
        )
        topic = Topic(message_type=MessageType.DCMD, group_id=s.group_id, edge_node_id=s.edge_node_id,
                      device_id=s.device_of(line))
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            if not link.publish(str(topic), DCmd(timestamp=now, metrics=metrics).encode(include_dtypes=True), qos=1):
                raise LineUnavailable(f"{line}.{trigger}: not connected to {s.host}:{s.port}")
            status = await asyncio.wait_for(future, s.command_timeout)
        except TimeoutError:
            raise LineUnavailable(
                f"{line}.{trigger}: no answer from edge node {s.edge_node_id} within {s.command_timeout:g} s"
            ) from None
        finally:
            self._waiting.pop(request_id, None)
        return CommandStatus(status)

    async def store_and_start(
        self, line: str, job_order_id: str, quantity: int, setup_seconds: float, seconds_per_unit: float
    ) -> CommandStatus:
        """Load a job on an idle line and start it (durations: plant seconds at nominal speed)."""
        return await self.command(line, "StoreAndStart", [
            _metric("Command/JobOrderID", DataType.STRING, job_order_id),
            _metric("Command/Quantity", DataType.INT32, int(quantity)),
            _metric("Command/SetupSeconds", DataType.DOUBLE, float(setup_seconds)),
            _metric("Command/SecondsPerUnit", DataType.DOUBLE, float(seconds_per_unit)),
        ])

    async def pause(self, line: str) -> CommandStatus:
        """Suspend the running job."""
        return await self.command(line, "Pause", [])

    async def resume(self, line: str) -> CommandStatus:
        """Resume a suspended job, or end a held fault early."""
        return await self.command(line, "Resume", [])

    async def abort(self, line: str) -> CommandStatus:
        """Abort the job."""
        return await self.command(line, "Abort", [])

    async def clear(self, line: str) -> CommandStatus:
        """Complete/Aborted/Stopped -> Idle."""
        return await self.command(line, "Clear", [])

    async def reset(self, line: str) -> CommandStatus:
        """Complete/Aborted/Stopped -> Idle."""
        return await self.command(line, "Reset", [])

    async def inject_fault(
        self, line: str, mode: FaultMode | str, reason: str, duration_seconds: float = 0.0
    ) -> CommandStatus:
        """Hold the running job for ``duration_seconds`` plant seconds (0: until resumed), or abort it."""
        return await self.command(line, "InjectFault", [
            _metric("Command/FaultMode", DataType.STRING, FaultMode(mode).value),
            _metric("Command/FaultReason", DataType.STRING, reason),
            _metric("Command/FaultDurationSeconds", DataType.DOUBLE, float(duration_seconds)),
        ])


def _metric(name: str, datatype: DataType, value: Any) -> Metric:
    return Metric(timestamp=get_current_timestamp(), name=name, datatype=datatype, value=value)
