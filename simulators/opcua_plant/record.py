"""A line's durable state: what the state file keeps so that a restart resumes where it was."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from simulators.opcua_plant.packml import State, UnitMode

COMPLETED_KEPT = 100


@dataclass
class Job:
    """The job order loaded on the line; durations already divided by the line's speed factor."""

    job_order_id: str
    quantity: int
    setup_seconds: float
    seconds_per_unit: float
    produced: int = 0
    defective: int = 0


@dataclass
class Record:
    """The durable part of a line's state (what the state file keeps)."""

    state: int = State.IDLE
    unit_mode: int = UnitMode.PRODUCTION
    job: Job | None = None
    timer: float = 0.0  # plant seconds spent in the current timed phase
    timer_length: float | None = None  # None: the state waits for a command
    resume_state: int | None = None  # where a hold or pause returns to
    resume_timer: float = 0.0
    resume_timer_length: float | None = None
    hold_seconds: float | None = None  # length of the coming Held phase (None: until Resume)
    stop_reason: int = 0
    stop_reason_message: str = ""
    processed_count: int = 0
    defective_count: int = 0
    last_completed: str = ""
    completed: list[str] = field(default_factory=list)
    last_aborted: str = ""
    operating_seconds: float = 0.0
    breakdowns: int = 0
    next_breakdown_at: float | None = None  # in operating seconds


def record_to_data(record: Record) -> dict[str, Any]:
    """The record as JSON-ready data."""
    return asdict(record)


def record_from_data(data: dict[str, Any]) -> Record:
    """A :class:`Record` from :func:`record_to_data` output (unknown keys from newer versions ignored)."""
    known = {k: v for k, v in data.items() if k in Record.__dataclass_fields__}
    job = known.pop("job", None)
    return Record(**known, job=Job(**job) if job else None)
