"""A line's busy time on the grid, for placing operations into the earliest gap that fits."""

from __future__ import annotations

from bisect import bisect_right

Interval = tuple[int, int]


class Timeline:
    """Disjoint busy intervals of one line, sorted and merged; operations run uninterrupted in free gaps.

    Touching intervals are merged on booking, so a line loaded back to back is one interval and a
    search skips it in one step.
    """

    def __init__(self, busy: list[Interval]) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for lo, hi in sorted(busy):
            self.book(lo, hi)

    def earliest_fit(self, ready: int, duration: int) -> int:
        """The earliest start at or after ``ready`` where ``duration`` minutes fit without a pause."""
        starts, ends = self._starts, self._ends
        t = ready
        # Intervals are disjoint and sorted, so their ends are sorted too: skip those over before ``t``.
        k = bisect_right(ends, t)
        while k < len(starts):
            if starts[k] >= t + duration:
                return t
            if ends[k] > t:
                t = ends[k]
            k += 1
        return t

    def book(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` busy; it may touch but must not overlap what is already busy."""
        starts, ends = self._starts, self._ends
        k = bisect_right(starts, start)
        if k > 0 and ends[k - 1] >= start:
            # Joins (or lies within, for overlapping downtime) the interval before it.
            k -= 1
            ends[k] = max(ends[k], end)
        else:
            starts.insert(k, start)
            ends.insert(k, end)
        while k + 1 < len(starts) and starts[k + 1] <= ends[k]:
            ends[k] = max(ends[k], ends[k + 1])
            del starts[k + 1], ends[k + 1]
