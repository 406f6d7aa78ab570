"""The whole system as a user runs it (``c2m up``) on free ports, with workers the test can kill."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.ports import free_port
from tests.support.processes import ROOT, wait_until

TERMINAL = {"delivered", "cancelled", "rejected", "failed"}


def plentiful_stock(path: Path, quantity: float = 10_000) -> Path:
    """A starting-stock file with plenty of every item the catalog uses, so no order has to buy."""
    items = yaml.safe_load((ROOT / "catalog" / "items.yaml").read_text())["items"]
    rows = [{"item": i["id"], "on_hand": quantity, "unit": i.get("unit", "pcs")}
            for i in items if i.get("kind") in ("purchased", "stocked")]
    path.write_text(yaml.safe_dump({"stock": rows}))
    return path


@dataclass
class Stack:
    """``c2m up --no-worker`` plus worker processes started and killed by the test.

    The API runs with a bootstrap admin token (``C2M_ADMIN_TOKEN``) that the helpers send as a bearer
    token; ``c2m up`` (dev mode) also writes its demo accounts, which :meth:`demo_key` reads.
    """

    var_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
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
            "C2M_WORKER_METRICS_PORT": "0",
            "C2M_ORDER_RATE_PER_MINUTE": "0",  # the tests place orders far faster than one customer would
            "C2M_SIGNUP_RATE_PER_MINUTE": "0",  # and open guest accounts from one address
            "C2M_ADMIN_TOKEN": self.admin_token,
            "C2M_CLOCK_EPOCH": str(time.time()),
            **self.extra_env,
        }

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_API_PORT']}"

    @property
    def mes(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_MES_PORT']}"

    @property
    def auth(self) -> dict[str, str]:
        """The admin's ``Authorization`` header: what the helpers send unless told otherwise."""
        return {"Authorization": f"Bearer {self.admin_token}"}

    def demo_key(self, role: str) -> str:
        """The token of ``c2m up``'s demo account of ``role`` (customer Li Wei, planner, integrator, admin)."""
        accounts = json.loads((self.var_dir / "demo-accounts.json").read_text())["accounts"]
        return str(accounts[role]["token"])

    @property
    def suppliers(self) -> str:
        return f"http://127.0.0.1:{self.env['C2M_SUPPLIERS_PORT']}"

    def start(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with open(self.var_dir / "up.log", "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "orchestrator", "up", "--quiet", "--no-worker"],
                                         cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        wait_until(lambda: httpx.get(f"{self.api}/health", timeout=2).status_code == 200, 180,
                   f"c2m up (see {self.var_dir / 'up.log'})", self.proc)

    def start_worker(self) -> subprocess.Popen:
        with open(self.var_dir / f"worker-{len(self.workers)}.log", "ab") as out:
            worker = subprocess.Popen([sys.executable, "-m", "orchestrator", "worker"], cwd=ROOT, env=self.env,
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen) -> None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    # --- the API as a client uses it ---------------------------------------------------------

    def place(self, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        """Place an order as the admin, on behalf of ``body["customer"]`` (whose e-mail names the customer)."""
        headers = {**self.auth, **({"Idempotency-Key": key} if key else {})}
        resp = httpx.post(f"{self.api}/api/orders", json=body, headers=headers, timeout=30)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()

    def order(self, order_id: str) -> dict[str, Any]:
        resp = self.get(f"/api/orders/{order_id}")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def wait_for(self, order_id: str, stages: set[str], timeout: float) -> dict[str, Any]:
        """Poll the order until its status is one of ``stages`` (bounded)."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            last = self.order(order_id)
            if last["status"] in stages:
                return last
            if last["status"] in TERMINAL:
                break
            time.sleep(0.5)
        trail = [f"{m['kind']}:{m['payload'].get('stage', '')}" for m in last.get("milestones", [])]
        raise AssertionError(f"{order_id} is {last.get('status')}, expected one of {sorted(stages)}; trail: {trail}")

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        """GET ``path`` as the admin, or with ``token`` as the bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else self.auth
        return httpx.get(f"{self.api}{path}", params=params, headers=headers, timeout=30)

    def post(self, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> httpx.Response:
        """POST ``body`` to ``path`` as the admin, or with ``token`` as the bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else self.auth
        return httpx.post(f"{self.api}{path}", json=body or {}, headers=headers, timeout=60)


def fast_suppliers(path: Path, factor: float = 0.05) -> Path:
    """The default supplier file with lead and transit times shortened by ``factor`` (tests run faster)."""
    data = yaml.safe_load((ROOT / "suppliers" / "default.yaml").read_text())
    for supplier in data["suppliers"]:
        if "transit_days" in supplier:
            supplier["transit_days"] = round(supplier["transit_days"] * factor, 3)
        for part in supplier["parts"]:
            lead = part["lead_time_days"]
            part["lead_time_days"] = {k: round(v * factor, 3) for k, v in lead.items()} if isinstance(lead, dict) \
                else round(lead * factor, 3)
    path.write_text(yaml.safe_dump(data))
    return path


def save_history(stack: Stack, workflow_id: str, path: Path) -> None:
    """Write a workflow's event history as JSON (for the replay tests' fixtures)."""
    import asyncio

    from orchestrator.temporal_client import connect_temporal

    async def fetch() -> str:
        client = await connect_temporal(stack.env["C2M_TEMPORAL_ADDRESS"])
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        return history.to_json()

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(asyncio.run(fetch()))
