"""Job control of c2m-convention lines over OPC UA: StoreAndStart, Pause, Resume, Abort, Clear, InjectFault.

Implements :class:`~orchestrator.ports.lines.LineControl` for servers that follow the c2m address
space (the plant simulator): methods ``Machines/<Line>/<Method>`` in namespace
``urn:c2m:plant-simulator``. One connection serves every line of the server::

    async with OpcUaLineControl("opc.tcp://127.0.0.1:4840/") as lines:
        status = await lines.store_and_start("FAB1", "WO-1", 10, 600, 60)
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any

from asyncua import Client, ua

from orchestrator.ports.lines import PLANT_SIMULATOR_NAMESPACE, CommandStatus, FaultMode, LineUnavailable

_LINK_ERRORS = (OSError, ConnectionError, TimeoutError, ua.UaError)


class OpcUaLineControl:
    """Calls the job methods of lines on one OPC UA server (connects lazily, reconnects on demand)."""

    def __init__(self, endpoint: str, *, namespace: str = PLANT_SIMULATOR_NAMESPACE, timeout: float = 5.0) -> None:
        self.endpoint = endpoint
        self.namespace = namespace
        self.timeout = timeout
        self._client: Client | None = None
        self._ns: int | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> OpcUaLineControl:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Connect now (otherwise the first command does)."""
        async with self._lock:
            await self._ensure_connected()

    async def close(self) -> None:
        """Disconnect (idempotent)."""
        client, self._client, self._ns = self._client, None, None
        if client is not None:
            # Already gone or not answering: nothing left to release.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 2.0)

    async def _ensure_connected(self) -> tuple[Client, int]:
        if self._client is not None and self._ns is not None:
            return self._client, self._ns
        client = Client(self.endpoint, timeout=self.timeout)
        client.session_timeout = 60_000
        try:
            await asyncio.wait_for(client.connect(), self.timeout * 2)
            try:
                ns = await client.get_namespace_index(self.namespace)
            except ValueError:
                await client.disconnect()
                raise LineUnavailable(
                    f"{self.endpoint} has no namespace {self.namespace!r}: it is not a c2m-convention server"
                ) from None
        except _LINK_ERRORS as exc:
            raise LineUnavailable(f"cannot reach {self.endpoint}: {exc!r}") from exc
        self._client, self._ns = client, ns
        return client, ns

    async def call(self, line: str, method: str, *args: ua.Variant) -> CommandStatus:
        """Call ``Machines/<line>/<method>`` with typed arguments; one reconnect on a broken link."""
        for attempt in (1, 2):
            async with self._lock:
                client, ns = await self._ensure_connected()
                parent = client.get_node(ua.NodeId(ua.String(f"Machines/{line}"), ua.Int16(ns)))
                method_id = ua.NodeId(ua.String(f"Machines/{line}/{method}"), ua.Int16(ns))
                try:
                    result: Any = await parent.call_method(method_id, *args)
                except (ua.uaerrors.BadNodeIdUnknown, ua.uaerrors.BadNodeIdInvalid):
                    raise ValueError(
                        f"{self.endpoint} has no method Machines/{line}/{method}: is {line!r} a line of this plant?"
                    ) from None
                except _LINK_ERRORS as exc:
                    await self.close()
                    if attempt == 2:
                        raise LineUnavailable(f"{self.endpoint}: {line}.{method} failed: {exc!r}") from exc
                    continue
            return CommandStatus(int(result))
        raise AssertionError("unreachable")

    async def store_and_start(
        self, line: str, job_order_id: str, quantity: int, setup_seconds: float, seconds_per_unit: float
    ) -> CommandStatus:
        """Load a job on an idle line and start it (durations: plant seconds at nominal speed)."""
        return await self.call(
            line, "StoreAndStart",
            ua.Variant(job_order_id, ua.VariantType.String),
            ua.Variant(int(quantity), ua.VariantType.Int32),
            ua.Variant(float(setup_seconds), ua.VariantType.Double),
            ua.Variant(float(seconds_per_unit), ua.VariantType.Double),
        )

    async def pause(self, line: str) -> CommandStatus:
        """Suspend the running job."""
        return await self.call(line, "Pause")

    async def resume(self, line: str) -> CommandStatus:
        """Resume a suspended job, or end a held fault early."""
        return await self.call(line, "Resume")

    async def abort(self, line: str) -> CommandStatus:
        """Abort the job."""
        return await self.call(line, "Abort")

    async def clear(self, line: str) -> CommandStatus:
        """Complete/Aborted/Stopped -> Idle."""
        return await self.call(line, "Clear")

    async def reset(self, line: str) -> CommandStatus:
        """Complete/Aborted/Stopped -> Idle."""
        return await self.call(line, "Reset")

    async def inject_fault(
        self, line: str, mode: FaultMode | str, reason: str, duration_seconds: float = 0.0
    ) -> CommandStatus:
        """Hold the running job for ``duration_seconds`` plant seconds (0: until resumed), or abort it."""
        return await self.call(
            line, "InjectFault",
            ua.Variant(FaultMode(mode).value, ua.VariantType.String),
            ua.Variant(reason, ua.VariantType.String),
            ua.Variant(float(duration_seconds), ua.VariantType.Double),
        )
