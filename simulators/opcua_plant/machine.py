"""One line's PackML state machine and the job it runs, on plant time (pure: no I/O, no clock).

The server calls :meth:`LineMachine.advance` with the plant time now, and the command methods when a
client calls a job method. Timed states (Starting = setup, Execute = one unit after another, and
the short transitional states) run on a timer of plant seconds; the others wait for a command.
Everything needed to resume after a restart is in :meth:`LineMachine.to_record`; time that passes
while the simulator is down does not count (the job resumes where it was).
"""

from __future__ import annotations

import math
from typing import Any

from simulators.opcua_plant.faults import FaultModel
from simulators.opcua_plant.packml import (
    INJECTED_FAULT,
    JOB_ACTIVE,
    TRANSITION_SECONDS,
    State,
    Status,
)
from simulators.opcua_plant.plant_file import LineSpec
from simulators.opcua_plant.record import COMPLETED_KEPT, Job, Record, record_from_data, record_to_data


class LineMachine:
    """A simulated line: PackML states, job progress, faults."""

    def __init__(self, spec: LineSpec, faults: FaultModel, record: Record | None = None) -> None:
        self.spec = spec
        self.faults = faults
        self.r = record or Record()
        self._clock: float | None = None  # plant time the machine has advanced to
        self.entered: list[int] = []  # states entered since the server last published
        self.changed = True  # durable state changed since the last save
        if self.r.next_breakdown_at is None:
            self._plan_breakdown()

    # --- time -------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        """Run the line up to plant time ``now`` (a Unix timestamp)."""
        # The first call after a (re)start only sets the clock: downtime is not production time.
        last = now if self._clock is None else self._clock
        self._clock = max(last, now)
        self._run(max(now - last, 0.0))

    def _run(self, budget: float) -> None:
        # Bounded: each pass either ends the budget or finishes a phase, and phases are finite.
        for _ in range(100_000):
            length = self.r.timer_length
            if length is None:
                return
            remaining = max(length - self.r.timer, 0.0)
            due = self._breakdown_due()
            if due is not None and due < remaining and due <= budget:
                self._consume(due)
                budget -= due
                self._break_down()
                continue
            if remaining > budget:
                self._consume(budget)
                return
            self._consume(remaining)
            budget -= remaining
            self._expire()

    def _consume(self, seconds: float) -> None:
        self.r.timer += seconds
        if self.r.state == State.EXECUTE:
            self.r.operating_seconds += seconds

    def _breakdown_due(self) -> float | None:
        if self.r.state != State.EXECUTE or self.r.next_breakdown_at is None:
            return None
        return max(self.r.next_breakdown_at - self.r.operating_seconds, 0.0)

    def _enter(self, state: State, length: float | None = None, timer: float = 0.0) -> None:
        self.r.state = state
        self.r.timer, self.r.timer_length = timer, length
        self.entered.append(int(state))
        self.changed = True

    def _expire(self) -> None:
        state, job = State(self.r.state), self.r.job
        if state == State.STARTING:
            self._start_unit()
        elif state == State.EXECUTE and job is not None:
            self._finish_unit(job)
        elif state == State.COMPLETING and job is not None:
            self._complete(job)
        elif state == State.HOLDING:
            self._enter(State.HELD, self.r.hold_seconds)
        elif state == State.HELD:
            self._unhold()
        elif state in (State.UNHOLDING, State.UNSUSPENDING):
            self._enter(State(self.r.resume_state or State.EXECUTE), self.r.resume_timer_length, self.r.resume_timer)
            self.r.resume_state = None
        elif state == State.SUSPENDING:
            self._enter(State.SUSPENDED)
        elif state == State.ABORTING:
            if job is not None:
                self.r.last_aborted = job.job_order_id
            self._enter(State.ABORTED)
        else:
            self.r.timer_length = None

    def _start_unit(self) -> None:
        job = self.r.job
        self._enter(State.EXECUTE, job.seconds_per_unit if job else None)

    def _finish_unit(self, job: Job) -> None:
        unit_index = job.produced + job.defective
        # A line whose every unit failed would never finish: past 10x the quantity, units count as good.
        if self.faults.is_defective(job.job_order_id, unit_index) and job.defective < 10 * job.quantity:
            job.defective += 1
            self.r.defective_count += 1
        else:
            job.produced += 1
        self.r.processed_count += 1
        self.changed = True
        if job.produced >= job.quantity:
            self._enter(State.COMPLETING, TRANSITION_SECONDS[State.COMPLETING])
        else:
            self.r.timer, self.r.timer_length = 0.0, job.seconds_per_unit

    def _complete(self, job: Job) -> None:
        self.r.last_completed = job.job_order_id
        if job.job_order_id not in self.r.completed:
            self.r.completed = [*self.r.completed, job.job_order_id][-COMPLETED_KEPT:]
        self._enter(State.COMPLETE)

    def _plan_breakdown(self) -> None:
        draw = self.faults.breakdown(self.r.breakdowns)
        self.r.next_breakdown_at = None if draw is None else self.r.operating_seconds + draw.after_seconds

    def _break_down(self) -> None:
        draw = self.faults.breakdown(self.r.breakdowns)
        self.r.breakdowns += 1
        self._plan_breakdown()
        if draw is None:
            return
        if draw.aborts:
            self._abort(draw.code, draw.message)
        else:
            self._hold(draw.code, draw.message, draw.repair_seconds)

    # --- transitions shared by commands and faults -------------------------------------------

    def _hold(self, code: int, message: str, seconds: float | None) -> None:
        self.r.resume_state = self.r.state
        self.r.resume_timer, self.r.resume_timer_length = self.r.timer, self.r.timer_length
        self.r.hold_seconds = seconds
        self.r.stop_reason, self.r.stop_reason_message = code, message
        self._enter(State.HOLDING, TRANSITION_SECONDS[State.HOLDING])

    def _unhold(self) -> None:
        self.r.stop_reason, self.r.stop_reason_message = 0, ""
        self.r.hold_seconds = None
        self._enter(State.UNHOLDING, TRANSITION_SECONDS[State.UNHOLDING])

    def _abort(self, code: int, message: str) -> None:
        self.r.stop_reason, self.r.stop_reason_message = code, message
        self.r.resume_state = None
        self._enter(State.ABORTING, TRANSITION_SECONDS[State.ABORTING])

    def _to_idle(self) -> None:
        self.r.job = None
        self.r.stop_reason, self.r.stop_reason_message = 0, ""
        self.r.resume_state, self.r.hold_seconds = None, None
        self._enter(State.IDLE)

    # --- commands (the OPC UA methods) --------------------------------------------------------

    def store_and_start(
        self, job_order_id: str, quantity: int, setup_seconds: float, seconds_per_unit: float
    ) -> Status:
        """Load a job on an idle line and start it; idempotent on the job order id."""
        numbers = (setup_seconds, seconds_per_unit)
        if (
            not job_order_id.strip() or len(job_order_id) > 200 or quantity <= 0
            or not all(math.isfinite(n) and n >= 0 for n in numbers)
        ):
            return Status.BAD_ARGUMENTS
        current = self.r.job
        if current is not None and current.job_order_id == job_order_id and self.r.state != State.ABORTED:
            return Status.OK  # a retried call: the job is already on the line
        if self.r.state == State.IDLE and job_order_id in self.r.completed:
            return Status.OK  # a retried call after the job finished and was cleared
        if self.r.state != State.IDLE:
            return Status.NOT_ALLOWED
        factor = self.spec.speed_factor
        self.r.job = Job(job_order_id, quantity, setup_seconds / factor, seconds_per_unit / factor)
        self._enter(State.STARTING, self.r.job.setup_seconds)
        self._run(0.0)
        return Status.OK

    def pause(self) -> Status:
        """Suspend the job (Starting or Execute -> Suspending -> Suspended)."""
        if self.r.state in (State.SUSPENDING, State.SUSPENDED):
            return Status.OK
        if self.r.state not in (State.STARTING, State.EXECUTE):
            return Status.NOT_ALLOWED
        self.r.resume_state = self.r.state
        self.r.resume_timer, self.r.resume_timer_length = self.r.timer, self.r.timer_length
        self._enter(State.SUSPENDING, TRANSITION_SECONDS[State.SUSPENDING])
        return Status.OK

    def resume(self) -> Status:
        """Resume a suspended job, or end a hold early (the fault is acknowledged as repaired)."""
        if self.r.state in (State.UNSUSPENDING, State.UNHOLDING, State.EXECUTE, State.STARTING):
            return Status.OK
        if self.r.state == State.SUSPENDED:
            self._enter(State.UNSUSPENDING, TRANSITION_SECONDS[State.UNSUSPENDING])
            return Status.OK
        if self.r.state == State.HELD:
            self._unhold()
            return Status.OK
        return Status.NOT_ALLOWED

    def abort(self) -> Status:
        """Abort the job on the line (it stays Aborted until Clear)."""
        if self.r.state in (State.ABORTING, State.ABORTED):
            return Status.OK
        if self.r.state not in JOB_ACTIVE:
            return Status.NOT_ALLOWED
        self._abort(0, "")
        return Status.OK

    def clear(self) -> Status:
        """Take a finished, aborted or stopped job off the line: back to Idle."""
        if self.r.state == State.IDLE:
            return Status.OK
        if self.r.state not in (State.COMPLETE, State.ABORTED, State.STOPPED):
            return Status.NOT_ALLOWED
        self._to_idle()
        return Status.OK

    reset = clear

    def inject_fault(self, mode: str, reason: str, duration_seconds: float) -> Status:
        """Fail on demand: ``hold`` the job (``duration_seconds`` 0: until Resume) or ``abort`` it."""
        if mode not in ("hold", "abort") or not math.isfinite(duration_seconds) or duration_seconds < 0:
            return Status.BAD_ARGUMENTS
        message = reason.strip() or f"Injected {mode} fault"
        if mode == "abort":
            if self.r.state not in JOB_ACTIVE or self.r.state == State.COMPLETING:
                return Status.NOT_ALLOWED
            self._abort(INJECTED_FAULT, message)
            return Status.OK
        if self.r.state not in (State.STARTING, State.EXECUTE):
            return Status.NOT_ALLOWED
        self._hold(INJECTED_FAULT, message, duration_seconds or None)
        return Status.OK

    # --- what the address space shows ---------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The line's values by our field name (see the address space in docs/plant.md)."""
        job, state = self.r.job, State(self.r.state)
        speed = self.spec.mach_speed
        if job is not None and job.seconds_per_unit > 0:
            speed = 3600.0 / job.seconds_per_unit
        return {
            "state": int(state),
            "unit_mode": int(self.r.unit_mode),
            "mach_speed": float(speed),
            "cur_mach_speed": float(speed) if state == State.EXECUTE else 0.0,
            "processed_count": self.r.processed_count,
            "defective_count": self.r.defective_count,
            "stop_reason": self.r.stop_reason,
            "stop_reason_message": self.r.stop_reason_message,
            "job_order_id": job.job_order_id if job else "",
            "planned_quantity": job.quantity if job else 0,
            "produced_quantity": job.produced if job else 0,
            "defective_quantity": job.defective if job else 0,
            "last_completed_job_order_id": self.r.last_completed,
            "completed_job_orders": list(self.r.completed),
            "last_aborted_job_order_id": self.r.last_aborted,
        }

    def to_record(self) -> dict[str, Any]:
        """The durable state as JSON-ready data."""
        return record_to_data(self.r)

    @staticmethod
    def record_from(data: dict[str, Any]) -> Record:
        """A :class:`Record` from :meth:`to_record` data."""
        return record_from_data(data)
