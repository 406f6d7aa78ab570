"""Runs the gateway inside the plant simulator's process and event loop, reading its machines there.

Like the Sparkplug publisher, it listens to what the simulator shows over OPC UA (same moments,
same values), so the CSV export never shows a state the OPC UA server has not shown yet, and the
HTTP server (uvicorn) shares the simulator's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import uvicorn

from simulators.gateway.app import create_app
from simulators.gateway.export import ExportBook

if TYPE_CHECKING:  # the simulator imports this package for its options: no import back at run time
    from simulators.opcua_plant.server import PlantSimulator

log = logging.getLogger("simulators.gateway")

START_TIMEOUT = 10.0  # seconds for the HTTP server to start and to stop


class GatewayError(RuntimeError):
    """The gateway cannot run as asked (a line the plant lacks, a port already taken)."""


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the simulator's event loop: the simulator owns SIGINT and SIGTERM, not uvicorn."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # the name older uvicorn versions use
        pass


class LineGateway:
    """The plant's lines ``lines`` exported as CSV at ``http://host:port/export/...`` (port 0: a free one)."""

    def __init__(self, sim: PlantSimulator, lines: list[str], *, host: str = "127.0.0.1", port: int = 8110) -> None:
        unknown = sorted(set(lines) - set(sim.machines))
        if unknown:
            raise GatewayError(f"gateway lines {unknown} are not lines of the plant ({', '.join(sim.machines)})")
        self.sim, self.lines = sim, list(lines)
        self.host, self.port = host, port
        self.book = ExportBook(started=sim.clock.now())
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The gateway's base URL."""
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        """Take the lines' current values, listen to the simulator and serve (returns once listening)."""
        now = self.sim.clock.now()
        for line in self.lines:
            shown = self.sim.nodes[line].shown if line in self.sim.nodes else None
            self.book.add_line(line, dict(shown) if shown else self.sim.machines[line].values(), now)
        sock = _listen(self.host, self.port)
        self.port = int(sock.getsockname()[1])
        self.sim.listeners.append(self._shown)
        config = uvicorn.Config(
            create_app(self.book), host=self.host, port=self.port, log_level="warning", lifespan="off",
            access_log=False,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="line-gateway")
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if self._task.done() or time.monotonic() > deadline:
                await self.stop()
                raise GatewayError(f"the line gateway did not start on {self.host}:{self.port}")
            await asyncio.sleep(0.02)
        log.info("gateway: lines %s exported as CSV at %sexport/lines.csv", ", ".join(self.lines), self.url)

    async def stop(self) -> None:
        """Stop listening to the simulator and serving."""
        if self._shown in self.sim.listeners:
            self.sim.listeners.remove(self._shown)
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), START_TIMEOUT)
            except Exception:  # it did not end in time (or ended badly): make sure it is gone
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
        self._server, self._task = None, None

    def _shown(self, line: str, values: dict[str, Any], _states_passed: list[int]) -> None:
        for done in self.book.update(line, values, self.sim.clock.now()):
            log.info("gateway: %s completed %s (seq %d)", line, done.job_order_id, done.seq)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that a taken port is a clear error, not uvicorn's exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise GatewayError(f"the line gateway cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock
