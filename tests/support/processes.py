"""Start real server processes for tests and wait, bounded, until they answer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.ports import port_open

ROOT = Path(__file__).resolve().parents[2]


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll ``check`` every 50 ms until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with code {proc.returncode}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def http_ok(url: str) -> Callable[[], bool]:
    """A readiness check: GET url answers 2xx."""
    return lambda: httpx.get(url, timeout=1.0).is_success


def tcp_open(port: int) -> Callable[[], bool]:
    """A readiness check: the port accepts connections."""
    return lambda: port_open(port)


@contextmanager
def running(
    args: list[str],
    ready: Callable[[], bool],
    what: str,
    env: dict[str, str] | None = None,
    timeout: float = 30.0,
    log_path: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """Run ``python -m ...`` style ``args`` as a child process until the block ends."""
    full_env = {**os.environ, **(env or {})}
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=full_env, stdout=log, stderr=log)
    try:
        wait_until(ready, timeout, what, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if log_path:
            log.close()  # type: ignore[union-attr]
