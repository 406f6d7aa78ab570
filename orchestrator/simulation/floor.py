"""The shop floor in virtual time: lines run operations at their speed, in their shifts, and fail.

A line runs one operation at a time. Which one is the policy's choice (:class:`Dispatcher`): the c2m
policy follows its schedule, the baseline takes the oldest ready work. An operation takes
``processing_minutes`` (the scheduler's own rule) of the line's working time; a fault holds it and
it resumes after the repair. Faults come from each line's MTBF/MTTR (exponential times between
failures and repairs, from a generator seeded per line, so both policies meet the same faults).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from orchestrator.plant import Plant
from orchestrator.scheduling import Line, Operation, processing_minutes
from orchestrator.simulation.engine import EventQueue

MINUTE = timedelta(minutes=1)


@dataclass(eq=False)
class SimOp:
    """One operation of one order on the floor."""

    key: str  # "<order>.<op>", as the plant schedule names it
    order_id: str
    op_id: str
    operation: Operation
    predecessors: tuple[str, ...]
    seq: tuple[int, int]  # (order number, position in its routing): first come, first served
    released_at: datetime | None = None  # materials at the line (None: not yet known)
    line: str | None = None  # planned line (c2m) or the line that ran it
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    state: str = "waiting"  # waiting, running, done
    started: datetime | None = None
    ended: datetime | None = None
    remaining: float = 0.0  # working minutes left while running
    resumed_at: datetime | None = None
    version: int = 0


class Dispatcher(Protocol):
    """The policy's choice of what a free line runs next."""

    def next_for(self, line: str, now: datetime) -> SimOp | datetime | None:
        """An operation to start now, a time to ask again, or None (nothing for this line)."""
        ...


@dataclass
class LineState:
    """A line's live state and what it did."""

    id: str
    spec: Line
    down_since: datetime | None = None
    running: SimOp | None = None
    busy_minutes: float = 0.0
    fault_count: int = 0
    wake: datetime | None = None
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)


