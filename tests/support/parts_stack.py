"""The whole system as separate processes a test can kill and restart one at a time.

``c2m up`` stops everything when one child dies, so a fault test runs each part itself, in the order
``c2m up`` uses: database migrated and seeded, Temporal, the plant and supplier simulators, the MES,
the API, then workers. Every part keeps its state under ``var_dir`` (Temporal's SQLite file, the
simulators' state files), so a restarted part carries on where it stopped.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from orchestrator.temporal_server import dev_server_argv
from tests.support.ports import free_port, port_open
from tests.support.processes import ROOT, wait_until

PYTHON_PARTS = {
    "opcua": ["sim", "opcua"],
    "suppliers": ["sim", "suppliers"],
    "mes": ["sim", "mes"],
    "api": ["api"],
}
START_ORDER = ("temporal", "opcua", "suppliers", "mes", "api")


@dataclass
class PartsStack:
    """Temporal, simulators and API as separately restartable processes, plus any number of workers.

    The API runs with a bootstrap admin token; :attr:`auth` is the header that carries it.
    """

    var_dir: Path
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __post_init__(self) -> None:
        self.env = {
            **os.environ,
            "C2M_VAR_DIR": str(self.var_dir),
            "C2M_DATABASE_URL": self.database_url,
            "C2M_API_PORT": str(free_port()),
            "C2M_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
            "C2M_OPCUA_PORT": str(free_port()),
            "C2M_MES_PORT": str(free_port()),
            "C2M_SUPPLIERS_PORT": str(free_port()),
            "C2M_WORKER_METRICS_PORT": "0",
            "C2M_ADMIN_TOKEN": self.admin_token,
            # One epoch for every process, also across restarts: the plant clock never jumps.
            "C2M_CLOCK_EPOCH": str(time.time()),
            **self.extra_env,
        }

    # --- addresses -----------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_API_PORT']}"

    @property
    def mes(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_MES_PORT']}"

    @property
    def suppliers(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_SUPPLIERS_PORT']}"

    @property
    def auth(self) -> dict[str, str]:
        """The admin's ``Authorization`` header for the API."""
        return {"Authorization": f"Bearer {self.admin_token}"}

    @property
    def temporal_port(self) -> int:
        return int(self.env["C2M_TEMPORAL_ADDRESS"].rpartition(":")[2])

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Migrate and seed the database, then start every part in ``c2m up``'s order."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for command in (["db", "upgrade"], ["db", "seed"]):
            done = subprocess.run([sys.executable, "-m", "orchestrator", *command], cwd=ROOT, env=self.env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"c2m {' '.join(command)} failed: {done.stdout}{done.stderr}"
        for name in START_ORDER:
            self.start_part(name)

    def _argv(self, name: str) -> list[str]:
        if name == "temporal":
            return dev_server_argv(self.var_dir / "temporal.db", self.temporal_port, None)
        return [sys.executable, "-m", "orchestrator", *PYTHON_PARTS[name]]

    def _ready(self, name: str) -> Callable[[], bool]:
        checks: dict[str, Callable[[], bool]] = {
            "temporal": lambda: port_open(self.temporal_port),
            "opcua": lambda: port_open(int(self.env["C2M_OPCUA_PORT"])),
            "suppliers": lambda: httpx.get(f"{self.suppliers}/health", timeout=2).is_success,
            "mes": lambda: httpx.get(f"{self.mes}/api/v1/health", timeout=2).is_success,
            "api": lambda: httpx.get(f"{self.api}/docs", timeout=2).is_success,
        }
        return checks[name]

    def start_part(self, name: str, timeout: float = 120) -> float:
        """Start one part and wait (bounded) until it answers; returns the seconds that took."""
        started = time.monotonic()
        with open(self.var_dir / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(self._argv(name), cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.procs[name] = proc
        wait_until(self._ready(name), timeout, f"{name} (see {self.var_dir / (name + '.log')})", proc)
        return time.monotonic() - started

    def stop_part(self, name: str, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop one part with ``sig`` (SIGKILL: a crash) and wait for it to be gone."""
        proc = self.procs.pop(name)
        _signal_and_wait(proc, sig)

    def restart_part(self, name: str, sig: signal.Signals = signal.SIGTERM) -> float:
        """Stop and start one part; returns the seconds until it answered again."""
        self.stop_part(name, sig)
        return self.start_part(name)

    def start_worker(self) -> subprocess.Popen:
        with open(self.var_dir / f"worker-{len(self.workers)}.log", "ab") as out:
            worker = subprocess.Popen([sys.executable, "-m", "orchestrator", "worker"], cwd=ROOT, env=self.env,
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        return worker

    def live_workers(self) -> list[subprocess.Popen]:
        return [w for w in self.workers if w.poll() is None]

    def kill_worker(self, worker: subprocess.Popen) -> None:
        _signal_and_wait(worker, signal.SIGKILL)

    def stop(self) -> None:
        """Stop workers first, then the parts in reverse start order."""
        for worker in self.live_workers():
            _signal_and_wait(worker, signal.SIGTERM)
        for name in reversed(START_ORDER):
            if name in self.procs:
                self.stop_part(name)


def _signal_and_wait(proc: subprocess.Popen, sig: signal.Signals, timeout: float = 30) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass
