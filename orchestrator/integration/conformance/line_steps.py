"""The line rules' shared steps: open the adapter's stream, command the line, and keep it tidy.

:class:`LineSteps` holds what every line rule needs: the adapter's factory and the line's binding
(built once, on first use, so a bad binding is one rule's error rather than the suite's), the driver's
job control, and the moves that put the line where a rule starts from (idle, running a job of the
suite's, its job finished). Every wait is bounded by one of the driver's limits.
"""

from __future__ import annotations

import contextlib
import itertools
import time
import uuid
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.conformance.line_driver import DriverError, LineDriver, line_binding, line_control
from orchestrator.integration.conformance.line_watch import LineWatch, describe_event, kind_is, shows
from orchestrator.integration.conformance.outcome import Evidence, RuleBroken
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.plant.packml import JOB_ACTIVE_STATES, PackMLState
from orchestrator.ports.lines import (
    LineControl,
    LineEventKind,
    LineSnapshot,
    LineStatusBinding,
    LineStatusSourceFactory,
)

#: Job ids of the suite start with this, so a job it left behind is recognised (and aborted) next time.
JOB_PREFIX = "c2m-conformance-"

S, K = PackMLState, LineEventKind
_CLEARABLE = {S.COMPLETE, S.ABORTED, S.STOPPED}
_PASSING = {S.CLEARING, S.ABORTING, S.STOPPING, S.RESETTING, S.COMPLETING}


class LineSteps:
    """The rules' shared means: open the adapter's stream, command the line, keep it tidy."""

    def __init__(self, adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext,
                 driver: LineDriver) -> None:
        self.adapter, self.settings, self.context, self.driver = adapter, settings, context, driver
        self.line = context.target
        self._opened: tuple[LineStatusBinding, LineStatusSourceFactory] | None = None
        self._run, self._jobs = uuid.uuid4().hex[:8], itertools.count(1)

    def _control(self) -> contextlib.AbstractAsyncContextManager[LineControl]:
        """The driver's job control of the line, for one rule."""
        return line_control(self.adapter, self.settings, self.context, self.driver)

    def _watch(self, ev: Evidence, known: set[str] | None = None, *, note: bool = True) -> LineWatch:
        """A new source from the adapter's factory (``known`` as its ``known_completed``), to watch in a block."""
        if self._opened is None:
            binding = line_binding(self.adapter, self.settings, self.context, self.driver.plant_file)
            self._opened = binding, self.adapter.build(self.settings, self.context)
        binding, factory = self._opened
        if note:
            ev.note(f"open the {self.adapter.name} stream of {self.line}",
                    f"{binding.endpoint}, {len(binding.nodes)} mapped fields")
        return LineWatch(factory(binding, known_completed=known))

    async def _first_is_snapshot(self, watch: LineWatch, ev: Evidence, what: str) -> tuple[LineSnapshot, float]:
        """The first event but ``connection`` must be a snapshot, within the bound; it and how long it took."""
        within, opened = self.driver.snapshot_within, time.monotonic()
        first = await watch.first(lambda e: e.kind is not K.CONNECTION, within)
        took = time.monotonic() - opened
        ev.note(f"{what} of {self.line} (known_completed None) and take its first event", watch.since(0))
        if first is None:
            raise RuleBroken(f"no event but `connection` within {within:g} s{watch.ending()}")
        if first.kind is not K.SNAPSHOT or first.snapshot is None:
            raise RuleBroken(f"the first event is {describe_event(first)}, not a snapshot")
        return first.snapshot, took

    async def _ready(self, watch: LineWatch) -> LineSnapshot:
        """The line's values once the stream gives them (any rule needs them before it starts)."""
        event = await watch.first(lambda e: e.snapshot is not None, self.driver.snapshot_within)
        if event is None or event.snapshot is None:
            raise RuleBroken(f"no line values within {self.driver.snapshot_within:g} s{watch.ending()}")
        return event.snapshot

    async def _idle(self, control: LineControl, watch: LineWatch, ev: Evidence) -> None:
        """Bring the line to Idle: clear a finished job, abort one the suite left running; else refuse."""
        await self._ready(watch)
        deadline = time.monotonic() + self.driver.job_within
        while (s := watch.latest()) is not None and s.state != S.IDLE:
            mine = (s.job_order_id or "").startswith(JOB_PREFIX)
            if s.state in _CLEARABLE:
                ev.note(f"Clear({self.line}) [line {s.state_name}]", (await control.clear(self.line)).name)
            elif s.state in JOB_ACTIVE_STATES - {S.COMPLETING} and mine:
                ev.note(f"Abort({self.line}) [left-over {s.job_order_id}]", (await control.abort(self.line)).name)
            elif s.state not in _PASSING:
                raise DriverError(
                    f"line {self.line} is {s.state_name} with job {s.job_order_id or '-'}; the rules need it idle: "
                    "let its job finish or abort it, then run the suite again"
                )
            left = deadline - time.monotonic()
            if left <= 0:
                raise DriverError(f"line {self.line} did not become idle within {self.driver.job_within:g} s")
            await watch.first(lambda e: e.snapshot is not None, min(left, 1.0), after=len(watch.events))

    async def _tidy(self, control: LineControl, watch: LineWatch, ev: Evidence) -> None:
        # After a failed rule the line may still run the suite's job; the next rule needs it idle.
        with contextlib.suppress(Exception):
            await self._idle(control, watch, ev)

    async def _start(self, control: LineControl, ev: Evidence) -> str:
        job, spec = f"{JOB_PREFIX}{self._run}-{next(self._jobs)}", self.driver.job
        status = await control.store_and_start(
            self.line, job, spec.quantity, spec.setup_seconds, spec.seconds_per_unit
        )
        ev.note(f"StoreAndStart({self.line}, {job}, quantity {spec.quantity}, setup {spec.setup_seconds:g} s, "
                f"{spec.seconds_per_unit:g} s/unit) via {self.driver.control_text(self.adapter)}", status.name)
        if not status.accepted:
            raise DriverError(f"the line refused StoreAndStart: {status.name}")
        return job

    async def _await_execute(self, watch: LineWatch, job: str, ev: Evidence) -> None:
        running = await watch.first(shows(job, {S.EXECUTE}), self.driver.job_within)
        if running is None:
            ev.note(f"wait for {job} in Execute", watch.since(0))
            raise RuleBroken(f"the line never showed {job} in Execute{watch.ending()}")
        latest = watch.latest()
        if watch.of(kind_is(K.JOB_COMPLETED, job)) or (latest is not None and latest.state == S.COMPLETE):
            raise DriverError(f"{job} finished before the rule could act: make driver.job longer")

    async def _run_to_completion(self, control: LineControl, watch: LineWatch, ev: Evidence) -> str:
        """Run a job and wait until the line shows it complete (through this stream)."""
        await self._idle(control, watch, ev)
        mark = len(watch.events)
        job = await self._start(control, ev)
        done = await watch.first(
            lambda e: kind_is(K.JOB_COMPLETED, job)(e) or shows(job, {S.COMPLETE})(e), self.driver.job_within,
            after=mark,
        )
        ev.note(f"watch {job} run", watch.since(mark))
        if done is None:
            raise DriverError(f"the stream never showed {job} complete within {self.driver.job_within:g} s")
        return job
