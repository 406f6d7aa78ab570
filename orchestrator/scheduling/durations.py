"""How long an operation occupies a line, and how running work stretches over downtime."""

from __future__ import annotations

import math
from collections.abc import Sequence

from orchestrator.scheduling.model import Line, Operation

# Float work contents like 0.1 * 30 land a hair above a whole minute; round that noise away first.
_NOISE_DIGITS = 6


def processing_minutes(op: Operation, line: Line) -> int:
    """Whole plant minutes ``op`` occupies ``line``: ``(setup + qty * run) / speed_factor``, rounded up.

    Never less than one minute: an operation always occupies its line.
    """
    return max(1, math.ceil(round(op.work_minutes / line.speed_factor, _NOISE_DIGITS)))


def stretched_end(start: int, work: int, blocked: Sequence[tuple[int, int]]) -> int:
    """End of ``work`` minutes started at ``start`` that pause during the ``blocked`` windows.

    This is the rule for operations already running when a window arrives (a fault holds the job,
    a shift ends): the line resumes it afterwards. ``blocked`` is sorted by start.
    """
    t, remaining = start, work
    for lo, hi in blocked:
        if hi <= t:
            continue
        if lo >= t + remaining:
            break
        remaining -= max(0, lo - t)
        t = max(t, hi)
    return t + remaining
