"""A small process supervisor for ``c2m up``: start children, wait for health, prefix logs, stop cleanly.

Children run in their own sessions so that Ctrl-C reaches only the supervisor, which then stops them in
reverse start order (SIGTERM, then SIGKILL after a grace period). A child that dies unexpectedly is
never restarted silently: the supervisor reports it with its last log lines and stops the stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from orchestrator.probes import ProbeResult

COLOURS = ["cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta"]


@dataclass
class ChildSpec:
    """What to run and how to know it is healthy."""

    name: str
    argv: list[str]
    health: Callable[[], Awaitable[ProbeResult]]
    env: dict[str, str] = field(default_factory=dict)
    startup_timeout: float = 90.0


@dataclass
class Child:
    """A running child process with its recent output kept for error reports."""

    spec: ChildSpec
    proc: asyncio.subprocess.Process
    colour: str
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=30))
    pump: asyncio.Task[None] | None = None


class ChildFailed(RuntimeError):
    """A child exited or never became healthy."""


class Supervisor:
    """Starts children in stages, streams their logs with a prefix, stops them all on the way out."""

    def __init__(self, console: Console, log_dir: Path, quiet: bool = False) -> None:
        self.console = console
        self.log_dir = log_dir
        self.quiet = quiet
        self.children: list[Child] = []
        self._stopping = False

    async def start_stage(self, specs: list[ChildSpec]) -> None:
        """Start ``specs`` together and wait until each one reports healthy."""
        started = [await self._spawn(spec) for spec in specs]
        with self.console.status("") as status:
            pending = {c.spec.name: c for c in started}
            deadline = {c.spec.name: time.monotonic() + c.spec.startup_timeout for c in started}
            while pending:
                status.update(f"waiting for {', '.join(sorted(pending))} to become healthy…")
                for name, child in list(pending.items()):
                    if child.proc.returncode is not None:
                        raise ChildFailed(self._failure(child, f"exited with code {child.proc.returncode}"))
                    result = await child.spec.health()
                    if result.up:
                        del pending[name]
                        self.console.print(
                            f"[green]✔[/] {name} healthy ({result.detail}, {result.latency_ms:.0f} ms)"
                        )
                    elif time.monotonic() > deadline[name]:
                        raise ChildFailed(self._failure(child, f"not healthy after "
                                                               f"{child.spec.startup_timeout:.0f} s: {result.detail}"))
                await asyncio.sleep(0.2)

    async def watch(self, stop: asyncio.Event) -> None:
        """Return when ``stop`` is set; raise ChildFailed when a child dies on its own."""
        waits = {asyncio.create_task(c.proc.wait()): c for c in self.children}
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopper, *waits], return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        if stopper in done:
            return
        stopper.cancel()
        dead = next(waits[t] for t in done if t in waits)
        raise ChildFailed(self._failure(dead, f"exited unexpectedly with code {dead.proc.returncode}"))

    async def stop_all(self, grace: float = 15.0) -> None:
        """Stop children in reverse start order: SIGTERM, then SIGKILL after ``grace`` seconds."""
        self._stopping = True
        for child in reversed(self.children):
            if child.proc.returncode is None:
                self.console.print(f"[dim]stopping {child.spec.name}…[/]")
                _signal_group(child.proc.pid, signal.SIGTERM)
                try:
                    await asyncio.wait_for(child.proc.wait(), grace)
                except TimeoutError:
                    self.console.print(f"[yellow]{child.spec.name} ignored SIGTERM; killing it[/]")
                    _signal_group(child.proc.pid, signal.SIGKILL)
                    await child.proc.wait()
            _signal_group(child.proc.pid, signal.SIGKILL)  # leftovers of the child's own children
            if child.pump:
                await asyncio.wait([child.pump], timeout=2)
        self.console.print("[green]all parts stopped[/]")

    async def _spawn(self, spec: ChildSpec) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        proc = await asyncio.create_subprocess_exec(
            *spec.argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, **spec.env, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        child = Child(spec, proc, COLOURS[len(self.children) % len(COLOURS)])
        child.pump = asyncio.create_task(self._pump(child))
        self.children.append(child)
        self.console.print(f"[dim]started {spec.name} (pid {proc.pid})[/]")
        return child

    async def _pump(self, child: Child) -> None:
        assert child.proc.stdout is not None
        width = max(len(c.spec.name) for c in self.children) if self.children else 8
        with open(self.log_dir / f"{child.spec.name}.log", "a", encoding="utf-8") as log:
            async for raw in child.proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip()
                log.write(line + "\n")
                log.flush()
                child.tail.append(line)
                if not self.quiet:
                    name = child.spec.name.ljust(max(width, 9))
                    self.console.print(f"[{child.colour}]{name}|[/] {line}", markup=True, highlight=False,
                                       soft_wrap=True)

    def _failure(self, child: Child, what: str) -> str:
        tail = "\n".join(f"    {line}" for line in child.tail) or "    (no output)"
        return (f"{child.spec.name} {what}.\n  its last output:\n{tail}\n"
                f"  full log: {self.log_dir / (child.spec.name + '.log')}")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def python_module(module: str, *args: str) -> list[str]:
    """argv running ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]
