"""A real sourcing stack: Temporal dev server, supplier simulator, API serving the ASN webhook, SQLite.

The simulator runs as its own process at plant scale 3600 (a plant hour per wall second); the API
runs in a thread with uvicorn on a free port and signals workflows on the session's dev server; the
worker runs in the test's event loop with the real HTTP supplier adapters.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from sqlalchemy.engine import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from adapters.suppliers import HttpSupplierDirectory
from orchestrator.api.app import create_app
from orchestrator.clock import PlantClock
from orchestrator.inventory import ChoiceWeights
from orchestrator.inventory.supplier_list import load_supplier_listings, lot_rules
from orchestrator.persistence.db import make_engine
from orchestrator.persistence.migrate import upgrade
from orchestrator.settings import Settings
from tests.fixtures.suppliers import TIME_SCALE, WEBHOOK_SECRET, AsnReceiver, SupplierSim, asn_receiver  # noqa: F401
from tests.support.auth import ADMIN
from tests.support.ports import free_port, port_open
from tests.support.processes import wait_until
from workflows.contracts import ClockSpec, SourcingInput, SourcingResult
from workflows.sourcing import SOURCING_WORKFLOWS, webhook_url
from workflows.sourcing.activities import SourcingActivities

# Plant days: 0.02 d = 0.48 plant hours = about half a wall second at scale 3600.
QUICK = {"min": 0.02, "mode": 0.025, "max": 0.03}
SLOW = {"min": 0.4, "mode": 0.45, "max": 0.5}  # ten wall seconds and more: stays unshipped in a test


def _supplier(sid: str, parts: list[dict[str, Any]], transit_days: float = 0.002) -> dict[str, Any]:
    return {"id": sid, "name": sid.replace("-", " ").title(), "reliability": 1.0, "transit_days": transit_days,
            "parts": parts}


def _part(item: str, price: float, lead: dict[str, float] = QUICK, **extra: Any) -> dict[str, Any]:
    return {"item": item, "name": item.title(), "price": price, "lead_time_days": lead, **extra}


SUPPLIERS = {"suppliers": [
    _supplier("alpha-components", [_part("gear", 10), _part("bolt", 0.1, moq=100, multiple=50), _part("board", 20),
                                   _part("casting", 30, SLOW)]),
    _supplier("bravo-industrial", [_part("gear", 11), _part("board", 21), _part("bolt", 0.11, moq=100, multiple=50)]),
    _supplier("charlie-cheap", [_part("gear", 8), _part("board", 15)]),
    _supplier("delta-freight", [_part("crate", 5)], transit_days=0.5),  # ships at once, arrives 12 h later
    _supplier("echo-late", [_part("spring", 2)]),
    # Coils: a fast supplier, and sea freight days later (worth asking the fast one again after a refusal).
    _supplier("foxtrot-express", [_part("coil", 40)]),
    _supplier("golf-sea", [_part("coil", 12, {"min": 5, "mode": 5, "max": 5})]),
    _supplier("hotel-only", [_part("valve", 7)]),  # the one supplier of valves (its outage stops every quote)
]}


class ApiThread:
    """The real API app served by uvicorn in a thread, on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.port = settings.api_port
        self.server = uvicorn.Server(uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, name="api", daemon=True)

    def __enter__(self) -> ApiThread:
        self.thread.start()
        wait_until(lambda: port_open(self.port), 20, "API server")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class SourcingStack:
    """Everything a sourcing test needs, running."""

    client: Client
    task_queue: str
    sim: SupplierSim
    engine: Engine
    api_url: str
    clock: ClockSpec

    def plant_now(self) -> datetime:
        """Plant time now on the shared clock."""
        return PlantClock(self.clock.epoch, self.clock.scale).now()

    def need(
        self, order_id: str, item: str, quantity: float, need_in_hours: float = 6, unit: str = "pcs"
    ) -> SourcingInput:
        """A purchase need due ``need_in_hours`` plant hours from now."""
        return SourcingInput(order_id=order_id, need_id=f"{order_id}:{item}", item=item, quantity=quantity, unit=unit,
                             need_by=self.plant_now() + timedelta(hours=need_in_hours), clock=self.clock)

    async def start(self, need: SourcingInput) -> WorkflowHandle[Any, SourcingResult]:
        """Start a sourcing workflow for the need."""
        return await self.client.start_workflow(
            "Sourcing", need, id=f"src-{need.need_id}-{uuid.uuid4().hex[:6]}", task_queue=self.task_queue,
            result_type=SourcingResult, execution_timeout=timedelta(minutes=3),
        )

    def sim_orders(self, supplier: str) -> list[dict[str, Any]]:
        """The POs the simulated supplier holds."""
        return self.sim.purchase_orders(supplier)

    def scorecard(self, supplier: str) -> dict[str, Any]:
        """``GET /api/suppliers/{id}``'s scorecard."""
        response = httpx.get(f"{self.api_url}/api/suppliers/{supplier}", headers=ADMIN, timeout=5)
        response.raise_for_status()
        return dict(response.json()["scorecard"])


