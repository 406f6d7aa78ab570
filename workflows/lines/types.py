"""The line monitor's input and the names of the events it appends to the trail.

Event kinds are shared with readers (the tracker stream, the planner board), so they live in one place.
Job events (``work_order_*``) carry the order id and the :class:`~workflows.contracts.WorkOrderEvent`
fields in their payload; ``line_fault``/``line_recovered`` carry the
:class:`~workflows.contracts.LineEventSignal` fields. That is what lets the monitor rebuild every signal
from committed rows alone (the events table is its outbox).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from workflows.contracts import ClockSpec


class LineMonitorInput(BaseModel):
    """Follow one line of the plant. ``heartbeat_timeout_seconds`` bounds how long a dead worker holds it."""

    line: str = Field(min_length=1)
    clock: ClockSpec
    heartbeat_timeout_seconds: float = Field(default=10.0, gt=0)


def line_monitor_id(line: str, prefix: str = "line-monitor-") -> str:
    """The workflow id of a line's monitor (one per line)."""
    return f"{prefix}{line}"


class EventKinds:
    """The ``events.kind`` values the line monitor writes."""

    LINE_STATE = "line_state"  # the PackML state changed
    LINE_PROGRESS = "line_progress"  # good/defective counts of the running job (coalesced)
    LINE_FAULT = "line_fault"  # the line stopped with a stop reason (signalled to the scheduler)
    LINE_RECOVERED = "line_recovered"  # back to Execute/Idle after a fault (signalled to the scheduler)
    LINE_CONNECTION = "line_connection"  # the monitor's link to the line: connected, reconnecting, down
    WORK_ORDER_STARTED = "work_order_started"
    WORK_ORDER_COMPLETED = "work_order_completed"
    WORK_ORDER_ABORTED = "work_order_aborted"
    WORK_ORDER_HELD = "work_order_held"  # a fault hold or an operator pause
    WORK_ORDER_RESUMED = "work_order_resumed"


#: Job event kind -> ``WorkOrderEvent.kind``: these rows become ``work_order_event`` signals.
WORK_ORDER_SIGNAL_KINDS: dict[str, str] = {
    EventKinds.WORK_ORDER_STARTED: "started",
    EventKinds.WORK_ORDER_COMPLETED: "completed",
    EventKinds.WORK_ORDER_ABORTED: "aborted",
    EventKinds.WORK_ORDER_HELD: "held",
    EventKinds.WORK_ORDER_RESUMED: "resumed",
}

#: Line event kind -> ``LineEventSignal.kind``: these rows become ``line_event`` signals to the scheduler.
LINE_SIGNAL_KINDS: dict[str, str] = {
    EventKinds.LINE_FAULT: "fault",
    EventKinds.LINE_RECOVERED: "recovered",
}

SIGNALLED_KINDS: tuple[str, ...] = (*WORK_ORDER_SIGNAL_KINDS, *LINE_SIGNAL_KINDS)
