"""The MES's wire shapes: ISA-95 / B2MML JobOrder and JobResponse, as JSON.

Field names follow B2MML (PascalCase) so that a B2MML-literate integrator recognises them. Two
extensions: ``PlannedQuantity`` on the JobOrder, and ``Predecessors`` (the ISA-95 segment
dependencies, as JobOrderIDs that must complete first).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

JOB_ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$"
SETUP_SECONDS = "SetupSeconds"
SECONDS_PER_UNIT = "SecondsPerUnit"


class JobState(StrEnum):
    """ISA-95 job order states as this MES reports them."""

    WAITING = "Waiting"
    READY = "Ready"
    RUNNING = "Running"
    HELD = "Held"
    COMPLETED = "Completed"
    ABORTED = "Aborted"
    WITHDRAWN = "Withdrawn"

    @property
    def queued(self) -> bool:
        """Not started yet: the job may still be withdrawn, moved or resequenced freely."""
        return self in (JobState.WAITING, JobState.READY)

    @property
    def finished(self) -> bool:
        """An end state."""
        return self in (JobState.COMPLETED, JobState.ABORTED, JobState.WITHDRAWN)


class _Strict(BaseModel):
    # Unknown fields are refused so a misspelt field name fails loudly instead of being dropped.
    model_config = ConfigDict(extra="forbid")


class HierarchyScope(_Strict):
    """Where the job runs: the line (a work centre)."""

    EquipmentID: str = Field(min_length=1, max_length=100)
    EquipmentLevel: Literal["WorkCenter"] = "WorkCenter"


class Parameter(_Strict):
    """A job parameter; this MES needs ``SetupSeconds`` and ``SecondsPerUnit`` (plant seconds)."""

    ID: str = Field(min_length=1)
    Value: float | str
    UnitOfMeasure: str | None = None


class Quantity(_Strict):
    """A B2MML quantity: the number as a string, with its unit."""

    QuantityString: str = Field(min_length=1)
    UnitOfMeasure: str = "EA"

    @model_validator(mode="after")
    def _numeric(self) -> Quantity:
        try:
            value = float(self.QuantityString)
        except ValueError:
            raise ValueError(f"QuantityString must be a number, got {self.QuantityString!r}") from None
        if value <= 0:
            raise ValueError(f"QuantityString must be positive, got {self.QuantityString!r}")
        return self


class MaterialRequirement(_Strict):
    """A material the job consumes."""

    MaterialDefinitionID: str = Field(min_length=1)
    Quantity: Quantity


class JobOrder(_Strict):
    """One ISA-95 job order: a piece of work for one line."""

    JobOrderID: str = Field(min_length=1, max_length=200, pattern=JOB_ORDER_ID_PATTERN)
    Description: str = ""
    HierarchyScope: HierarchyScope
    WorkMasterID: str = Field(min_length=1)
    StartTime: AwareDatetime
    EndTime: AwareDatetime
    Priority: int = 0
    DispatchStatus: Literal["Pending", "Released"] = "Released"
    PlannedQuantity: int = Field(gt=0)
    Parameters: list[Parameter] = Field(default_factory=list)
    MaterialRequirements: list[MaterialRequirement] = Field(default_factory=list)
    Predecessors: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> JobOrder:
        where = f"JobOrder {self.JobOrderID!r}"
        if self.EndTime < self.StartTime:
            raise ValueError(f"{where}: EndTime {self.EndTime.isoformat()} is before StartTime")
        ids = [p.ID for p in self.Parameters]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"{where}: parameter(s) {dupes} given more than once")
        for name in (SETUP_SECONDS, SECONDS_PER_UNIT):
            value = self.parameter(name)
            if value is None:
                raise ValueError(f"{where}: Parameters must include {{'ID': '{name}', 'Value': <plant seconds>}}")
            if value < 0:
                raise ValueError(f"{where}: parameter {name} must not be negative, got {value}")
        if self.JobOrderID in self.Predecessors:
            raise ValueError(f"{where} lists itself in Predecessors")
        return self

    def parameter(self, name: str) -> float | None:
        """A numeric parameter's value, None when absent; a non-numeric value raises ValueError."""
        for p in self.Parameters:
            if name == p.ID:
                try:
                    return float(p.Value)
                except ValueError:
                    raise ValueError(
                        f"JobOrder {self.JobOrderID!r}: parameter {name} must be a number, got {p.Value!r}"
                    ) from None
        return None

    @property
    def line(self) -> str:
        """The line (EquipmentID) the job is for."""
        return self.HierarchyScope.EquipmentID

    @property
    def setup_seconds(self) -> float:
        """Setup time in plant seconds."""
        return self.parameter(SETUP_SECONDS) or 0.0

    @property
    def seconds_per_unit(self) -> float:
        """Run time per unit in plant seconds."""
        return self.parameter(SECONDS_PER_UNIT) or 0.0

    def content(self) -> dict[str, Any]:
        """The job's content for idempotency checks: everything except the dispatch status."""
        return self.model_dump(mode="json", exclude={"DispatchStatus"})


class JobOrderBatch(_Strict):
    """Several job orders accepted (or refused) together."""

    JobOrders: list[JobOrder] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_and_acyclic(self) -> JobOrderBatch:
        counts = Counter(o.JobOrderID for o in self.JobOrders)
        dupes = sorted(i for i, n in counts.items() if n > 1)
        if dupes:
            raise ValueError(f"JobOrderID(s) {dupes} appear more than once in the batch; send each job once")
        # Jobs already known can only depend on jobs known before them, so a cycle lies inside a batch.
        predecessors = {o.JobOrderID: o.Predecessors for o in self.JobOrders}
        done: set[str] = set()

        def visit(job: str, path: list[str]) -> None:
            if job in path:
                raise ValueError(f"Predecessors form a cycle: {' -> '.join([*path[path.index(job) :], job])}")
            if job in done or job not in predecessors:
                return
            for pred in predecessors[job]:
                visit(pred, [*path, job])
            done.add(job)

        for job in predecessors:
            visit(job, [])
        return self


class JobResponse(BaseModel):
    """What the MES reports about a job order. Times are plant time."""

    JobResponseID: str
    JobOrderID: str
    EquipmentID: str
    WorkMasterID: str
    DispatchStatus: Literal["Pending", "Released"]
    JobState: JobState
    ActualStartTime: datetime | None = None
    ActualEndTime: datetime | None = None
    ProducedQuantity: int = 0
    DefectiveQuantity: int = 0
    StopReason: str | None = None
    Sequence: int | None = Field(default=None, description="1-based position in the line's queue")


class JobResponseBatch(BaseModel):
    """The answer to a batch of job orders, in the order given."""

    JobResponses: list[JobResponse]


class WithdrawRequest(_Strict):
    """Body of ``POST /job-orders/{id}/withdraw``."""

    stop_if_running: bool = False


class MoveRequest(_Strict):
    """Body of ``POST /job-orders/{id}/move``."""

    EquipmentID: str = Field(min_length=1)


class SequenceRequest(_Strict):
    """Body of ``PUT /lines/{line}/sequence``: these queued jobs first, in this order."""

    JobOrderIDs: list[str]


class FaultRequest(_Strict):
    """Body of ``POST /admin/lines/{line}/fault``, forwarded to the plant's ``InjectFault``."""

    mode: Literal["hold", "abort"]
    reason: str = Field(default="injected fault", min_length=1)
    duration_seconds: float = Field(default=600.0, ge=0, description="plant seconds a hold lasts")
