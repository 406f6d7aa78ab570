"""A bare asyncua subscription client: the least latency any OPC UA client pays for a line's value change.

It records, for every ``ProducedQuantity`` value of a job, the OPC UA source timestamp and when it
arrived here, keyed ``(line, job, produced)``; the benchmarks compare their own path against it. It also
follows each line's job id and PackML state, which is what drives jobs one after another.
"""

from __future__ import annotations

import time
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from asyncua import Client as UaClient

PUBLISHING_INTERVAL_MS = 50.0  # the same as the line status adapter's

Key = tuple[str, str, int]


def timestamp(value: datetime) -> float:
    """Unix seconds of an OPC UA (naive UTC or aware) timestamp."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class Baseline:
    """Subscribes to each line's job id, produced quantity and state; ``seen`` maps keys to (source, received)."""

    def __init__(self, url: str, lines: list[str]) -> None:
        self.url, self.lines = url, lines
        self.client = UaClient(url, timeout=5)
        self.seen: dict[Key, tuple[float, float]] = {}
        self.job: dict[str, str] = {}
        self.state: dict[str, int] = {}
        self._field: dict[Any, tuple[str, str]] = {}

    async def start(self) -> None:
        """Connect and subscribe to each line's job id, produced quantity and state."""
        await self.client.connect()
        nodes = []
        for line in self.lines:
            for field, path in (("job", "JobOrder/JobOrderID"), ("produced", "JobOrder/ProducedQuantity"),
                                ("state", "Status/StateCurrent")):
                node = self.client.get_node(f"ns=2;s=Machines/{line}/{path}")
                self._field[node.nodeid] = (line, field)
                nodes.append(node)
        subscription = await self.client.create_subscription(PUBLISHING_INTERVAL_MS, self)
        await subscription.subscribe_data_change(nodes, queuesize=100, sampling_interval=0.0)  # type: ignore[call-overload]

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        """asyncua's callback for every value change."""
        received = time.time()
        line, field = self._field[node.nodeid]
        if field == "job":
            self.job[line] = str(val or "")
        elif field == "state":
            self.state[line] = int(val)
        elif self.job.get(line) and isinstance(val, int) and val > 0:
            source = timestamp(data.monitored_item.Value.SourceTimestamp)
            self.seen.setdefault((line, self.job[line], val), (source, received))

    async def stop(self) -> None:
        """Disconnect."""
        with suppress(Exception):
            await self.client.disconnect()
