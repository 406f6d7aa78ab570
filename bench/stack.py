"""The whole system for a benchmark: ``c2m up --no-worker`` on free ports, plus workers the bench starts.

Every process started here is stopped on the way out (also on Ctrl-C or an exception): the worker's
process group, then ``c2m up`` (which stops its own children), then any child still alive (SIGTERM, then
SIGKILL). The stack also reads resident memory (``VmRSS`` of a process and its descendants) and the
worker's Prometheus counters.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 180.0  # the embedded Temporal dev server alone may take a minute on a busy machine
STOP_GRACE = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll ``check`` every 100 ms until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with code {proc.returncode}")
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def plentiful_stock(path: Path, quantity: float = 10_000_000) -> Path:
    """A starting-stock file with ``quantity`` of every purchased and stocked item, so no order has to buy.

    The default is large on purpose: a thousand suits use some 500,000 m of sewing thread.
    """
    items = yaml.safe_load((ROOT / "catalog" / "items.yaml").read_text())["items"]
    rows = [{"item": i["id"], "on_hand": quantity, "unit": i.get("unit", "pcs")}
            for i in items if i.get("kind") in ("purchased", "stocked")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"stock": rows}))
    return path


# --- processes and their memory --------------------------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ')'.
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren, ...)."""
    tree = _children_map()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(tree.get(child, []))
    return found


def cmdline(pid: int) -> str:
    """The process's command line, arguments joined by spaces ('' when it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def rss_kib(pid: int) -> int:
    """Resident memory (VmRSS, KiB) of one process; 0 when it is gone."""
    try:
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return 0
    return int(match.group(1)) if match else 0


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    return sum(rss_kib(p) for p in [pid, *descendants(pid)]) / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system seconds) a process and its live descendants have used so far."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _stop_group(proc: subprocess.Popen, grace: float) -> None:
    """SIGTERM the process's group, wait up to ``grace`` seconds, then SIGKILL it."""
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    _signal_group(proc.pid, signal.SIGKILL)  # anything left in the group (a grandchild that ignored TERM)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block (main thread only), then raise KeyboardInterrupt if one came."""
    arrived: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        arrived.append(signum)

    try:
        previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: signals are not ours to hold
        yield
        return
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if arrived:
        raise KeyboardInterrupt(f"signal {arrived[0]} (held until the stack had stopped)")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- the stack --------------------------------------------------------------------------------------