def write_supplier_file(tmp_path: Path, suppliers: dict[str, Any]) -> Path:
    """Suppliers as the YAML file the simulator, the adapters and the API read."""
    path = tmp_path / "suppliers.yaml"
    path.write_text(yaml.safe_dump(suppliers, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def supplier_file(tmp_path: Path) -> Path:
    """The test suppliers as a YAML file."""
    return write_supplier_file(tmp_path, SUPPLIERS)


@contextlib.contextmanager
def started_sim(tmp_path: Path, supplier_file: Path, receiver: AsnReceiver, scale: float = TIME_SCALE,
                ) -> Iterator[SupplierSim]:
    """The supplier simulator process with the suppliers of ``supplier_file``, at ``scale``."""
    sim = SupplierSim(config_path=supplier_file, state_file=tmp_path / "suppliers.db",
                      log_path=tmp_path / "suppliers.log", receiver=receiver, scale=scale)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def running_sim(tmp_path: Path, supplier_file: Path, asn_receiver: AsnReceiver) -> Iterator[SupplierSim]:  # noqa: F811
    """The supplier simulator process with the test suppliers."""
    with started_sim(tmp_path, supplier_file, asn_receiver) as sim:
        yield sim


@dataclass
class SourcingParts:
    """What a sourcing worker needs: the API's settings, the database and the real activities."""

    settings: Settings
    engine: Engine
    directory: HttpSupplierDirectory
    activities: SourcingActivities
    clock: ClockSpec


@contextlib.asynccontextmanager
async def sourcing_parts(client: Client, tmp_path: Path, supplier_file: Path, sim: SupplierSim,
                         weights: ChoiceWeights | None = None) -> AsyncIterator[SourcingParts]:
    """A fresh SQLite file, the real sourcing activities on the simulator's clock, and the API (its ASN
    webhook) served in a thread; all closed on the way out."""
    db_url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(db_url)
    settings = Settings(
        database_url=db_url, webhook_secret=WEBHOOK_SECRET, api_port=free_port(), var_dir=tmp_path,
        temporal_address=client.service_client.config.target_host, suppliers_file=supplier_file,
        suppliers_url=sim.base_url, clock_epoch=sim.epoch, time_scale=sim.scale,
    )
    engine = make_engine(db_url)
    directory = HttpSupplierDirectory.from_file(supplier_file, sim.base_url)
    activities = SourcingActivities(
        directory, engine, PlantClock(sim.epoch, sim.scale), webhook_url(settings),
        lot_rules=lot_rules(load_supplier_listings(supplier_file)), weights=weights or ChoiceWeights())
    try:
        with ApiThread(settings):
            yield SourcingParts(settings, engine, directory, activities, ClockSpec(epoch=sim.epoch, scale=sim.scale))
    finally:
        await directory.aclose()
        engine.dispose()


@pytest.fixture
async def sourcing(
    temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path, supplier_file: Path, running_sim: SupplierSim
) -> AsyncIterator[SourcingStack]:
    """Simulator, API (webhook) and a sourcing worker, sharing one plant clock and one SQLite database."""
    client = temporal_env.client
    # Asking again after a refusal: four wall seconds at this clock, not a day's 24.
    weights = ChoiceWeights(ask_again_after_hours=4)
    async with sourcing_parts(client, tmp_path, supplier_file, running_sim, weights) as parts, \
            Worker(client, task_queue=task_queue, workflows=SOURCING_WORKFLOWS, activities=parts.activities.all(),
                   max_concurrent_activities=100):
        yield SourcingStack(client, task_queue, running_sim, parts.engine, parts.settings.resolved_public_url,
                            parts.clock)
