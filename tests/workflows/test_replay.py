"""Recorded histories of representative orders replay against today's workflow code.

A change that makes the order workflow non-deterministic fails here, before it reaches a plant with
orders in flight; such changes must go behind ``workflow.patched``. The histories are recorded from the
end-to-end tests: ``C2M_CAPTURE_HISTORIES=tests/workflows/histories pytest tests/e2e/test_order_path.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_the_representative_orders_are_all_recorded() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"order_happy_path", "order_cancel", "order_change_and_approval", "order_rejected"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_deterministically(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