@dataclass
class BenchStack:
    """``python -m orchestrator up --quiet --no-worker`` on free ports in ``var_dir``, and bench-run workers."""

    var_dir: Path
    time_scale: float = 3600.0
    extra_env: dict[str, str] = field(default_factory=dict)
    up: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    metrics_ports: list[str] = field(default_factory=list)  # one Prometheus endpoint per worker
    children: list[int] = field(default_factory=list)  # c2m up's children, stopped by pid if they linger
    env: dict[str, str] = field(default_factory=dict)
    # The API's bootstrap admin token: the benchmark places and counts orders as an admin.
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __post_init__(self) -> None:
        self.env = {
            **os.environ,
            "C2M_VAR_DIR": str(self.var_dir),
            "C2M_API_PORT": str(free_port()),
            "C2M_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
            "C2M_TEMPORAL_UI_PORT": str(free_port()),
            "C2M_OPCUA_PORT": str(free_port()),
            "C2M_MES_PORT": str(free_port()),
            "C2M_SUPPLIERS_PORT": str(free_port()),
            "C2M_WORKER_METRICS_PORT": str(free_port()),
            "C2M_CLOCK_EPOCH": str(time.time()),
            "C2M_TIME_SCALE": f"{self.time_scale:g}",
            "C2M_STOCK_FILE": str(plentiful_stock(self.var_dir / "stock.yaml")),
            "C2M_ORDER_RATE_PER_MINUTE": "0",  # the benchmark is one caller placing many orders on purpose
            "C2M_ADMIN_TOKEN": self.admin_token,
            **self.extra_env,
        }

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_API_PORT']}"

    @property
    def auth(self) -> dict[str, str]:
        """The admin's ``Authorization`` header, sent with every API call of the benchmark."""
        return {"Authorization": f"Bearer {self.admin_token}"}

    @property
    def temporal_address(self) -> str:
        return self.env["C2M_TEMPORAL_ADDRESS"]

    @property
    def db_file(self) -> Path:
        """The app database (SQLite under the var dir)."""
        return self.var_dir / "c2m.db"

    @property
    def metrics_url(self) -> str:
        """The first worker's Prometheus endpoint."""
        return self.metrics_urls[0] if self.metrics_urls else self._metrics_url(self.env["C2M_WORKER_METRICS_PORT"])

    @property
    def metrics_urls(self) -> list[str]:
        """Every started worker's Prometheus endpoint."""
        return [self._metrics_url(port) for port in self.metrics_ports]

    @staticmethod
    def _metrics_url(port: str) -> str:
        return f"http://127.0.0.1:{port}/metrics"

    @property
    def worker_logs(self) -> list[Path]:
        """The started workers' logs."""
        return [self.var_dir / f"worker-{n}.log" for n in range(len(self.workers))]

    def start(self) -> None:
        """Start ``c2m up --no-worker`` and wait until the API answers; remember its children."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.var_dir / "up.log", "ab") as out:
            self.up = subprocess.Popen([sys.executable, "-m", "orchestrator", "up", "--quiet", "--no-worker"],
                                       cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        wait_until(lambda: httpx.get(f"{self.api}/health", timeout=2).status_code == 200, STARTUP_TIMEOUT,
                   f"c2m up (its log: {self.var_dir / 'up.log'})", self.up)
        self.children = descendants(self.up.pid)

    def start_worker(self) -> subprocess.Popen:
        """Start ``python -m orchestrator worker`` (each on a metrics port of its own) and wait until its metrics
        endpoint answers."""
        port = self.env["C2M_WORKER_METRICS_PORT"] if not self.workers else str(free_port())
        with open(self.var_dir / f"worker-{len(self.workers)}.log", "ab") as out:
            worker = subprocess.Popen([sys.executable, "-m", "orchestrator", "worker"], cwd=ROOT,
                                      env={**self.env, "C2M_WORKER_METRICS_PORT": port},
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        self.metrics_ports.append(port)
        url = self._metrics_url(port)
        wait_until(lambda: httpx.get(url, timeout=2).status_code == 200, 120, f"worker metrics at {url}", worker)
        return worker

    def stop(self) -> None:
        """Stop workers, then ``c2m up``, then any of its children still alive. Safe to call twice.

        A Ctrl-C or SIGTERM arriving meanwhile waits until everything is stopped, then interrupts.
        """
        with _signals_deferred():
            self._stop()

    def _stop(self) -> None:
        for worker in self.workers:
            _stop_group(worker, STOP_GRACE)
        if self.up is not None and self.up.poll() is None:
            # Children started after start() looked (or before it failed) are stopped too.
            self.children = list(dict.fromkeys([*self.children, *descendants(self.up.pid)]))
        if self.up is not None:
            _stop_group(self.up, STOP_GRACE * 2)
        for pid in self.children:
            if _alive(pid):
                _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while any(_alive(p) for p in self.children) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in self.children:
            if _alive(pid):
                _signal_group(pid, signal.SIGKILL)

    # --- processes to measure ---------------------------------------------------------------------

    def child_pid(self, fragment: str) -> int:
        """The pid of c2m up's child whose command line contains ``fragment`` (e.g. 'orchestrator api')."""
        for pid in self.children:
            if fragment in cmdline(pid) and _alive(pid):
                return pid
        raise LookupError(f"no process of c2m up runs '{fragment}'; its children: "
                          f"{[cmdline(p)[:80] for p in self.children]}")

    def memory_mib(self) -> dict[str, float]:
        """Resident memory (MiB, with descendants) of the API, the worker(s) and the Temporal server."""
        return {
            "api": tree_rss_mib(self.child_pid("orchestrator api")),
            "worker": sum(tree_rss_mib(w.pid) for w in self.workers if w.poll() is None),
            "temporal": tree_rss_mib(self.child_pid("server start-dev")),
        }

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by the API, the worker(s), the Temporal server and the three simulators."""
        sims = [p for p in self.children if "orchestrator sim" in cmdline(p)]
        return {
            "api": cpu_seconds(self.child_pid("orchestrator api")),
            "worker": sum(cpu_seconds(w.pid) for w in self.workers if w.poll() is None),
            "temporal": cpu_seconds(self.child_pid("server start-dev")),
            "simulators": sum(cpu_seconds(p) for p in sims),
        }

    # --- the API and the worker's metrics ---------------------------------------------------------

    def place(self, http: httpx.Client, body: dict[str, Any], key: str) -> dict[str, Any]:
        """POST /api/orders with an Idempotency-Key; a refusal raises with the API's answer.

        A 429 or 503 is retried after its Retry-After (a few times): the key makes the retry safe.
        """
        for _ in range(5):
            resp = http.post(f"{self.api}/api/orders", json=body, headers={"Idempotency-Key": key, **self.auth},
                             timeout=60)
            if resp.status_code not in (429, 503):
                break
            time.sleep(min(float(resp.headers.get("Retry-After", "1")), 30.0))
        if resp.status_code not in (200, 201):
            raise RuntimeError(f"placing {body['sku']} failed with {resp.status_code}: {resp.text[:500]}")
        return dict(resp.json())

    def count(self, http: httpx.Client, status: str) -> int:
        """How many orders are at ``status`` (the list's ``total``)."""
        resp = http.get(f"{self.api}/api/orders", params={"status": status, "limit": 1}, headers=self.auth, timeout=30)
        resp.raise_for_status()
        return int(resp.json()["total"])

    def metric_counts(self, prefix: str, label: str = "activity_type", suffixes: tuple[str, ...] = ("_count", "_total"),
                      ) -> dict[str, float]:
        """The workers' ``<prefix>*`` samples summed by ``label`` over every worker (see :func:`metric_counts`)."""
        total: dict[str, float] = {}
        for url in self.metrics_urls or [self.metrics_url]:
            for key, value in metric_counts(url, prefix, label, suffixes).items():
                total[key] = total.get(key, 0.0) + value
        return total


def metric_counts(url: str, prefix: str, label: str = "activity_type",
                  suffixes: tuple[str, ...] = ("_count", "_total")) -> dict[str, float]:
    """Sum the Prometheus samples named ``<prefix>...<suffix>`` by the value of ``label``.

    The defaults read a counter (``_total``) or a histogram's count (``_count``); ``("_sum",)`` its sum.
    """
    text = httpx.get(url, timeout=10).text
    out: dict[str, float] = {}
    for line in text.splitlines():
        name, _, rest = line.partition("{")
        if not name.startswith(prefix) or not name.endswith(suffixes):
            continue
        labels, _, value = rest.rpartition("}")
        match = re.search(rf'{label}="([^"]*)"', labels)
        key = match.group(1) if match else "?"
        out[key] = out.get(key, 0.0) + float(value.strip().split()[0])
    return out


@contextlib.contextmanager
def running_stack(var_dir: Path, time_scale: float, extra_env: dict[str, str] | None = None,
                  workers: int = 1) -> Iterator[BenchStack]:
    """A started stack with ``workers`` worker processes, stopped however the block ends."""
    stack = BenchStack(var_dir, time_scale, extra_env or {})
    try:
        stack.start()
        for _ in range(workers):
            stack.start_worker()
        yield stack
    finally:
        stack.stop()


@contextlib.contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed when the block succeeds; kept (and named) for its logs when the block fails
    or something in it created ``KEEP`` (see :func:`keep`)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    except BaseException:
        print(f"the run failed; its logs are kept in {path}", file=sys.stderr, flush=True)
        raise
    if (path / "KEEP").exists():
        print(f"logs of failed runs are kept in {path}", file=sys.stderr, flush=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def keep(scratch: Path) -> None:
    """Ask :func:`scratch_dir` to keep ``scratch`` (a run in it failed)."""
    (scratch / "KEEP").touch()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt for the block, so cleanup runs as on Ctrl-C (main thread only)."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
