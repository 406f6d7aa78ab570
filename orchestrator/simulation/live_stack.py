"""The running stack a live run plays against: attach to ``c2m up``, or start one of its own.

Attaching reads the installation's settings (API port, plant clock, the demo admin key ``c2m up`` wrote
to ``var/demo-accounts.json``) and checks that the clock it computes agrees with the plant time the API
reports. Starting runs ``c2m up`` on free loopback ports in a directory of its own, with the scenario's
world (``live_world.stack_environment``) and a fast plant clock, and stops it again.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from orchestrator.clock import PlantClock
from orchestrator.settings import Settings
from orchestrator.simulation.scenario import SupplierChange

PROJECT = Path(__file__).resolve().parents[2]
CLOCK_TOLERANCE_WALL_SECONDS = 5.0
UP_BANNER = "c2m is up"


class StackError(RuntimeError):
    """The stack cannot be reached or started; the message says what to check."""


@dataclass(frozen=True)
class LiveStack:
    """Where a running stack answers, the key to use and its plant clock."""

    api: str
    token: str
    clock: PlantClock
    suppliers: str | None = None  # the supplier simulator's URL (its /admin interface), when known

    @property
    def auth(self) -> dict[str, str]:
        """The ``Authorization`` header of every call."""
        return {"Authorization": f"Bearer {self.token}"}


def attach(settings: Settings, api_url: str | None = None, token: str | None = None,
           time_scale: float | None = None) -> LiveStack:
    """The stack ``c2m up`` runs with ``settings`` (or at ``api_url``), checked to answer and to share its clock."""
    from orchestrator.cli.demo_accounts import accounts_file, read_accounts
    from orchestrator.runtime import shared_clock_epoch
    from orchestrator.security.principals import Role

    api = (api_url or f"http://127.0.0.1:{settings.api_port}").rstrip("/")
    if token is None:
        account = read_accounts(accounts_file(settings)).get(Role.ADMIN)
        token = account.token if account else settings.admin_token
    if not token:
        raise StackError(f"no admin key for {api}: pass --token (or C2M_TOKEN), or run `c2m up` in dev mode so that "
                         f"{accounts_file(settings)} holds the demo admin key")
    clock = PlantClock(shared_clock_epoch(settings), time_scale or settings.time_scale)
    stack = LiveStack(api, token, clock, settings.resolved_suppliers_url)
    check_clock(stack)
    return stack


def stack_plant_time(stack: LiveStack) -> datetime:
    """The plant time the API reports now (``GET /api/lines``)."""
    try:
        resp = httpx.get(f"{stack.api}/api/lines", headers=stack.auth, timeout=10)
    except httpx.HTTPError as exc:
        raise StackError(f"the API at {stack.api} does not answer ({exc}); start it with `c2m up`, or pass "
                         "--start-stack to start a stack of its own") from None
    if resp.status_code in (401, 403):
        raise StackError(f"the API at {stack.api} refused the key ({resp.status_code}); pass an admin key with --token")
    resp.raise_for_status()
    return datetime.fromisoformat(resp.json()["plant_time"])


def check_clock(stack: LiveStack) -> None:
    """Refuse a clock that disagrees with the API's by more than a few wall seconds (wrong time scale)."""
    before = stack.clock.now()
    reported = stack_plant_time(stack)
    after = stack.clock.now()
    slack = stack.clock.plant_duration(CLOCK_TOLERANCE_WALL_SECONDS)
    if not before - slack <= reported <= after + slack:
        raise StackError(f"the API reports plant time {reported:%Y-%m-%d %H:%M}, this run's clock "
                         f"(×{stack.clock.scale:g}) says {before:%Y-%m-%d %H:%M}: pass the stack's time scale "
                         "with --time-scale (or set C2M_TIME_SCALE as `c2m up` has it)")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def started_stack(var_dir: Path, environment: dict[str, str], time_scale: float,
                  ready_seconds: float = 240.0) -> Iterator[LiveStack]:
    """Run ``c2m up`` on free loopback ports in ``var_dir`` for the length of the block, then stop it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    epoch = time.time()
    ports = {name: free_port() for name in ("API", "OPCUA", "MES", "SUPPLIERS", "TEMPORAL_UI", "WORKER_METRICS")}
    env = {
        **os.environ, **environment,
        "C2M_VAR_DIR": str(var_dir),
        **{f"C2M_{name}_PORT": str(port) for name, port in ports.items()},
        "C2M_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "C2M_ADMIN_TOKEN": token,
        "C2M_TIME_SCALE": f"{time_scale:g}",
        "C2M_CLOCK_EPOCH": repr(epoch),
        "C2M_DATABASE_URL": f"sqlite:///{var_dir / 'c2m.db'}",
    }
    log = var_dir / "up.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "orchestrator", "up", "--quiet"], cwd=PROJECT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stack = LiveStack(f"http://127.0.0.1:{ports['API']}", token, PlantClock(epoch, time_scale),
                      f"http://127.0.0.1:{ports['SUPPLIERS']}")
    try:
        _wait_healthy(stack, proc, log, ready_seconds)
        yield stack
    finally:
        _stop(proc)


def _wait_healthy(stack: LiveStack, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"c2m up ended with code {proc.returncode} before it was healthy; see {log}")
        # c2m up prints its table once every part, the worker included, has reported healthy.
        if UP_BANNER in log.read_text(encoding="utf-8", errors="replace"):
            try:
                if httpx.get(f"{stack.api}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.5)
    raise StackError(f"c2m up was not healthy within {seconds:.0f} s; see {log}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def apply_supplier_changes(stack: LiveStack, changes: dict[str, SupplierChange]) -> list[str]:
    """Set the scenario's supplier reject rates on an attached stack's supplier simulator (``/admin``).

    A started stack reads them from its supplier file; an attached one takes them at run time. What the
    simulator cannot change at run time (reliability, lead times, availability) is returned as notes.
    """
    notes: list[str] = []
    if not changes:
        return notes
    if stack.suppliers is None:
        return [f"supplier changes {sorted(changes)} not applied: the supplier simulator's URL is not known"]
    for supplier, change in sorted(changes.items()):
        base = f"{stack.suppliers}/admin/suppliers/{supplier}/faults"
        if change.reject_rate is not None:
            try:
                current = httpx.get(base, timeout=10)
                current.raise_for_status()
                faults = {**current.json(), "reject_rate": change.reject_rate}
                httpx.put(base, json=faults, timeout=10).raise_for_status()
            except httpx.HTTPError as exc:
                notes.append(f"{supplier}: reject rate {change.reject_rate:g} not set at {base} ({exc})")
        fixed = [name for name, off in (("reliability", change.reliability is None),
                                        ("lead_time_factor", change.lead_time_factor == 1.0),
                                        ("available", change.available)) if not off]
        if fixed:
            notes.append(f"{supplier}: {', '.join(fixed)} of the scenario not applied to the attached stack (its "
                         "supplier file decides); use --start-stack to run the scenario's suppliers")
    return notes
