"""The order rate limiter's token buckets, on a clock the test advances."""

from __future__ import annotations

import pytest

from orchestrator.api import rate_limit
from orchestrator.api.rate_limit import TokenBuckets


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_token_per_interval() -> None:
    clock = _Clock()
    buckets = TokenBuckets(per_minute=60, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == 1.0  # empty: the next token is a second away
    assert buckets.take("b") == 0.0  # another caller has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == 0.5
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    clock.now += 3600  # a long pause refills to the burst, not beyond
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def test_memory_stays_bounded_when_callers_rotate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_CALLERS", 100)
    buckets = TokenBuckets(per_minute=60, burst=2, clock=_Clock())
    for n in range(1000):  # a client rotating addresses, all busy: the quietest half is forgotten
        buckets.take(f"ip:{n}")
    assert len(buckets._buckets) <= 100
