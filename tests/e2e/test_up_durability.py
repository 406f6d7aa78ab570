"""``c2m up`` as a user runs it: all parts come up, SIGTERM stops every child, a restart resumes work."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from orchestrator.temporal_client import connect_temporal
from tests.support.ports import free_port
from tests.support.processes import ROOT, wait_until
from workflows.probe import DurabilityProbeWorkflow, ProbeInput, ProbeResult

pytestmark = pytest.mark.slow


def _stack_env(var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "C2M_VAR_DIR": str(var_dir),
        "C2M_API_PORT": str(free_port()),
        "C2M_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "C2M_TEMPORAL_UI_PORT": str(free_port()),
        "C2M_WORKER_METRICS_PORT": str(free_port()),
        "C2M_OPCUA_PORT": str(free_port()),
        "C2M_MES_PORT": str(free_port()),
        "C2M_SUPPLIERS_PORT": str(free_port()),
        "C2M_TIME_SCALE": "600",
    }


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "orchestrator", "up", "--quiet"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{env['C2M_API_PORT']}/health"

    def all_up() -> bool:
        return httpx.get(api, timeout=2).status_code == 200

    wait_until(all_up, 180, f"c2m up (see {log})", proc)
    return proc


def _stack_processes(var_dir: Path) -> list[int]:
    """PIDs of live processes started for this stack (they carry its C2M_VAR_DIR)."""
    marker = f"C2M_VAR_DIR={var_dir}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                if ") Z " not in stat:  # zombies are already dead
                    pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _demo_accounts(env: dict[str, str], var_dir: Path) -> dict[str, str]:
    """The demo keys ``c2m up`` wrote (role -> token), checked: owner-only file, each key is its role."""
    path = var_dir / "demo-accounts.json"
    assert path.stat().st_mode & 0o777 == 0o600, oct(path.stat().st_mode)
    tokens = {role: entry["token"] for role, entry in json.loads(path.read_text())["accounts"].items()}
    assert set(tokens) == {"customer", "planner", "integrator", "admin"}
    for role, token in tokens.items():
        me = httpx.get(f"http://127.0.0.1:{env['C2M_API_PORT']}/api/me", timeout=5,
                       headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["role"] == role, me.text
    return tokens


def _stop(proc: subprocess.Popen, var_dir: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    wait_until(lambda: not _stack_processes(var_dir), 10, "children to exit")


async def test_sigterm_stops_everything_and_a_restart_resumes_a_running_workflow(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    env = _stack_env(var_dir)
    log = tmp_path / "up.log"
    proc = _start(env, log)
    try:
        health = httpx.get(f"http://127.0.0.1:{env['C2M_API_PORT']}/health", timeout=5).json()
        assert {c["state"] for c in health["components"].values()} == {"up"}
        ui = httpx.get(f"http://127.0.0.1:{env['C2M_TEMPORAL_UI_PORT']}/", timeout=5)
        assert ui.status_code == 200
        keys = _demo_accounts(env, var_dir)
        # The links come with the rest of the addresses, once the worker is up too.
        wait_until(lambda: f"/planner#key={keys['planner']}" in log.read_text(), 60, "the signed-in page links")
        integrator_key_id = keys["integrator"].split("_")[1]
        revoked = httpx.delete(f"http://127.0.0.1:{env['C2M_API_PORT']}/api/accounts/{integrator_key_id}",
                               headers={"Authorization": f"Bearer {keys['admin']}"}, timeout=5)
        assert revoked.status_code == 200, revoked.text

        client = await connect_temporal(env["C2M_TEMPORAL_ADDRESS"])
        handle = await client.start_workflow(
            DurabilityProbeWorkflow.run, ProbeInput(steps=6, step_seconds=1.0),
            id=f"probe-{uuid.uuid4()}", task_queue="c2m-orders", result_type=ProbeResult,
        )

        async def progressed() -> int:
            return await handle.query(DurabilityProbeWorkflow.progress)

        for _ in range(100):
            if await progressed() >= 2:
                break
            await asyncio.sleep(0.1)
        assert await progressed() >= 2
    finally:
        _stop(proc, var_dir)
    assert _stack_processes(var_dir) == []

    proc = _start(env, log)
    try:
        again = _demo_accounts(env, var_dir)
        assert again["integrator"] != keys["integrator"], "a revoked demo key is replaced"
        assert {r: k for r, k in again.items() if r != "integrator"} == \
            {r: k for r, k in keys.items() if r != "integrator"}, "a restart reuses the demo keys that still work"
        client = await connect_temporal(env["C2M_TEMPORAL_ADDRESS"])
        result = await asyncio.wait_for(
            client.get_workflow_handle(handle.id, result_type=ProbeResult).result(), timeout=90
        )
        assert result.steps == 6
        assert len(result.workers) == 2, "the steps after the restart ran on the new worker"
    finally:
        _stop(proc, var_dir)
