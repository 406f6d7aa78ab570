"""A line's busy time on the grid, for placing operations into the earliest gap that fits."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

Interval = tuple[int, int]

# Free gaps are indexed by size class: class b holds the gaps of at least 2**b minutes (b < LEVELS).
LEVELS = 13


class Timeline:
    """Disjoint busy intervals of one line, sorted and merged; operations run uninterrupted in free gaps.

    Touching intervals are merged on booking, so a line loaded back to back is one interval. The free
    gaps between intervals are also indexed by size, so that finding room for a long operation skips the
    many short gaps a busy line accumulates in one step instead of walking them all (with thousands of
    operations on a line that walk was most of a schedule's time).
    """

    def __init__(self, busy: list[Interval]) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._gap_length: dict[int, int] = {}  # gap start (an interval's end) -> minutes to the next interval
        self._gaps: list[list[int]] = [[] for _ in range(LEVELS)]  # per size class, gap starts in order
        for lo, hi in sorted(busy):
            self.book(lo, hi)

    def earliest_fit(self, ready: int, duration: int) -> int:
        """The earliest start at or after ``ready`` where ``duration`` minutes fit without a pause."""
        starts, ends = self._starts, self._ends
        # Intervals are disjoint and sorted, so their ends are sorted too: skip those over before ``ready``.
        k = bisect_right(ends, ready)
        if k == len(starts) or starts[k] >= ready + duration:
            return ready
        # ``ready`` is blocked by interval k: the answer is the end of the first interval from k on whose
        # following gap is long enough, or the end of the last interval.
        if duration <= 0:
            return ends[k]
        level = min(duration.bit_length() - 1, LEVELS - 1)
        candidates = self._gaps[level]
        for i in range(bisect_left(candidates, ends[k]), len(candidates)):
            if self._gap_length[candidates[i]] >= duration:
                return candidates[i]
        return ends[-1]

    def book(self, start: int, end: int) -> None:
        """Mark ``[start, end)`` busy; it merges with the busy intervals it touches or overlaps (downtime
        windows may overlap; operations must only touch)."""
        starts, ends = self._starts, self._ends
        k = bisect_right(starts, start)
        lo = k - 1 if k > 0 and ends[k - 1] >= start else k
        hi = bisect_right(starts, end)  # intervals [lo, hi) touch or overlap [start, end)
        for j in range(max(lo - 1, 0), min(hi, len(starts) - 1)):
            self._forget_gap(ends[j])
        if lo < hi:
            start, end = min(start, starts[lo]), max(end, ends[hi - 1])
        starts[lo:hi] = [start]
        ends[lo:hi] = [end]
        for j in (lo - 1, lo):
            if 0 <= j < len(starts) - 1:
                self._note_gap(ends[j], starts[j + 1] - ends[j])

    def _note_gap(self, at: int, length: int) -> None:
        self._gap_length[at] = length
        for level in range(min(length.bit_length(), LEVELS)):
            insort(self._gaps[level], at)

    def _forget_gap(self, at: int) -> None:
        length = self._gap_length.pop(at)
        for level in range(min(length.bit_length(), LEVELS)):
            gaps = self._gaps[level]
            del gaps[bisect_left(gaps, at)]
