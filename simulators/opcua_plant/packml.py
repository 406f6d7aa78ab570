"""PackML state numbers and the line's job states (the simulator's own copy: it shares no code)."""

from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    """PackML machine states with their standard numbers (OPC 30050 ``StateCurrent``)."""

    CLEARING = 1
    STOPPED = 2
    STARTING = 3
    IDLE = 4
    SUSPENDED = 5
    EXECUTE = 6
    STOPPING = 7
    ABORTING = 8
    ABORTED = 9
    HOLDING = 10
    HELD = 11
    UNHOLDING = 12
    SUSPENDING = 13
    UNSUSPENDING = 14
    RESETTING = 15
    COMPLETING = 16
    COMPLETE = 17


class UnitMode(IntEnum):
    """PackML unit modes (``UnitModeCurrent``)."""

    PRODUCTION = 1
    MAINTENANCE = 2
    MANUAL = 3


class Status(IntEnum):
    """What a job method returns (Int32)."""

    OK = 0
    NOT_ALLOWED = 1
    BAD_ARGUMENTS = 2
    ALREADY_RUNNING = 3


#: States in which a job is loaded and not finished.
JOB_ACTIVE = frozenset({
    State.STARTING, State.EXECUTE, State.SUSPENDING, State.SUSPENDED, State.UNSUSPENDING,
    State.HOLDING, State.HELD, State.UNHOLDING, State.COMPLETING,
})

#: Plant seconds spent in the short transitional states.
TRANSITION_SECONDS = {
    State.COMPLETING: 2.0,
    State.ABORTING: 1.0,
    State.HOLDING: 1.0,
    State.UNHOLDING: 1.0,
    State.SUSPENDING: 1.0,
    State.UNSUSPENDING: 1.0,
}

#: Stop reason for a fault injected through ``InjectFault``.
INJECTED_FAULT = 100
