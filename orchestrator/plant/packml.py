"""PackML (ISA-TR88.00.02 / OPC 30050) state numbers and names, and unit modes."""

from __future__ import annotations

from enum import IntEnum


class PackMLState(IntEnum):
    """The PackML machine states with their standard numbers (``StateCurrent``)."""

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

    @property
    def label(self) -> str:
        """The state's PackML name, e.g. ``Execute``."""
        return self.name.capitalize()


class UnitMode(IntEnum):
    """PackML unit modes (``UnitModeCurrent``)."""

    PRODUCTION = 1
    MAINTENANCE = 2
    MANUAL = 3


#: States in which a job is loaded and not finished (the line is busy with it).
JOB_ACTIVE_STATES = frozenset({
    PackMLState.STARTING, PackMLState.EXECUTE, PackMLState.SUSPENDING, PackMLState.SUSPENDED,
    PackMLState.UNSUSPENDING, PackMLState.HOLDING, PackMLState.HELD, PackMLState.UNHOLDING,
    PackMLState.COMPLETING,
})

_BY_NAME = {s.name.lower(): s for s in PackMLState}


def state_name(number: int) -> str:
    """The PackML name of a state number; ``Unknown(<n>)`` for numbers PackML does not define."""
    try:
        return PackMLState(number).label
    except ValueError:
        return f"Unknown({number})"


def state_number(name: str) -> PackMLState:
    """The PackML state called ``name`` (any case, e.g. ``Execute``, ``EXECUTE``) or given as its number."""
    text = name.strip()
    if text.isdigit():
        try:
            return PackMLState(int(text))
        except ValueError:
            pass
    else:
        found = _BY_NAME.get(text.lower())
        if found is not None:
            return found
    raise ValueError(
        f"{name!r} is not a PackML state; use one of {', '.join(s.label for s in PackMLState)} "
        "or their numbers 1-17"
    )
