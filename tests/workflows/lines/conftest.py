"""Fixtures of the line monitor tests: the real OPC UA plant simulator, the plant model, a SQLite app DB."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from orchestrator.persistence.db import make_engine
from orchestrator.persistence.migrate import upgrade
from orchestrator.plant import Plant, load_plant
from tests.fixtures.opcua_plant import OpcUaPlant
from tests.support.ports import free_port
from tests.support.processes import ROOT

TIME_SCALE = 3600.0  # a plant hour per wall second


def _simulator(directory: Path) -> OpcUaPlant:
    directory.mkdir(parents=True, exist_ok=True)
    return OpcUaPlant(port=free_port(), state_file=directory / "state.db", log_file=directory / "sim.log",
                      time_scale=TIME_SCALE)


@pytest.fixture
def plant_sim(tmp_path: Path) -> Iterator[OpcUaPlant]:
    """A fresh OPC UA plant simulator (random faults off) that a test may crash and restart."""
    sim = _simulator(tmp_path / "opcua_plant")
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def shared_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpcUaPlant]:
    """One simulator for a test module whose tests leave their line idle and never crash it."""
    sim = _simulator(tmp_path_factory.mktemp("opcua_plant_shared"))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def plant() -> Plant:
    """The default plant (six lines)."""
    return load_plant(ROOT / "plant" / "default.yaml")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A freshly migrated SQLite app database (for the tests that run extra processes)."""
    url = f"sqlite:///{tmp_path / 'c2m.db'}"
    upgrade(url)
    return url


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """An engine on :func:`sqlite_url`."""
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def scheduler_id() -> str:
    """A scheduler workflow id of this test alone (the real one may run in the same dev server)."""
    return f"plant-scheduler-test-{uuid.uuid4().hex[:8]}"
