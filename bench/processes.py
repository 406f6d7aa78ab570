"""Child processes of the benchmarks: servers on free loopback ports, always stopped when the block ends."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from temporalio.client import Client

from orchestrator.temporal_client import connect_temporal

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on at the moment (on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:``port``."""
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


def log_tail(log: Path | None, lines: int = 15) -> str:
    """The last lines of a child's log, indented, for an error message ('' without a log)."""
    if log is None or not log.exists():
        return ""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    return "\n" + "\n".join(f"    {line}" for line in tail) if tail else ""


def wait_for(check: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None,
             log: Path | None = None) -> None:
    """Poll ``check`` every 50 ms until true; fail naming ``what`` (and the child's last log lines)."""
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} while starting{log_tail(log)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready within {timeout:g} s{log_tail(log)}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; waits until the process is gone."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def child(args: list[str], port: int | None, what: str, *, env: dict[str, str] | None = None,
          log: Path | None = None, timeout: float = 30.0) -> Iterator[subprocess.Popen]:
    """Run ``args`` as a child until the block ends; waits until it listens on ``port`` (when given).

    Its output goes to ``log`` (discarded without one); ``env`` is added to this process's environment.
    """
    out: IO[bytes] | int = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **env} if env else None)
        try:
            if port is not None:
                wait_for(lambda: listening(port), timeout, f"{what} (port {port})", proc, log)
            yield proc
        finally:
            stop(proc)
    finally:
        if not isinstance(out, int):
            out.close()


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; None where ``/proc`` cannot tell (not Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def python_module(module: str, *args: str) -> list[str]:
    """argv running ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


async def temporal_client(port: int) -> Client:
    """A client of the dev server on ``port`` (it accepts connections a moment before it serves)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await connect_temporal(f"127.0.0.1:{port}")
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
