"""The virtual-time event queue every simulated part runs on: no wall clock, no threads.

Events are callbacks due at a plant instant. Ties are broken by the order they were scheduled in, so a
run is a pure function of the scenario and its seed.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime
from itertools import count

Action = Callable[[], None]


class EventQueue:
    """A min-heap of (due, sequence, action); :meth:`run` advances ``now`` from event to event."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._heap: list[tuple[datetime, int, Action]] = []
        self._seq = count()
        self.processed = 0

    def at(self, due: datetime, action: Action) -> None:
        """Run ``action`` at ``due`` (at once, after what is already due now, if ``due`` has passed)."""
        heapq.heappush(self._heap, (max(due, self.now), next(self._seq), action))

    def run(self, until: datetime | None = None, stop: Callable[[], bool] | None = None) -> None:
        """Process events in time order until none is left, the next is after ``until``, or ``stop()``."""
        while self._heap:
            due, _, action = self._heap[0]
            if until is not None and due > until:
                break
            heapq.heappop(self._heap)
            self.now = due
            action()
            self.processed += 1
            if stop is not None and stop():
                break

    def __len__(self) -> int:
        return len(self._heap)
