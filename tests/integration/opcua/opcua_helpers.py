"""Helpers for the OPC UA tests: read line values, wait for them, and collect a line's events."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from asyncua import Client, ua

from adapters.opcua import OpcUaLineStatusSource
from orchestrator.ports.lines import LINE_STATUS_FIELDS, LineEvent, LineEventKind


def job_id(prefix: str = "WO") -> str:
    """A job order id no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Client]:
    """A plain asyncua client."""
    client = Client(url, timeout=5)
    client.session_timeout = 60_000
    await client.connect()
    try:
        yield client
    finally:
        await client.disconnect()


async def read(client: Client, line: str, field: str) -> Any:
    """A line value by our field name, via the c2m node convention."""
    path = LINE_STATUS_FIELDS[field]
    return await client.get_node(ua.NodeId.from_string(f"ns=2;s=Machines/{line}/{path}")).read_value()


async def wait_value(
    client: Client, line: str, field: str, check: Callable[[Any], bool], timeout: float = 15.0
) -> Any:
    """Poll a line value until ``check`` accepts it; fail after ``timeout`` seconds with the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = await read(client, line, field)
        if check(value):
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"{line}.{field} never satisfied the check within {timeout} s; last value {value!r}")


class EventLog:
    """Collects the events of a line status source in the background."""

    def __init__(self, source: OpcUaLineStatusSource) -> None:
        self.source = source
        self.events: list[LineEvent] = []
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        async for event in self.source.events():
            self.events.append(event)

    def of(self, kind: LineEventKind) -> list[LineEvent]:
        """The events of one kind so far."""
        return [e for e in self.events if e.kind == kind]

    async def wait_for(self, check: Callable[[LineEvent], bool], what: str, timeout: float = 15.0) -> LineEvent:
        """The first event (seen so far or coming) that ``check`` accepts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if check(event):
                    return event
            if self._task.done():
                self._task.result()  # raises the stream's error, if any
                raise AssertionError(f"the event stream ended before {what}")
            await asyncio.sleep(0.02)
        seen = [
            (e.kind.value, e.job_order_id, e.values.get("state_name") or e.values.get("status")) for e in self.events
        ]
        raise AssertionError(f"no event {what} within {timeout} s; events: {seen}")

    async def close(self) -> None:
        """Close the source; the stream must end promptly."""
        await self.source.close()
        await asyncio.wait_for(self._task, 5.0)
