"""Publishes chosen lines of the plant simulator as Sparkplug B devices, alongside OPC UA.

The simulator calls its listeners each time it shows a line's values over OPC UA (same moments,
same values, same states passed). The listener only queues them; a task of its own diffs them
into DDATA messages, so the OPC UA path never waits on MQTT. DCMD commands run through the
simulator's own command path (the OPC UA methods' one), and their answers follow the values
they changed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pysparkplug import DataType, Metric, get_current_timestamp

from simulators.opcua_plant.server import PlantSimulator
from simulators.sparkplug.edge_node import PlantEdgeNode
from simulators.sparkplug.metrics import COMMANDS, birth_metrics, change_steps, metric

log = logging.getLogger("simulators.sparkplug")


class SparkplugPublisher:
    """The plant's lines ``lines`` as devices (device id = line id) of edge node ``edge_node_id``."""

    def __init__(
        self,
        sim: PlantSimulator,
        lines: list[str],
        *,
        group_id: str = "c2m",
        edge_node_id: str = "plant",
        host: str = "127.0.0.1",
        port: int = 1883,
        bd_seq: int = 0,
    ) -> None:
        unknown = sorted(set(lines) - set(sim.machines))
        if unknown:
            raise ValueError(f"sparkplug lines {unknown} are not lines of the plant ({', '.join(sim.machines)})")
        self.sim, self.lines = sim, list(lines)
        # Written by the asyncio thread, read at births by paho's (under the node's lock).
        self._published: dict[str, dict[str, Any]] = {}
        self._results: dict[str, tuple[str, int]] = dict.fromkeys(self.lines, ("", 0))
        self._queue: asyncio.Queue[tuple[str, dict[str, Any], list[int], list[Metric]]] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.node = PlantEdgeNode(
            group_id, edge_node_id, self.lines, self._birth, self._command, host=host, port=port, bd_seq=bd_seq,
        )

    async def start(self) -> None:
        """Take the lines' current values, listen to the simulator and connect (births follow)."""
        self._loop = asyncio.get_running_loop()
        for line in self.lines:
            self._published[line] = dict(self.sim.nodes[line].shown) if line in self.sim.nodes else (
                self.sim.machines[line].values()
            )
        self.sim.listeners.append(self._shown)
        self._task = asyncio.create_task(self._publish_forever(), name="sparkplug-publisher")
        self.node.start()

    async def stop(self) -> None:
        """Stop listening and leave the broker with an NDEATH."""
        if self._shown in self.sim.listeners:
            self.sim.listeners.remove(self._shown)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.to_thread(self.node.stop)

    # --- values ---------------------------------------------------------------------------------

    def _shown(self, line: str, values: dict[str, Any], states_passed: list[int]) -> None:
        if line in self._published:
            self._queue.put_nowait((line, dict(values), list(states_passed), []))

    async def _publish_forever(self) -> None:
        while True:
            line, values, states, extra = await self._queue.get()
            try:
                old = self._published[line]
                steps = change_steps(old, values, states) if values else []
                self._published[line] = values or old
                if not steps and extra:
                    steps = [{}]
                self.node.publish_data(line, steps, extra)
            except Exception:  # one bad publish must not stop the line's updates
                log.exception("sparkplug: cannot publish %s", line)

    def _birth(self, device: str) -> list[Metric]:
        return birth_metrics(self._published[device], self._results[device], get_current_timestamp())

    # --- commands -------------------------------------------------------------------------------

    def _command(self, device: str, metrics: dict[str, Any]) -> None:
        """Called in paho's thread: run the command on the simulator's event loop."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._run_command(device, metrics)))

    async def _run_command(self, line: str, metrics: dict[str, Any]) -> None:
        triggers = [name for name in COMMANDS if metrics.get(name)]
        request_id = str(metrics.get("Command/RequestID") or "")
        for trigger in triggers:
            method, arg_names = COMMANDS[trigger]
            args = [metrics[name] for name in arg_names if name in metrics]
            try:
                status = int(await self.sim.command(line, method, args))
            except Exception:
                log.exception("sparkplug: %s.%s failed", line, method)
                status = 2
            self._results[line] = (request_id, status)
            now = get_current_timestamp()
            answer = [
                metric("Command/LastRequestID", DataType.STRING, request_id, now),
                metric("Command/LastStatus", DataType.INT32, status, now),
            ]
            # Queued after the values the command changed (the simulator showed them before returning).
            self._queue.put_nowait((line, {}, [], answer))
