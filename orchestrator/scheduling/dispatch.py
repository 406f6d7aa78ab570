"""The dispatching-rule list scheduler: always a feasible schedule, in a fraction of a second.

A Giffler-Thompson style pass on the grid. Among the operations whose predecessors are placed, each
is given its earliest-finishing slot over its capable lines (a free gap on the line's timeline at or
after its release and its predecessors' ends). Let ``c*`` be the earliest of those finishes; among
the operations that could start before ``c*`` (the ones competing for that moment) the rule picks
one, books it, and the pass repeats. Rules:

- ``atc``: Apparent Tardiness Cost, ``w/p * exp(-max(0, slack) / (k * p_mean))`` with the slack
  ``due - start - remaining work of the job``; ties (and jobs without a due date) by most work remaining;
- ``edd``: earliest due date first, then most work remaining;
- ``mwkr``: most work remaining, the classic rule for makespan.

:func:`dispatch` runs several rules and keeps the best schedule under the request's objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestrator.scheduling.figures import grid_objective, objective_key
from orchestrator.scheduling.problem import Placements, Problem
from orchestrator.scheduling.timeline import Timeline


@dataclass(frozen=True)
class Rule:
    """A dispatching rule: ``atc`` (look-ahead ``k``), ``edd`` or ``mwkr``."""

    name: str
    k: float = 2.0

    def __str__(self) -> str:
        return f"atc(k={self.k:g})" if self.name == "atc" else self.name


DEFAULT_RULES = (Rule("atc", 0.5), Rule("atc", 2.0), Rule("edd"), Rule("mwkr"))


@dataclass(frozen=True)
class DispatchResult:
    """The best placement found, the rule that found it, and its grid objective."""

    placements: Placements
    rule: Rule
    tardiness: int
    makespan: int


def dispatch(problem: Problem, rules: tuple[Rule, ...] = DEFAULT_RULES) -> DispatchResult:
    """Run each rule and keep the best schedule (ties: the earlier rule)."""
    if not rules:
        raise ValueError("dispatch needs at least one rule")
    best: DispatchResult | None = None
    for rule in rules:
        placements = list_schedule(problem, rule)
        tardiness, makespan = grid_objective(problem, placements)
        candidate = DispatchResult(placements, rule, tardiness, makespan)
        if best is None or _key(problem, candidate) < _key(problem, best):
            best = candidate
    assert best is not None
    return best


def _key(problem: Problem, result: DispatchResult) -> tuple[float, float]:
    return objective_key(problem.request.objective, result.tardiness, result.makespan)


def list_schedule(problem: Problem, rule: Rule) -> Placements:
    """One list-scheduling pass with ``rule``; every placeable task gets a line and a start."""
    if rule.name not in ("atc", "edd", "mwkr"):
        raise ValueError(f"unknown dispatching rule {rule.name!r}; use 'atc', 'edd' or 'mwkr'")
    tasks = problem.tasks
    tail = _work_remaining(problem)
    placeable = problem.placeable
    mean_p = sum(min(tasks[i].durations.values()) for i in placeable) / max(1, len(placeable))
    timelines = {line_id: Timeline(windows) for line_id, windows in problem.blocked.items()}
    ends = {t.index: t.fixed.end for t in tasks if t.fixed is not None}
    waiting = {i: sum(1 for p in tasks[i].preds if p not in ends) for i in placeable}
    ready = {i for i, n in waiting.items() if n == 0}
    offers: dict[int, tuple[int, int, int, str]] = {}  # task -> (end, start, line rank, line)
    placements: Placements = {}

    ready_at: dict[int, int] = {}

    def offer(i: int) -> tuple[int, int, int, str]:
        if i not in ready_at:
            ready_at[i] = max([tasks[i].release, *(ends[p] for p in tasks[i].preds)])
        choices = []
        for rank, (line_id, duration) in enumerate(tasks[i].durations.items()):
            start = timelines[line_id].earliest_fit(ready_at[i], duration)
            choices.append((start + duration, start, rank, line_id))
        return min(choices)

    def priority(i: int) -> tuple[float, float, int]:
        end, start, _, _ = offers[i]
        job = problem.jobs[tasks[i].job]
        if rule.name == "mwkr":
            return (0.0, tail[i], -i)
        if rule.name == "edd":
            due = math.inf if job.due is None else job.due
            return (-due, tail[i], -i)
        if job.due is None or job.weight == 0:
            return (0.0, tail[i], -i)
        slack = max(0, job.due - start - tail[i])
        return (job.weight / (end - start) * math.exp(-slack / (rule.k * mean_p)), tail[i], -i)

    # A task's priority depends on its offer only: worked out once per offer, not once per pass over the
    # competing tasks (with hundreds of orders in flight that is most of the rule's time).
    ranks: dict[int, tuple[float, float, int]] = {}
    while ready:
        for i in ready:
            if i not in offers:
                offers[i] = offer(i)
                ranks[i] = priority(i)
        horizon = min(offers[i][0] for i in ready)
        pick = max((i for i in ready if offers[i][1] < horizon), key=ranks.__getitem__)
        end, start, _, line_id = offers.pop(pick)
        timelines[line_id].book(start, end)
        placements[pick] = (line_id, start, end)
        ends[pick] = end
        ready.discard(pick)
        # Only offers whose slot the booking took must be made again: a booking elsewhere on the line leaves
        # their earliest fit where it was, and one on a line they did not choose can only make it worse.
        for i in [i for i, (e, s, _, line) in offers.items() if line == line_id and s < end and start < max(e, s + 1)]:
            del offers[i]
        for succ in tasks[pick].succs:
            if succ in waiting:
                waiting[succ] -= 1
                if waiting[succ] == 0:
                    ready.add(succ)
    return placements


def _work_remaining(problem: Problem) -> dict[int, int]:
    """For each task, its shortest duration plus the longest chain of work after it in its routing."""
    tail: dict[int, int] = {}
    for i in reversed(problem.topo):
        task = problem.tasks[i]
        own = min(task.durations.values(), default=0) if task.fixed is None else 0
        tail[i] = own + max((tail[s] for s in task.succs), default=0)
    return tail
