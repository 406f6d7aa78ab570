"""Wall seconds of a scheduler batch's steps, for its summary and the worker's log.

A slow batch is the booking wait of every order in it; the log line says where the time went (the MES,
the solver, the database) without a profiler.
"""

from __future__ import annotations

import time


class Stopwatch:
    """Laps of named steps, in order."""

    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self._last = time.monotonic()

    def restart(self) -> None:
        """Start timing afresh: what happened since the last lap is no step of this watch's."""
        self._last = time.monotonic()

    def lap(self, step: str) -> None:
        """Close the step that just ended."""
        now = time.monotonic()
        self.laps.append((step, now - self._last))
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{step} {seconds:.1f} s" for step, seconds in self.laps)
