"""The MES's book of job orders: acceptance, queues per line, and the job life cycle.

No OPC UA here: the dispatcher tells the book what the lines did, and the book keeps the records
(in memory, written through to the store). It never reads the clock; callers pass ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from simulators.mes.b2mml import HierarchyScope, JobOrder, JobResponse, JobState
from simulators.mes.errors import JobConflict, JobInvalid, JobNotFound, LineNotFound, MesRefusal
from simulators.mes.store import Job, JobStore

WITHDRAWN_WHILE_RUNNING = "withdrawn while running"


def _queue_key(job: Job) -> tuple[object, ...]:
    # A planner's explicit sequence comes first; the rest by planned start, priority, then arrival.
    if job.rank is not None:
        return (0, job.rank, job.arrival)
    return (1, job.order.StartTime.timestamp(), -job.order.Priority, job.arrival)


class JobBook:
    """All job orders this MES knows, with the rules for changing them."""

    def __init__(self, store: JobStore) -> None:
        self._store = store
        self._jobs: dict[str, Job] = {j.id: j for j in store.load_jobs()}
        # Unfinished jobs, so queue scans do not walk the whole history.
        self._open: dict[str, Job] = {i: j for i, j in self._jobs.items() if not j.state.finished}
        self._next_arrival = max((j.arrival for j in self._jobs.values()), default=0) + 1
        self.lines: list[str] = store.load_lines()

    # -- lines ---------------------------------------------------------------------------------

    def set_lines(self, lines: Iterable[str]) -> None:
        """Record the plant's lines (from OPC UA discovery)."""
        found = sorted(lines)
        if found != self.lines:
            self.lines = found
            self._store.save_lines(found)

    def check_line(self, line: str, refusal: type[MesRefusal] = LineNotFound) -> None:
        """Refuse a line the plant does not have (only once the plant's lines are known).

        ``refusal``: LineNotFound (404) for a line in the URL, JobInvalid (422) for one in a body.
        """
        if self.lines and line not in self.lines:
            raise refusal(f"{line!r} is not a line of this plant; lines are {', '.join(self.lines)}")

    # -- reading -------------------------------------------------------------------------------

    def get(self, job_order_id: str) -> Job:
        """The job with this id, or :class:`JobNotFound`."""
        job = self._jobs.get(job_order_id)
        if job is None:
            raise JobNotFound(job_order_id)
        return job

    def find(self, job_order_id: str) -> Job | None:
        """The job with this id, or None."""
        return self._jobs.get(job_order_id)

    def select(self, line: str | None = None, state: JobState | None = None) -> list[Job]:
        """Jobs filtered by line and state, in arrival order."""
        jobs = self._jobs.values() if state is None or state.finished else self._open.values()
        return sorted(
            (j for j in jobs if (line is None or j.line == line) and (state is None or self.state_of(j) == state)),
            key=lambda j: j.arrival,
        )

    def state_of(self, job: Job) -> JobState:
        """The job's state, deriving Ready (released, all predecessors completed) for queued jobs."""
        if job.state is not JobState.WAITING:
            return job.state
        if job.order.DispatchStatus != "Released":
            return JobState.WAITING
        for pred in job.order.Predecessors:
            other = self._jobs.get(pred)
            if other is None or other.state is not JobState.COMPLETED:
                return JobState.WAITING
        return JobState.READY

    def queue(self, line: str) -> list[Job]:
        """The line's jobs that have not started, first to run first."""
        return sorted(
            (j for j in self._open.values() if j.line == line and j.state is JobState.WAITING), key=_queue_key
        )

    def next_dispatchable(self, line: str) -> Job | None:
        """The first job in the line's queue that may start now."""
        return next((j for j in self.queue(line) if self.state_of(j) is JobState.READY), None)

    def started_on(self, line: str) -> list[Job]:
        """Jobs this MES believes are on the line (Running or Held)."""
        return [j for j in self._open.values() if j.line == line and j.state in (JobState.RUNNING, JobState.HELD)]

    def open_jobs(self) -> list[Job]:
        """Every unfinished job."""
        return list(self._open.values())

    # -- accepting -----------------------------------------------------------------------------

    def accept(self, orders: Sequence[JobOrder]) -> tuple[list[Job], bool]:
        """Take a batch of job orders, all or none; returns the jobs (in order) and whether any is new.

        A repeat of a known JobOrderID with the same content is a no-op; turning Pending into
        Released is an update; any other difference is a :class:`JobConflict`.
        """
        ids = [o.JobOrderID for o in orders]  # unique and acyclic: JobOrderBatch checked that
        new: list[JobOrder] = []
        released: list[Job] = []
        for order in orders:
            job = self._jobs.get(order.JobOrderID)
            if job is None:
                new.append(order)
            elif self._repeat_releases(job, order):
                released.append(job)
        batch_ids = {o.JobOrderID for o in new}
        for order in new:
            self.check_line(order.line, JobInvalid)
            missing = [p for p in order.Predecessors if p not in self._jobs and p not in batch_ids]
            if missing:
                raise JobInvalid(
                    f"JobOrder {order.JobOrderID!r}: predecessor(s) {missing} are unknown; "
                    "send them in the same batch or before this job"
                )
        created = [Job(order=o, arrival=self._next_arrival + i, original_line=o.line) for i, o in enumerate(new)]
        updated = [replace(job, order=job.order.model_copy(update={"DispatchStatus": "Released"})) for job in released]
        self._store.save([*created, *updated])  # memory changes only once the file has them
        self._next_arrival += len(created)
        for job in created:
            self._jobs[job.id] = self._open[job.id] = job
        for job in updated:
            self._jobs[job.id].order = job.order
        return [self._jobs[i] for i in ids], bool(created)

    def _repeat_releases(self, job: Job, order: JobOrder) -> bool:
        """Check a repeat against the stored job; True when it turns a Pending job Released."""
        stored = job.order
        as_first_sent = stored.model_copy(update={"HierarchyScope": HierarchyScope(EquipmentID=job.original_line)})
        content = order.content()
        if content not in (stored.content(), as_first_sent.content()):
            differing = sorted(k for k, v in content.items() if stored.content().get(k) != v)
            raise JobConflict(
                f"job order {job.id!r} already exists with different content (differs in {differing}); "
                "a JobOrderID can be used once: send changes under a new id, or withdraw this job first"
            )
        if order.DispatchStatus == stored.DispatchStatus:
            return False
        if order.DispatchStatus == "Pending":
            raise JobConflict(f"job order {job.id!r} is already Released; it cannot go back to Pending")
        if job.state.finished:
            raise JobConflict(f"job order {job.id!r} is {job.state.value}; it can no longer be released")
        return True

    # -- planner's changes ---------------------------------------------------------------------

    def withdraw_queued(self, job: Job) -> None:
        """Withdraw a job that has not started."""
        job.state = JobState.WITHDRAWN
        job.stop_reason = "withdrawn before start"
        self._save(job)

    def move(self, job: Job, line: str) -> None:
        """Assign a job that has not started to another line (it joins that line in default order)."""
        self.check_line(line, JobInvalid)
        if not job.state.queued:
            raise JobConflict(
                f"job order {job.id!r} is {self.state_of(job).value} on {job.line}; "
                "only jobs that have not started can move"
            )
        if job.line == line:
            return
        job.order = job.order.model_copy(update={"HierarchyScope": HierarchyScope(EquipmentID=line)})
        job.rank = None
        self._save(job)

    def resequence(self, line: str, job_order_ids: Sequence[str]) -> list[Job]:
        """Put these queued jobs first on the line, in this order; the others keep their order after."""
        self.check_line(line)
        dupes = sorted({i for i in job_order_ids if list(job_order_ids).count(i) > 1})
        if dupes:
            raise JobInvalid(f"JobOrderIDs {dupes} are listed more than once")
        listed = [self.get(i) for i in job_order_ids]
        for job in listed:
            if job.line != line:
                raise JobInvalid(f"job order {job.id!r} is on line {job.line}, not {line}; move it first")
            if job.state is not JobState.WAITING:
                raise JobConflict(
                    f"job order {job.id!r} is already {job.state.value}; only jobs that have not started "
                    "can be resequenced"
                )
        wanted = set(job_order_ids)
        order = [*listed, *(j for j in self.queue(line) if j.id not in wanted)]
        for rank, job in enumerate(order):
            job.rank = rank
        self._store.save(order)
        return order

    # -- what the line did ---------------------------------------------------------------------

    def record_running(self, job: Job, now: datetime, produced: int, defective: int) -> bool:
        """The line runs the job (setup or production); True when the record changed."""
        before = (job.state, job.produced, job.defective)
        if job.actual_start is None:
            job.actual_start = now
        if job.state is JobState.HELD:
            job.stop_reason = None
        job.state = JobState.RUNNING
        job.produced, job.defective = produced, defective
        return self._save_if_changed(job, before)

    def record_held(self, job: Job, now: datetime, reason: str) -> bool:
        """The line holds the job."""
        before = (job.state, job.produced, job.defective)
        if job.actual_start is None:
            job.actual_start = now
        job.state = JobState.HELD
        job.stop_reason = reason
        return self._save_if_changed(job, before)

    def record_completed(self, job: Job, now: datetime, produced: int, defective: int) -> None:
        """The line finished the job."""
        job.state = JobState.COMPLETED
        job.actual_start = job.actual_start or now
        job.actual_end = now
        job.produced, job.defective = produced, defective
        job.stop_reason = None
        self._save(job)

    def record_aborted(self, job: Job, now: datetime, reason: str) -> None:
        """The job stopped for good on the line (fault, or withdrawn while running)."""
        job.state = JobState.ABORTED
        job.actual_end = now
        job.stop_reason = reason
        self._save(job)

    def _save_if_changed(self, job: Job, before: tuple[JobState, int, int]) -> bool:
        if (job.state, job.produced, job.defective) == before:
            return False
        self._save(job)
        return True

    def _save(self, job: Job) -> None:
        self._store.save([job])
        if job.state.finished:
            self._open.pop(job.id, None)

    # -- reporting -----------------------------------------------------------------------------

    def responses(self, jobs: Iterable[Job]) -> list[JobResponse]:
        """JobResponses for these jobs, with their queue positions."""
        positions: dict[str, dict[str, int]] = {}
        out = []
        for job in jobs:
            sequence = None
            if job.state is JobState.WAITING:
                if job.line not in positions:
                    positions[job.line] = {j.id: n for n, j in enumerate(self.queue(job.line), start=1)}
                sequence = positions[job.line].get(job.id)
            out.append(
                JobResponse(
                    JobResponseID=f"JR-{job.id}",
                    JobOrderID=job.id,
                    EquipmentID=job.line,
                    WorkMasterID=job.order.WorkMasterID,
                    DispatchStatus=job.order.DispatchStatus,
                    JobState=self.state_of(job),
                    ActualStartTime=job.actual_start,
                    ActualEndTime=job.actual_end,
                    ProducedQuantity=job.produced,
                    DefectiveQuantity=job.defective,
                    StopReason=job.stop_reason,
                    Sequence=sequence,
                )
            )
        return out

    def response(self, job: Job) -> JobResponse:
        """The JobResponse for one job."""
        return self.responses([job])[0]
