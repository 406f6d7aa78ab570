"""The line timeline's gap index answers exactly what a walk over every interval would, and fast on long lines."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.scheduling.timeline import Timeline


class WalkingTimeline:
    """The plain reference: busy minutes as merged intervals, searched by walking them one by one."""

    def __init__(self) -> None:
        self.busy: list[list[int]] = []

    def book(self, start: int, end: int) -> None:
        merged = [[start, end]]
        for lo, hi in self.busy:
            if hi < merged[0][0] or lo > merged[0][1]:
                merged.append([lo, hi])
            else:
                merged[0] = [min(lo, merged[0][0]), max(hi, merged[0][1])]
        self.busy = sorted(merged)

    def earliest_fit(self, ready: int, duration: int) -> int:
        t = ready
        for lo, hi in self.busy:
            if hi <= t:
                continue
            if lo >= t + duration:
                return t
            t = max(t, hi)
        return t


steps = st.lists(
    st.tuples(st.booleans(), st.integers(-50, 2_000), st.integers(0, 300)), min_size=1, max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 2_000), st.integers(1, 120)), max_size=20), steps)
def test_the_gap_index_agrees_with_walking_every_interval(downtime: list[tuple[int, int]],
                                                         plan: list[tuple[bool, int, int]]) -> None:
    windows = [(lo, lo + length) for lo, length in downtime]
    line, reference = Timeline(windows), WalkingTimeline()
    for lo, hi in sorted(windows):
        reference.book(lo, hi)
    for place, ready, duration in plan:
        expected = reference.earliest_fit(ready, duration)
        assert line.earliest_fit(ready, duration) == expected, (reference.busy, ready, duration)
        if place and duration > 0:  # book where the search said, as the schedulers do
            line.book(expected, expected + duration)
            reference.book(expected, expected + duration)


def test_a_long_fragmented_line_is_searched_without_walking_its_gaps() -> None:
    # 20,000 jobs of 5 minutes with a 1-minute gap after each: a 60-minute job fits only at the end.
    line = Timeline([])
    for k in range(20_000):
        line.book(6 * k, 6 * k + 5)
    began = time.perf_counter()
    for _ in range(2_000):
        assert line.earliest_fit(0, 60) == 6 * 19_999 + 5
    assert time.perf_counter() - began < 1.0, "2,000 searches over 20,000 gaps take well under a second"
