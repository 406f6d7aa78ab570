"""Work orders the MES suite releases, sized in wall seconds, and how they read in the exchanges.

Ids are unique per run (``c2m-conformance-<run>-<n>``), so the suite can run again and again against
the same MES. Durations are converted to plant seconds with the driver's ``time_scale`` (plant seconds
per wall second at the MES), so a job runs about as long on the wall clock whatever the MES's clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.ports.mes import WorkOrder, WorkOrderState, WorkOrderStatus


class MesDriver(BaseModel):
    """How the MES suite drives the endpoint (the conformance file's ``driver`` section)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: str = Field(min_length=1, description="a line of the MES, idle, on which the suite's jobs may run")
    work_master: str = Field(default="c2m-conformance/check", min_length=1, description="recipe id of the jobs")
    time_scale: float = Field(default=1.0, gt=0, description="plant seconds per wall second at the MES")
    run_seconds: float = Field(default=2.0, gt=0, description="wall seconds the short job runs on the line")
    start_timeout: float = Field(default=60.0, gt=0, description="wall seconds a released job may take to start")
    poll_seconds: float = Field(default=0.05, gt=0, description="wall seconds between status polls")


class JobMaker:
    """Makes this run's work orders for the driver's line."""

    def __init__(self, driver: MesDriver) -> None:
        self.driver = driver
        self.run = uuid.uuid4().hex[:8]
        self._n = 0

    def new_id(self, what: str = "job") -> str:
        """A work order id no earlier run used."""
        self._n += 1
        return f"c2m-conformance-{self.run}-{what}-{self._n}"

    def work_order(self, *, wall_seconds: float, released: bool = True, quantity: int = 2,
                   predecessors: Sequence[str] = (), what: str = "job") -> WorkOrder:
        """A work order on the driver's line that runs about ``wall_seconds`` once started."""
        d = self.driver
        start = datetime.now(UTC).replace(microsecond=0)
        return WorkOrder(
            id=self.new_id(what), order_id=f"c2m-conformance-{self.run}", operation_id="conformance-check",
            line=d.line, work_master=d.work_master, planned_start=start, planned_end=start + timedelta(hours=1),
            quantity=quantity, setup_seconds=0.0, seconds_per_unit=wall_seconds * d.time_scale / quantity,
            predecessors=tuple(predecessors), released=released,
            description="c2m conformance check: may be withdrawn or aborted at any time",
        )


def wo_text(wo: WorkOrder) -> str:
    """A work order as the exchanges show it."""
    preds = f", predecessors {list(wo.predecessors)}" if wo.predecessors else ""
    return f"{wo.id} (line {wo.line}, quantity {wo.quantity}, released={wo.released}{preds})"


def status_text(status: WorkOrderStatus) -> str:
    """A status as the exchanges show it."""
    extra = f", produced {status.produced}" if status.produced else ""
    reason = f", stop reason {status.stop_reason!r}" if status.stop_reason else ""
    return f"{status.id}: {status.state.value} on {status.line}{extra}{reason}"


def statuses_text(statuses: Sequence[WorkOrderStatus]) -> str:
    """Several statuses as the exchanges show them."""
    return "[" + "; ".join(status_text(s) for s in statuses) + "]"


#: What a work order may be once released (``released=True``) and before it finishes.
RELEASED_STATES = frozenset({WorkOrderState.READY, WorkOrderState.RUNNING, WorkOrderState.HELD,
                             WorkOrderState.COMPLETED})
