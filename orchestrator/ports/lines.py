"""The line-status contract: how the core hears what a production line is doing.

A *line status source* follows one line (over OPC UA, MQTT, or whatever the line speaks) and turns
what it sees into :class:`LineEvent` values: first a :class:`LineSnapshot` of every current value,
then the changes that matter (state, progress, faults, finished jobs). It reconnects by itself, and
reports each finished job exactly once per stream, even across reconnects.

An integrator who plugs in another kind of line implements :class:`LineStatusSource` (and a
:class:`LineStatusSourceFactory` that builds one from a :class:`LineStatusBinding`). The binding
says where the line's values live: ``nodes`` maps *our* field names (:data:`LINE_STATUS_FIELDS`) to
the server's node ids, ``states`` maps the server's raw state values to PackML state numbers.

:class:`LineControl` is the smaller, optional contract for commanding a line (start a job, pause,
inject a fault); the MES normally does that, tests and admin tools use it directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The namespace URI of the bundled OPC UA plant simulator (namespace index 2 on that server).
PLANT_SIMULATOR_NAMESPACE = "urn:c2m:plant-simulator"

#: Our field names, each with the path of its node under ``Machines/<Line>/`` in the c2m convention.
LINE_STATUS_FIELDS: dict[str, str] = {
    "state": "Status/StateCurrent",
    "unit_mode": "Status/UnitModeCurrent",
    "mach_speed": "Status/MachSpeed",
    "cur_mach_speed": "Status/CurMachSpeed",
    "processed_count": "Admin/ProdProcessedCount",
    "defective_count": "Admin/ProdDefectiveCount",
    "stop_reason": "Admin/StopReason",
    "stop_reason_message": "Admin/StopReasonMessage",
    "job_order_id": "JobOrder/JobOrderID",
    "planned_quantity": "JobOrder/PlannedQuantity",
    "produced_quantity": "JobOrder/ProducedQuantity",
    "defective_quantity": "JobOrder/DefectiveQuantity",
    "last_completed_job_order_id": "JobOrder/LastCompletedJobOrderID",
    "completed_job_orders": "JobOrder/CompletedJobOrders",
    "last_aborted_job_order_id": "JobOrder/LastAbortedJobOrderID",
}

#: Job control methods on ``Machines/<Line>`` in the c2m convention (OPC 40001-3 in spirit).
LINE_METHODS: tuple[str, ...] = (
    "StoreAndStart", "Pause", "Resume", "Abort", "Clear", "Reset", "InjectFault",
)


def c2m_line_nodes(line: str, namespace_index: int = 2) -> dict[str, str]:
    """The node ids of ``line`` in the c2m convention, e.g. ``ns=2;s=Machines/FAB1/Status/StateCurrent``."""
    return {field: f"ns={namespace_index};s=Machines/{line}/{path}" for field, path in LINE_STATUS_FIELDS.items()}


class LineStatusBinding(BaseModel):
    """Where one line's status lives and how to read it; built from the plant file.

    ``nodes`` maps our field names to node id strings (``ns=<index>;s=...``, ``ns=<index>;i=...``, or
    ``nsu=<namespace uri>;s=...`` when the index is not fixed). Only ``state`` is required; absent
    fields are reported as ``None``. ``states`` maps the server's raw state values, written as text
    (``"6"``, ``"RUNNING"``), to PackML state numbers; empty means the raw values are PackML numbers.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: str = Field(min_length=1)
    adapter: str = Field(default="opcua", min_length=1)
    endpoint: str = Field(min_length=1, description="e.g. opc.tcp://127.0.0.1:4840/")
    nodes: dict[str, str]
    states: dict[str, int] = Field(default_factory=dict)

    @field_validator("nodes")
    @classmethod
    def _known_fields(cls, nodes: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(nodes) - set(LINE_STATUS_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown line status field(s) {unknown}; known fields: {', '.join(LINE_STATUS_FIELDS)}"
            )
        if "state" not in nodes:
            raise ValueError("the node mapping needs at least 'state' (the line's PackML state)")
        return nodes

    def packml_state(self, raw: object) -> int | None:
        """The PackML state number for a raw state value, or None when the mapping does not know it."""
        if not self.states:
            try:
                return int(raw)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return None
        return self.states.get(str(raw))


class LineSnapshot(BaseModel):
    """Every current value of one line. ``None`` means the line does not report that value.

    Counts: ``processed_count``/``defective_count`` are the line's lifetime counters;
    ``produced_quantity`` counts good units and ``defective_quantity`` scrapped units of the current
    job (``job_order_id``). ``at`` is when the values were observed, in plant time.
    """

    model_config = ConfigDict(frozen=True)

    line: str
    state: int = Field(description="PackML state number (0 when the raw value is not mapped)")
    state_name: str = Field(description="PackML state name, e.g. Execute")
    unit_mode: int | None = None
    mach_speed: float | None = Field(default=None, description="speed setpoint, units per plant hour")
    cur_mach_speed: float | None = Field(default=None, description="actual speed, units per plant hour")
    processed_count: int | None = None
    defective_count: int | None = None
    stop_reason: int | None = Field(default=None, description="0: none")
    stop_reason_message: str | None = None
    job_order_id: str | None = None
    planned_quantity: int | None = None
    produced_quantity: int | None = None
    defective_quantity: int | None = None
    last_completed_job_order_id: str | None = None
    completed_job_orders: tuple[str, ...] | None = None
    last_aborted_job_order_id: str | None = None
    at: datetime

    @property
    def faulted(self) -> bool:
        """True while a stop reason is set (a fault holds or aborted the line)."""
        return bool(self.stop_reason)


class LineEventKind(StrEnum):
    """What a :class:`LineEvent` reports."""

    SNAPSHOT = "snapshot"
    STATE_CHANGED = "state_changed"
    PROGRESS = "progress"
    JOB_COMPLETED = "job_completed"
    JOB_ABORTED = "job_aborted"
    FAULT = "fault"
    FAULT_CLEARED = "fault_cleared"
    CONNECTION = "connection"


class ConnectionStatus(StrEnum):
    """The source's link to the line, reported by ``connection`` events."""

    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DOWN = "down"


class LineEvent(BaseModel):
    """One thing that happened on a line.

    ``values`` holds the facts of this event, by kind:

    - ``snapshot``: every field of :class:`LineSnapshot` (JSON-ready);
    - ``state_changed``: ``state``, ``state_name``, ``previous_state``, ``previous_state_name``;
    - ``progress``: ``produced_quantity``, ``defective_quantity``, ``planned_quantity``;
    - ``job_completed``: ``produced_quantity``, ``defective_quantity``, ``planned_quantity`` when
      the line still shows the job, else nothing (it finished while the source was disconnected);
    - ``job_aborted``: ``stop_reason``, ``stop_reason_message``, ``produced_quantity`` when known;
    - ``fault``: ``stop_reason``, ``stop_reason_message``, ``state``, ``state_name``;
    - ``fault_cleared``: ``previous_stop_reason``, ``previous_stop_reason_message``;
    - ``connection``: ``status`` (:class:`ConnectionStatus`), ``endpoint``, and ``error`` when lost.

    ``snapshot`` is the line's full status after the event (the last known one for ``connection``
    events; ``None`` before the first connection), so a consumer can keep a live status row from
    any event. ``at`` is plant time.
    """

    model_config = ConfigDict(frozen=True)

    kind: LineEventKind
    line: str
    job_order_id: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)
    at: datetime
    snapshot: LineSnapshot | None = None


