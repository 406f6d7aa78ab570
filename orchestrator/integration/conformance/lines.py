"""The line rules of the conformance suite: what the line monitor relies on from a line status adapter.

Each rule opens the adapter's own source on the target line (built by its factory from the line's
binding, as the monitor does), makes the line do something through the driver (run a job, hold on a
fault, lose its endpoint for a moment) and judges the events that come back:

- ``line.snapshot-first``: connecting gives the current values first;
- ``line.job-completed-once``: a job is reported started, then completed exactly once;
- ``line.fault-reported-once``: a fault is reported once, and so is its recovery;
- ``line.restart-loses-no-completion``: an endpoint restart mid-job is a reconnection, not a lost completion;
- ``line.missed-completion-reported``: ``known_completed`` decides whether past completions are reported.

The rules share the line and leave it idle; they run one after another, in this order.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.conformance.line_driver import DriverError, LineDriver, run_restart
from orchestrator.integration.conformance.line_steps import LineSteps
from orchestrator.integration.conformance.line_watch import (
    connection_is,
    describe_event,
    describe_snapshot,
    kind_is,
    shows,
)
from orchestrator.integration.conformance.outcome import Evidence, Rule, RuleBroken
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.plant.packml import PackMLState
from orchestrator.ports.lines import FaultMode, LineEvent, LineEventKind, LineSnapshot

#: The ``driver`` section's model for ``--kind line``.
DRIVER = LineDriver

S, K = PackMLState, LineEventKind
_FAULT_STATES = {S.HOLDING, S.HELD, S.ABORTING, S.ABORTED, S.STOPPING, S.STOPPED}
_RUNNING = {S.STARTING, S.EXECUTE, S.COMPLETING, S.COMPLETE}


def rules(adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext, driver: LineDriver) -> list[Rule]:
    """The line rules for ``adapter`` on the line ``context.target``, in the order they must run."""
    checks = _LineChecks(adapter, settings, context, driver)
    d = driver
    return [
        Rule("line.snapshot-first", (
            f"within {d.snapshot_within:g} s of opening the stream, the first event other than `connection` is a "
            "snapshot of the current values: after a job ran to completion, state Complete, that job, its "
            "quantity produced, the job among the completed ones (each field the line reports)"
        ), checks.snapshot_first),
        Rule("line.job-completed-once", (
            "a job started on the line is reported started (the line shows it Starting or Execute), then "
            f"`job_completed` once for its id, and never again ({d.quiet_for:g} s watched after the line is cleared)"
        ), checks.job_completed_once),
        Rule("line.fault-reported-once", (
            "a fault held on the running job is reported by one `fault` event whose snapshot shows the stop "
            "reason and a fault state; after Resume one `fault_cleared` and the line running again"
        ), checks.fault_reported_once),
        Rule("line.restart-loses-no-completion", (
            "when the endpoint restarts while a job runs, the stream says `connection: reconnecting`, then "
            f"`connected` and a fresh snapshot within {d.reconnect_within:g} s, and the job's completion once"
        ), checks.restart_loses_no_completion),
        Rule("line.missed-completion-reported", (
            "a job completed before the stream opened is not reported with known_completed None (history), "
            "is reported once with an empty known_completed (a restarted monitor catching up), and not with "
            "known_completed naming it"
        ), checks.missed_completion_reported),
    ]


class _LineChecks(LineSteps):
    """The rules themselves, one method each (the steps they share are :class:`LineSteps`)."""


    async def snapshot_first(self, ev: Evidence) -> str:
        async with self._control() as control:
            async with self._watch(ev, note=False) as watch:
                await self._first_is_snapshot(watch, ev, "open the stream")
                job = await self._run_to_completion(control, watch, ev)
            async with self._watch(ev, note=False) as watch:
                snapshot, took = await self._first_is_snapshot(watch, ev, f"open the stream again after {job}")
                _snapshot_shows_finished_job(snapshot, self.line, job, self.driver.job.quantity)
                await self._idle(control, watch, ev)
        return f"snapshot after {took:.1f} s: {describe_snapshot(snapshot)}"

    async def job_completed_once(self, ev: Evidence) -> str:
        d = self.driver
        async with self._control() as control, self._watch(ev) as watch:
            await self._idle(control, watch, ev)
            mark = len(watch.events)
            job = await self._start(control, ev)
            started = await watch.first(shows(job, {S.STARTING, S.EXECUTE}), d.job_within, after=mark)
            done = await watch.first(kind_is(K.JOB_COMPLETED, job), d.job_within, after=mark)
            ev.note(f"watch job {job} for up to {d.job_within:g} s", watch.since(mark))
            if started is None:
                raise RuleBroken(f"the line never showed {job} Starting or Execute{watch.ending()}")
            if done is None:
                raise RuleBroken(f"no `job_completed` for {job} within {d.job_within:g} s{watch.ending()}")
            if watch.events.index(started) > watch.events.index(done):
                raise RuleBroken(f"{job} was reported completed before the line showed it started")
            cleared_at = len(watch.events)
            await self._idle(control, watch, ev)
            await watch.keep_watching(d.quiet_for)
            ev.note(f"clear the line and watch {d.quiet_for:g} s more", watch.since(cleared_at))
            _once(watch.of(kind_is(K.JOB_COMPLETED, job)), f"`job_completed` for {job}")
        return f"{job}: {describe_event(started)}, then {describe_event(done)} once"

    async def fault_reported_once(self, ev: Evidence) -> str:
        d = self.driver
        async with self._control() as control, self._watch(ev) as watch:
            try:
                await self._idle(control, watch, ev)
                job = await self._start(control, ev)
                await self._await_execute(watch, job, ev)
                mark = len(watch.events)
                status = await control.inject_fault(self.line, FaultMode.HOLD, d.fault_reason, 0.0)
                ev.note(f"InjectFault({self.line}, hold, {d.fault_reason!r}, until Resume)", status.name)
                if not status.accepted:
                    raise DriverError(f"the line refused InjectFault: {status.name}")
                fault = await watch.first(kind_is(K.FAULT), d.job_within, after=mark)
                held = await watch.first(shows(job, {S.HELD}), d.job_within, after=mark)
                ev.note(f"watch for the fault, up to {d.job_within:g} s", watch.since(mark))
                if fault is None:
                    raise RuleBroken(f"no `fault` event within {d.job_within:g} s of the injection{watch.ending()}")
                _fault_shown(fault)
                if held is None:
                    raise RuleBroken(f"the line never showed {job} Held after the fault{watch.ending()}")
                resumed_at = len(watch.events)
                status = await control.resume(self.line)
                ev.note(f"Resume({self.line})", status.name)
                if not status.accepted:
                    raise DriverError(f"the line refused Resume: {status.name}")
                cleared = await watch.first(kind_is(K.FAULT_CLEARED), d.job_within, after=resumed_at)
                running = await watch.first(
                    lambda e: e.snapshot is not None and e.snapshot.state in _RUNNING and not e.snapshot.faulted,
                    d.job_within, after=resumed_at,
                )
                await watch.keep_watching(d.quiet_for)
                ev.note(f"watch the recovery, up to {d.job_within:g} s", watch.since(resumed_at))
                if cleared is None:
                    raise RuleBroken(f"no `fault_cleared` within {d.job_within:g} s of Resume{watch.ending()}")
                if running is None:
                    raise RuleBroken(f"the line never showed running again without a stop reason{watch.ending()}")
                _once(watch.of(kind_is(K.FAULT), after=mark), "`fault` for one injected fault")
                _once(watch.of(kind_is(K.FAULT_CLEARED), after=mark), "`fault_cleared` for one recovery")
            finally:
                await self._tidy(control, watch, ev)
        return f"{describe_event(fault)} once, then {describe_event(cleared)} once"

    async def restart_loses_no_completion(self, ev: Evidence) -> str:
        d = self.driver
        if not d.restart:
            raise DriverError("driver.restart is not set: give a shell command that restarts the endpoint")
        async with self._control() as control, self._watch(ev) as watch:
            try:
                await self._idle(control, watch, ev)
                job = await self._start(control, ev)
                await self._await_execute(watch, job, ev)
                mark = len(watch.events)
                ev.note(f"restart the endpoint: {d.restart}", await run_restart(d.restart, d.restart_timeout))
                lost = await watch.first(connection_is("reconnecting"), d.reconnect_within, after=mark)
                back = None if lost is None else await watch.first(
                    connection_is("connected"), d.reconnect_within, after=watch.events.index(lost))
                done = await watch.first(kind_is(K.JOB_COMPLETED, job), d.job_within, after=mark)
                await watch.keep_watching(d.quiet_for)
                ev.note(f"watch the stream through the restart, up to {d.reconnect_within:g} s", watch.since(mark))
                if lost is None:
                    raise RuleBroken("the endpoint restarted but the stream never said `connection: reconnecting`")
                if done is not None and watch.events.index(done) < watch.events.index(lost):
                    raise DriverError(f"{job} completed before the restart took effect: make driver.job longer")
                if back is None:
                    raise RuleBroken(f"no `connection: connected` within {d.reconnect_within:g} s{watch.ending()}")
                after = watch.events[watch.events.index(back) + 1:]
                nxt = next((e for e in after if e.kind is not K.CONNECTION), None)
                if nxt is None or nxt.kind is not K.SNAPSHOT:
                    found = describe_event(nxt) if nxt else "nothing"
                    raise RuleBroken(f"after `connected` came {found}, not a fresh snapshot")
                if done is None:
                    raise RuleBroken(f"{job}'s completion was lost: no `job_completed` within {d.job_within:g} s")
                _once(watch.of(kind_is(K.JOB_COMPLETED, job)), f"`job_completed` for {job}")
            finally:
                await self._tidy(control, watch, ev)
        return f"reconnected, {describe_event(nxt)}; {describe_event(done)} once"

    async def missed_completion_reported(self, ev: Evidence) -> str:
        d = self.driver
        async with self._control() as control:
            async with self._watch(ev) as watch:
                job = await self._run_to_completion(control, watch, ev)
            wanted = {"None": 0, "set()": 1, repr({job}): 0}
            async with contextlib.AsyncExitStack() as streams:
                watches = {
                    repr(known): await streams.enter_async_context(self._watch(ev, known, note=False))
                    for known in (None, set(), {job})
                }
                for watch in watches.values():
                    await self._ready(watch)
                await watches["set()"].first(kind_is(K.JOB_COMPLETED, job), d.snapshot_within)
                await watches["set()"].keep_watching(d.quiet_for)
                found = {known: len(w.of(kind_is(K.JOB_COMPLETED, job))) for known, w in watches.items()}
                for known, watch in watches.items():
                    ev.note(f"open the stream with known_completed {known}", watch.since(0))
                await self._idle(control, watches["None"], ev)
            if found != wanted:
                raise RuleBroken(f"`job_completed` for {job}, by known_completed: {found} (expected {wanted})")
        return f"{job} reported, by known_completed: {found}"


def _once(events: list[LineEvent], what: str) -> None:
    if len(events) != 1:
        raise RuleBroken(f"{what} came {len(events)} times: " + "; ".join(describe_event(e) for e in events))


def _fault_shown(fault: LineEvent) -> None:
    s = fault.snapshot
    if not fault.values.get("stop_reason"):
        raise RuleBroken(f"the `fault` event carries no stop reason: {describe_event(fault)}")
    if s is None or not s.faulted or s.state not in _FAULT_STATES:
        shown = describe_snapshot(s) if s is not None else "no snapshot"
        raise RuleBroken(f"the `fault` event's snapshot shows no fault (stop reason and a fault state): {shown}")


def _snapshot_shows_finished_job(s: LineSnapshot, line: str, job: str, quantity: int) -> None:
    wrong = []
    if s.line != line:
        wrong.append(f"line {s.line!r} instead of {line!r}")
    if s.state != S.COMPLETE:
        wrong.append(f"state {s.state_name} instead of Complete")
    if s.job_order_id != job:
        wrong.append(f"job {s.job_order_id!r} instead of {job!r}")
    if s.produced_quantity is not None and s.produced_quantity != quantity:
        wrong.append(f"produced {s.produced_quantity} instead of {quantity}")
    if s.processed_count is not None and s.processed_count < quantity:
        wrong.append(f"processed count {s.processed_count} below the job's {quantity}")
    if s.completed_job_orders is not None and job not in s.completed_job_orders:
        wrong.append(f"{job} missing from completed jobs {list(s.completed_job_orders)}")
    if s.last_completed_job_order_id is not None and s.last_completed_job_order_id != job:
        wrong.append(f"last completed {s.last_completed_job_order_id!r} instead of {job!r}")
    if wrong:
        raise RuleBroken(f"the snapshot is not the line's current values: {'; '.join(wrong)}")
