"""The OPC UA plant simulator: one PackML line per plant-file line, jobs running on the plant clock.

A single asyncio task ticks the lines (every ``tick`` wall seconds), saves what changed to the state
file and then shows it over OPC UA. Method calls (StoreAndStart, Pause, ...) run as coroutines in the
server's event loop and share a lock with the tick, so a line is never changed halfway through a
save-and-show. Counts are shown at most every ``count_interval`` wall seconds; state changes at the
next tick: a handful of writes per line per second, whatever the time scale.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from asyncua import Server, ua

from simulators.common.clock import SimClock
from simulators.opcua_plant.address_space import NAMESPACE, LineNodes, MethodHandler, build_machines
from simulators.opcua_plant.faults import FaultModel
from simulators.opcua_plant.machine import LineMachine
from simulators.opcua_plant.packml import State, Status
from simulators.opcua_plant.plant_file import LineSpec
from simulators.opcua_plant.store import LineStateStore

log = logging.getLogger("simulators.opcua_plant")

SAVE_RUNNING_EVERY = 1.0  # wall seconds: how fresh the resume point of a running job is kept


class PlantSimulator:
    """The plant's lines behind an asyncua server."""

    def __init__(
        self,
        lines: list[LineSpec],
        store: LineStateStore,
        clock: SimClock,
        *,
        host: str = "127.0.0.1",
        port: int = 4840,
        seed: int = 1,
        random_faults: bool = True,
        tick: float = 0.1,
        count_interval: float = 0.25,
    ) -> None:
        self.clock, self.store = clock, store
        self.endpoint = f"opc.tcp://{host}:{port}/"
        self.tick, self.count_interval = tick, count_interval
        saved = store.load()
        self.machines: dict[str, LineMachine] = {}
        for spec in lines:
            faults = FaultModel(
                seed, spec.id, spec.mtbf_hours, spec.mttr_minutes, spec.abort_share, spec.defect_rate,
                enabled=random_faults,
            )
            record = LineMachine.record_from(saved[spec.id]) if spec.id in saved else None
            self.machines[spec.id] = LineMachine(spec, faults, record)
        self.server = Server()
        self.nodes: dict[str, LineNodes] = {}
        self._lock = asyncio.Lock()
        self._shown_at: dict[str, float] = dict.fromkeys(self.machines, 0.0)
        self._saved_at: dict[str, float] = dict.fromkeys(self.machines, 0.0)
        self._ticker: asyncio.Task[None] | None = None
        #: Called with (line, values, states passed) each time a line is shown over OPC UA; must not block
        #: (the Sparkplug publisher only queues them).
        self.listeners: list[Callable[[str, dict[str, Any], list[int]], None]] = []

    async def start(self) -> None:
        """Build the address space and listen."""
        await self.server.init()
        self.server.set_endpoint(self.endpoint)
        self.server.set_server_name("C2M OPC UA plant simulator")
        self.server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        ns = await self.server.register_namespace(NAMESPACE)
        if ns != 2:
            log.warning("namespace %s got index %d, not 2: clients must look it up", NAMESPACE, ns)
        machines = await build_machines(self.server, ns)
        now = self.clock.now_ts()
        for line, machine in self.machines.items():
            machine.advance(now)
            machine.entered.clear()
            self.nodes[line] = LineNodes(self.server, ns, line)
            handlers = {name: self._handler(line, name) for name in _COMMANDS}
            await self.nodes[line].build(machines, machine.values(), handlers)
        await self._save(list(self.machines))
        await self.server.start()
        self._ticker = asyncio.create_task(self._tick_forever(), name="opcua-plant-tick")

    async def stop(self) -> None:
        """Stop ticking, save every line where it is, and close the server."""
        if self._ticker is not None:
            self._ticker.cancel()
            await asyncio.gather(self._ticker, return_exceptions=True)
        async with self._lock:
            now = self.clock.now_ts()
            for machine in self.machines.values():
                machine.advance(now)
            await self._save(list(self.machines))
        # asyncua's stop() waits for its once-a-second clock task to wake up; end it at once instead.
        clock_task = getattr(self.server.iserver, "time_task", None)
        if isinstance(clock_task, asyncio.Task):
            clock_task.cancel()
            await asyncio.gather(clock_task, return_exceptions=True)
            self.server.iserver.time_task = None
        await self.server.stop()
        self.store.close()

    # --- commands ------------------------------------------------------------------------------

    def _handler(self, line: str, method: str) -> MethodHandler:
        async def handle(parent: ua.NodeId, *args: ua.Variant) -> list[ua.Variant]:
            status = await self.command(line, method, [a.Value for a in args])
            return [ua.Variant(int(status), ua.VariantType.Int32)]

        handle.__name__ = f"{line}_{method}"
        return handle

    async def command(self, line: str, method: str, args: list[Any]) -> Status:
        """Run one job method on a line (as the OPC UA method does) and show the result at once."""
        async with self._lock:
            machine = self.machines[line]
            machine.advance(self.clock.now_ts())
            try:
                status = _COMMANDS[method](machine, args)
            except (TypeError, ValueError):
                status = Status.BAD_ARGUMENTS
            log.info("%s.%s%s -> %s (state %s)", line, method, tuple(args), status.name,
                     State(machine.r.state).name)
            await self._save_and_show([line], force=True)
            return status

    # --- time ----------------------------------------------------------------------------------

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                async with self._lock:
                    now = self.clock.now_ts()
                    for machine in self.machines.values():
                        machine.advance(now)
                    await self._save_and_show(list(self.machines))
            except Exception:  # a broken tick must not stop the plant; the next one retries
                log.exception("tick failed")

    async def _save_and_show(self, lines: list[str], force: bool = False) -> None:
        wall = time.monotonic()
        to_show: list[str] = []
        to_save: list[str] = []
        for line in lines:
            machine = self.machines[line]
            transitions = bool(machine.entered)
            counts_due = wall - self._shown_at[line] >= self.count_interval
            if force or transitions or (counts_due and machine.values() != self.nodes[line].shown):
                to_show.append(line)
            running = machine.r.timer_length is not None
            if machine.changed or (running and wall - self._saved_at[line] >= SAVE_RUNNING_EVERY):
                to_save.append(line)
        # Saved before shown: a client never sees a state that a crash right now could undo.
        await self._save(to_save)
        for line in to_show:
            machine = self.machines[line]
            values = machine.values()
            await self.nodes[line].show(values, machine.entered)
            for listener in self.listeners:
                listener(line, values, list(machine.entered))
            machine.entered.clear()
            self._shown_at[line] = wall

    async def _save(self, lines: list[str]) -> None:
        if not lines:
            return
        records = {line: self.machines[line].to_record() for line in lines}
        await asyncio.to_thread(self.store.save, records)
        wall = time.monotonic()
        for line in lines:
            self.machines[line].changed = False
            self._saved_at[line] = wall


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def _store_and_start(m: LineMachine, args: list[Any]) -> Status:
    if len(args) != 4:
        return Status.BAD_ARGUMENTS
    return m.store_and_start(_text(args[0]), _whole(args[1]), _number(args[2]), _number(args[3]))


def _inject_fault(m: LineMachine, args: list[Any]) -> Status:
    if len(args) not in (2, 3):
        return Status.BAD_ARGUMENTS
    duration = _number(args[2]) if len(args) == 3 else 0.0
    return m.inject_fault(_text(args[0]).strip().lower(), _text(args[1]), duration)


def _no_args(action: str) -> Any:
    def run(m: LineMachine, args: list[Any]) -> Status:
        return Status.BAD_ARGUMENTS if args else getattr(m, action)()

    return run


_COMMANDS: dict[str, Any] = {
    "StoreAndStart": _store_and_start,
    "Pause": _no_args("pause"),
    "Resume": _no_args("resume"),
    "Abort": _no_args("abort"),
    "Clear": _no_args("clear"),
    "Reset": _no_args("reset"),
    "InjectFault": _inject_fault,
}