class LineStatusConfigError(ValueError):
    """The binding does not fit the server (e.g. a mapped node does not exist); retrying cannot help."""


@runtime_checkable
class LineStatusSource(Protocol):
    """A stream of one line's status.

    ``events()`` is an async generator (implement it as ``async def events(self) ->
    AsyncIterator[LineEvent]`` with ``yield``; call it as ``async for event in source.events()``):

    - it first yields a ``snapshot`` once connected (only ``connection`` events may come before,
      while the first connection is being made; ``connected`` then precedes the snapshot);
    - then the changes, in the order they were seen;
    - when the link breaks it yields ``connection`` (``reconnecting``, later ``down`` if it lasts),
      reconnects by itself with backoff, yields ``connection`` (``connected``) and a fresh
      ``snapshot``, then the net changes since the last values it had (so a job that finished, a
      fault that came or went during the outage is still reported);
    - ``job_completed`` comes exactly once per job id per stream. Ids the caller already knows as
      completed (given when the source is built) are never reported.

    It ends after :meth:`close`; only :class:`LineStatusConfigError` ends it with an error.
    """

    def events(self) -> AsyncIterator[LineEvent]:
        """The line's events, as described on the class."""
        ...

    async def close(self) -> None:
        """Stop the stream and release the connection (idempotent)."""
        ...


class LineStatusSourceFactory(Protocol):
    """Builds a :class:`LineStatusSource` for one line.

    ``known_completed``: job ids the caller already knows as completed. ``None`` means "whatever
    the line has completed before the first snapshot is history": only jobs completing later are
    reported. A set (even an empty one) means every completed job the line lists that is not in it
    is reported (how a restarted monitor catches up on completions it missed).
    """

    def __call__(
        self, binding: LineStatusBinding, *, known_completed: Iterable[str] | None = None
    ) -> LineStatusSource:
        """A new, not yet connected source for ``binding.line``."""
        ...


class CommandStatus(IntEnum):
    """The answer of a line to a job command (the Int32 the OPC UA methods return)."""

    OK = 0
    NOT_ALLOWED = 1  # the line's state does not allow the command (e.g. StoreAndStart when not Idle)
    BAD_ARGUMENTS = 2
    ALREADY_RUNNING = 3  # the same job order is already on the line: idempotent success

    @property
    def accepted(self) -> bool:
        """True when the command took effect or had already taken effect."""
        return self in (CommandStatus.OK, CommandStatus.ALREADY_RUNNING)


class FaultMode(StrEnum):
    """What an injected fault does: hold the job for a while, or abort it."""

    HOLD = "hold"
    ABORT = "abort"


class LineUnavailable(ConnectionError):
    """The line's server could not be reached or did not answer; the command may be retried."""


class LineControl(Protocol):
    """Commands to production lines (job control in the spirit of OPC 40001-3).

    Durations are plant seconds at nominal speed; the line divides them by its speed factor.
    """

    async def store_and_start(
        self, line: str, job_order_id: str, quantity: int, setup_seconds: float, seconds_per_unit: float
    ) -> CommandStatus:
        """Load a job order on an idle line and start it (idempotent on ``job_order_id``)."""
        ...

    async def pause(self, line: str) -> CommandStatus:
        """Suspend the running job."""
        ...

    async def resume(self, line: str) -> CommandStatus:
        """Resume a suspended job, or acknowledge a held fault early."""
        ...

    async def abort(self, line: str) -> CommandStatus:
        """Abort the job on the line."""
        ...

    async def clear(self, line: str) -> CommandStatus:
        """Take a finished or aborted job off the line: back to Idle."""
        ...

    async def reset(self, line: str) -> CommandStatus:
        """Reset a stopped, complete or aborted line to Idle."""
        ...

    async def inject_fault(
        self, line: str, mode: FaultMode | str, reason: str, duration_seconds: float = 0.0
    ) -> CommandStatus:
        """Make the line fail: ``hold`` the job for ``duration_seconds`` (0: until resumed) or ``abort`` it."""
        ...
