"""Dispatch: follow each line over OPC UA, record what it did, and load its next job when it is Idle.

The dispatcher wakes on the plant's change notifications (publishing interval ~50 ms) and, as a
safety net, re-reads every line every few seconds. Each line is handled under its own lock so that
a planner's withdraw, move or resequence never races a dispatch decision on that line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from simulators.common.clock import SimClock
from simulators.mes.b2mml import JobState
from simulators.mes.errors import JobConflict, JobInvalid, LineNotFound, PlantUnavailable
from simulators.mes.job_book import WITHDRAWN_WHILE_RUNNING, JobBook
from simulators.mes.plant_link import PRODUCTION_MODE, LineSnapshot, PackML, PlantLink
from simulators.mes.store import Job

log = logging.getLogger("c2m.sim.mes.dispatch")

RUNNING_STATES = {
    PackML.STARTING,
    PackML.EXECUTE,
    PackML.UNHOLDING,
    PackML.UNSUSPENDING,
    PackML.COMPLETING,
}
HELD_STATES = {PackML.HOLDING, PackML.HELD, PackML.SUSPENDING, PackML.SUSPENDED}
# States in which a line still has its job (it may yet finish, hold or abort it).
OCCUPIED_STATES = RUNNING_STATES | HELD_STATES | {PackML.ABORTING, PackML.STOPPING}


class Dispatcher:
    """Runs the MES side of every line; also the plant link's listener."""

    def __init__(
        self,
        book: JobBook,
        clock: SimClock,
        opcua_url: str,
        reconcile_seconds: float = 2.0,
        publishing_interval_ms: float = 50.0,
    ) -> None:
        self.book = book
        self.clock = clock
        self.link = PlantLink(opcua_url, self, publishing_interval_ms=publishing_interval_ms)
        self.snapshots: dict[str, LineSnapshot] = {}
        self._reconcile_seconds = reconcile_seconds
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._connected = asyncio.Event()

    # -- PlantListener -------------------------------------------------------------------------

    def plant_connected(self, lines: list[str]) -> None:
        """Reconcile every line after (re)connecting: things may have happened meanwhile."""
        self.book.set_lines(lines)
        self._connected.set()
        self.wake(*lines)

    def plant_disconnected(self) -> None:
        """Pause dispatching until the plant is back."""
        self._connected.clear()

    def line_changed(self, line: str) -> None:
        """A watched variable of the line changed."""
        self.wake(line)

    def wake(self, *lines: str) -> None:
        """Have these lines looked at soon (all lines when none is given)."""
        self._dirty.update(lines or self.link.lines)
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Dispatch until cancelled."""
        while True:
            await self._connected.wait()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._reconcile_seconds)
            except TimeoutError:
                self._dirty.update(self.link.lines)
            self._wake.clear()
            lines, self._dirty = self._dirty, set()
            await asyncio.gather(*(self._reconcile_quietly(line) for line in sorted(lines)))

    async def _reconcile_quietly(self, line: str) -> None:
        try:
            await self.reconcile(line)
        except (PlantUnavailable, LineNotFound) as exc:
            log.debug("line %s not reconciled: %s", line, exc)
        except Exception:
            log.exception("reconciling line %s failed; will retry", line)
            self._dirty.add(line)

    async def reconcile(self, line: str) -> None:
        """Bring the book in line with the plant for one line, then clear or load it as needed."""
        async with self._locks[line]:
            # Complete -> Clear -> Idle -> StoreAndStart takes three steps; more means something loops.
            for _ in range(5):
                snapshot = await self.link.snapshot(line)
                self.snapshots[line] = snapshot
                if not await self._step(snapshot):
                    return

    async def _step(self, snap: LineSnapshot) -> bool:
        """One look at the line; True when we changed the line and should look again."""
        now = self.clock.now()
        line, state = snap.line, snap.state
        shown = self.book.find(snap.job_order_id) if snap.job_order_id else None
        if shown is not None and not shown.state.finished:
            if state in RUNNING_STATES:
                self.book.record_running(shown, now, snap.produced, snap.defective)
            elif state in HELD_STATES:
                self.book.record_held(shown, now, snap.stop_message or f"line {line} is {snap.state_name}")
            elif state == PackML.COMPLETE:
                self._complete(shown, snap.produced, snap.defective)
            elif state == PackML.ABORTED:
                self.book.record_aborted(shown, now, snap.stop_message or f"aborted on line {line}")
            elif state == PackML.STOPPED:
                self.book.record_aborted(shown, now, f"line {line} was stopped")
        for job in self.book.started_on(line):
            if job.id == snap.job_order_id and state in OCCUPIED_STATES:
                continue
            if job.id in snap.completed:
                # Finished while we were not looking: a line completes a job once its planned quantity
                # of good units is made; scrap counted after our last look is unknown.
                self._complete(job, job.order.PlannedQuantity, job.defective)
            elif job.id == snap.last_aborted:
                self.book.record_aborted(job, now, snap.stop_message or f"aborted on line {line}")
            else:
                self.book.record_aborted(
                    job,
                    now,
                    f"line {line} lost the job: it is {snap.state_name} with job "
                    f"{snap.job_order_id or 'none'} and does not list it as completed",
                )
        if state in (PackML.COMPLETE, PackML.ABORTED):
            status = await self.link.call(line, "Clear")
            if status != 0:
                log.warning("line %s refused Clear (status %s) in state %s", line, status, snap.state_name)
            return status == 0
        if state == PackML.IDLE and snap.unit_mode == PRODUCTION_MODE:  # not in Maintenance or Manual
            return await self._load_next(line)
        return False

    async def _load_next(self, line: str) -> bool:
        job = self.book.next_dispatchable(line)
        if job is None:
            return False
        order = job.order
        status = await self.link.store_and_start(
            line, job.id, order.PlannedQuantity, order.setup_seconds, order.seconds_per_unit
        )
        if status in (0, 3):
            log.info("loaded %s on %s", job.id, line)
            self.book.record_running(job, self.clock.now(), 0, 0)
            return True
        if status == 2:
            self.book.record_aborted(
                job, self.clock.now(), f"line {line} refused the job's parameters (StoreAndStart status 2)"
            )
            return True
        log.info("line %s did not take %s (StoreAndStart status %s); waiting", line, job.id, status)
        return False

    def _complete(self, job: Job, produced: int, defective: int) -> None:
        self.book.record_completed(job, self.clock.now(), produced, defective)
        log.info("%s completed on %s (%d good, %d defective)", job.id, job.line, produced, defective)
        # Its successors may wait on any line.
        self.wake()

    # -- planners' commands --------------------------------------------------------------------

    @asynccontextmanager
    async def _holding(self, *lines: str) -> AsyncIterator[None]:
        # Always lock in name order so two commands never wait on each other.
        async with AsyncExitStack() as stack:
            for line in sorted(set(lines)):
                await stack.enter_async_context(self._locks[line])
            yield

    async def withdraw(self, job_order_id: str, stop_if_running: bool) -> Job:
        """Withdraw a job; a running one only with ``stop_if_running`` (then it is aborted)."""
        job = self.book.get(job_order_id)
        while True:
            line = job.line
            async with self._holding(line):
                if job.line != line:
                    continue  # moved while we waited for the lock
                await self._withdraw_locked(job, stop_if_running)
                break
        self.wake(line)
        return job

    async def _withdraw_locked(self, job: Job, stop_if_running: bool) -> None:
        state = self.book.state_of(job)
        if state.queued:
            self.book.withdraw_queued(job)
            return
        if state is JobState.WITHDRAWN or job.stop_reason == WITHDRAWN_WHILE_RUNNING:
            return  # a repeat
        if state.finished:
            raise JobConflict(f"job order {job.id!r} is already {state.value}; there is nothing to withdraw")
        if not stop_if_running:
            raise JobConflict(
                f"job order {job.id!r} is {state.value} on line {job.line}; "
                'send {"stop_if_running": true} to abort it on the line'
            )
        before = await self.link.snapshot(job.line)
        status = None
        if before.job_order_id == job.id and before.state in OCCUPIED_STATES:
            status = await self.link.call(job.line, "Abort")
        after = await self.link.snapshot(job.line)
        if job.id in after.completed or (after.job_order_id == job.id and after.state == PackML.COMPLETE):
            self._complete(job, after.produced if after.job_order_id == job.id else job.produced, job.defective)
            raise JobConflict(f"job order {job.id!r} completed before it could be stopped")
        if after.job_order_id == job.id and after.state in RUNNING_STATES | HELD_STATES:
            raise PlantUnavailable(
                f"line {job.line} did not abort {job.id!r} (Abort returned {status}, line is {after.state_name}); retry"
            )
        if after.job_order_id == job.id:
            job.produced, job.defective = after.produced, after.defective
        self.book.record_aborted(job, self.clock.now(), WITHDRAWN_WHILE_RUNNING)

    async def move(self, job_order_id: str, line: str) -> Job:
        """Move a job that has not started to another line."""
        job = self.book.get(job_order_id)
        self.book.check_line(line, JobInvalid)
        while True:
            source = job.line
            async with self._holding(source, line):
                if job.line != source:
                    continue
                self.book.move(job, line)
                break
        self.wake(line)
        return job

    async def resequence(self, line: str, job_order_ids: list[str]) -> list[Job]:
        """Put these queued jobs first on the line, in this order."""
        async with self._holding(line):
            queue = self.book.resequence(line, job_order_ids)
        self.wake(line)
        return queue

    async def inject_fault(self, line: str, mode: str, reason: str, duration_seconds: float) -> int:
        """Forward a fault to the plant (demo and test aid); returns the plant's status."""
        status = await self.link.inject_fault(line, mode, reason, duration_seconds)
        self.wake(line)
        return status
