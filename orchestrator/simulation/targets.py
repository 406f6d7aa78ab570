"""The promise targets (issue: keeping promises) checked against a report's figures, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ON_TIME_TARGET = 0.98
AT_LOAD = 0.85
LEAD_RATIO = 0.5
RUN_SECONDS = 60.0


@dataclass(frozen=True)
class TargetCheck:
    """One target: what it asks, what was measured, whether it is met, and the sentence saying so."""

    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this run
    words: str


def check_targets(policies: dict[str, dict[str, Any]], sweep: dict[str, Any] | None) -> list[TargetCheck]:
    """The four targets, for the c2m policy against the baseline."""
    c2m, base = policies.get("c2m"), policies.get("baseline")
    checks = [_on_time(sweep), _lead(c2m, base), _announced(c2m), _speed(c2m)]
    return [c for c in checks if c is not None]


def _on_time(sweep: dict[str, Any] | None) -> TargetCheck:
    target = f">= {ON_TIME_TARGET:.0%} delivered by the promised date at {AT_LOAD:.0%} bottleneck load"
    points = [p for p in (sweep or {}).get("points", []) if "c2m" in p["policies"]]
    point = min(points, key=lambda p: abs(p["policies"]["c2m"]["bottleneck_load"] - AT_LOAD), default=None)
    if point is None:
        return TargetCheck("on_time", target, "not measured (no load sweep)", None,
                           "Not measured: run with the load sweep to see the on-time share at 85 % load.")
    f = point["policies"]["c2m"]
    share, load = f["on_time_share"], f["bottleneck_load"]
    met = share >= ON_TIME_TARGET
    words = (f"Met: {share:.1%} of orders were delivered by their promised date at {load:.0%} bottleneck load."
             if met else f"Missed: only {share:.1%} of orders were delivered by their promised date at {load:.0%} "
             f"bottleneck load, short of {ON_TIME_TARGET:.0%}.")
    return TargetCheck("on_time", target, f"{share:.1%} at {load:.0%} load", met, words)


def _lead(c2m: dict[str, Any] | None, base: dict[str, Any] | None) -> TargetCheck | None:
    if c2m is None or base is None:
        return None
    ours, theirs = c2m["promised_lead_days"]["p50"], base["promised_lead_days"]["p50"]
    target = f"promised lead time p50 at most {LEAD_RATIO:.0%} of the baseline's"
    if ours is None or theirs is None:
        return TargetCheck("lead_time", target, "no orders", None, "Not measured: no orders were promised.")
    met = ours <= LEAD_RATIO * theirs
    ratio = ours / theirs if theirs else float("inf")
    words = (f"Met: c2m promises {ours:.1f} days (p50), {ratio:.0%} of the baseline's {theirs:.1f}." if met else
             f"Missed: c2m promises {ours:.1f} days (p50), {ratio:.0%} of the baseline's {theirs:.1f} days, "
             f"not {LEAD_RATIO:.0%} or less.")
    return TargetCheck("lead_time", target, f"{ours:.1f} vs {theirs:.1f} days", met, words)


def _announced(c2m: dict[str, Any] | None) -> TargetCheck | None:
    if c2m is None:
        return None
    slips, early = c2m["slips"], c2m["slips_announced_before_promise"]
    met = early == slips
    words = (f"Met: all {slips} slip(s) were announced before the promised date." if met else
             f"Missed: {slips - early} of {slips} slip(s) were not announced before the promised date.")
    return TargetCheck("announced", "every slip announced before its promised date", f"{early} of {slips}", met,
                       words)


def _speed(c2m: dict[str, Any] | None) -> TargetCheck | None:
    if c2m is None:
        return None
    seconds, orders = c2m["wall_seconds"], c2m["orders"]
    met = seconds < RUN_SECONDS if orders >= 200 else None
    if met is None:
        words = f"Not measured: this run had {orders} orders (the target is for 200); it took {seconds:.1f} s."
    elif met:
        words = f"Met: the {orders}-order run took {seconds:.1f} s, CP-SAT solves included."
    else:
        words = f"Missed: the {orders}-order run took {seconds:.1f} s, more than {RUN_SECONDS:.0f} s."
    return TargetCheck("run_time", f"the 200-order run under {RUN_SECONDS:.0f} s", f"{seconds:.1f} s", met, words)