class Floor:
    """The lines, the operations on them and the fault process."""

    def __init__(self, plant: Plant, queue: EventQueue, seed: int, until: datetime) -> None:
        self.plant = plant
        self.queue = queue
        self.until = until  # no new faults after this instant
        self.lines = {
            lid: LineState(lid, Line(lid, frozenset(str(c) for c in line.capabilities), line.speed_factor))
            for lid, line in plant.lines.items()
        }
        self.ops: dict[str, SimOp] = {}
        self.dispatcher: Dispatcher | None = None
        self.on_start: Callable[[SimOp], None] = lambda op: None
        self.on_done: Callable[[SimOp], None] = lambda op: None
        self.on_fault: Callable[[str, datetime, bool], None] = lambda line, now, down: None
        self._rng = {lid: random.Random(f"{seed}:faults:{lid}") for lid in self.lines}
        self._around_the_clock = all(_always(plant, lid) for lid in self.lines)
        for lid in self.lines:
            self._next_failure(lid, queue.now)

    # --- operations ---------------------------------------------------------------------------------

    def add(self, op: SimOp) -> None:
        """Put an operation on the floor (it runs once released, its predecessors done and chosen)."""
        self.ops[op.key] = op

    def ready(self, op: SimOp, now: datetime) -> bool:
        """Whether ``op`` could start now: materials in and every predecessor done."""
        if op.state != "waiting" or op.released_at is None or op.released_at > now:
            return False
        return all(self.ops[p].state == "done" for p in op.predecessors if p in self.ops)

    def minutes_on(self, op: SimOp, line: str) -> int:
        """Working minutes ``op`` occupies ``line`` (the scheduler's rule)."""
        return processing_minutes(op.operation, self.lines[line].spec)

    def kick(self) -> None:
        """Let every free, working line start what the dispatcher gives it."""
        assert self.dispatcher is not None
        now = self.queue.now
        for state in self.lines.values():
            while state.running is None and state.down_since is None:
                choice = self.dispatcher.next_for(state.id, now)
                if isinstance(choice, SimOp):
                    self._start(state, choice, now)
                    continue
                if isinstance(choice, datetime) and (state.wake is None or choice < state.wake or state.wake <= now):
                    state.wake = choice
                    self.queue.at(choice, self.kick)
                break

    def _start(self, state: LineState, op: SimOp, now: datetime) -> None:
        op.state, op.line, op.started, op.resumed_at = "running", state.id, now, now
        op.remaining = float(self.minutes_on(op, state.id))
        state.running = op
        self.on_start(op)
        self._schedule_end(state, op)

    def _schedule_end(self, state: LineState, op: SimOp) -> None:
        op.version += 1
        version = op.version
        assert op.resumed_at is not None
        end = self._work_end(state.id, op.resumed_at, op.remaining)
        self.queue.at(end, lambda: self._finish(state, op, version))

    def _finish(self, state: LineState, op: SimOp, version: int) -> None:
        if op.version != version or op.state != "running":
            return  # a fault held it; a later end event is the real one
        now = self.queue.now
        assert op.resumed_at is not None and op.started is not None
        state.busy_minutes += op.remaining
        state.busy.append((op.resumed_at, now))
        op.state, op.ended, op.remaining = "done", now, 0.0
        state.running = None
        self.on_done(op)
        self.kick()

    def _work_end(self, line: str, start: datetime, minutes: float) -> datetime:
        if self._around_the_clock:
            return start + minutes * MINUTE
        return self.plant.calendar_for(line).add_working_time(start, minutes * MINUTE)

    def _worked(self, line: str, start: datetime, end: datetime) -> float:
        if self._around_the_clock:
            return (end - start) / MINUTE
        return self.plant.calendar_for(line).working_time(start, end) / MINUTE

    # --- faults -------------------------------------------------------------------------------------

    def _next_failure(self, line: str, now: datetime) -> None:
        mtbf = self.plant.line(line).reliability.mtbf_hours
        if mtbf <= 0:
            return
        at = now + timedelta(hours=self._rng[line].expovariate(1.0 / mtbf))
        if at <= self.until:
            self.queue.at(at, lambda: self._fail(line))

    def _fail(self, line: str) -> None:
        now, state = self.queue.now, self.lines[line]
        state.down_since, state.fault_count = now, state.fault_count + 1
        op = state.running
        if op is not None and op.resumed_at is not None:
            done = self._worked(line, op.resumed_at, now)
            state.busy_minutes += done
            state.busy.append((op.resumed_at, now))
            op.remaining = max(0.0, op.remaining - done)
            op.version += 1  # its end event no longer counts
        mttr = self.plant.line(line).reliability.mttr_minutes
        repair = timedelta(minutes=self._rng[line].expovariate(1.0 / mttr)) if mttr > 0 else timedelta()
        self.queue.at(now + repair, lambda: self._repair(line))
        self.on_fault(line, now, True)

    def _repair(self, line: str) -> None:
        now, state = self.queue.now, self.lines[line]
        state.down_since = None
        op = state.running
        if op is not None:
            op.resumed_at = now
            self._schedule_end(state, op)
        self._next_failure(line, now)
        self.on_fault(line, now, False)
        self.kick()

    def expected_repair(self, line: str) -> timedelta:
        """The line's mean time to repair: what the planner expects when a fault is reported."""
        return timedelta(minutes=self.plant.line(line).reliability.mttr_minutes)


def _always(plant: Plant, line: str) -> bool:
    """Whether the line's calendar works every minute (the default plant's three shifts, no holidays)."""
    calendar = plant.calendar_for(line)
    start = datetime(2026, 1, 5, tzinfo=calendar.tz)
    week = timedelta(days=7)
    return not calendar.non_working and calendar.working_time(start, start + week) == week
