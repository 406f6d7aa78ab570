"""The MES suite: what the order and scheduling workflows rely on when they talk to an MES.

1. ``mes.unknown-ids``: asking about, withdrawing or moving an id the MES does not know raises
   :class:`WorkOrderNotFound`; a release naming an unknown predecessor raises :class:`WorkOrderRejected`.
2. ``mes.release-idempotent``: releasing the same work order again answers for the same JobOrderID with
   the same status and creates nothing new; the same id with other content is a :class:`WorkOrderConflict`.
3. ``mes.status-states``: the MES's states map onto ours: waiting before release, then ready/running,
   completed with its quantity; a withdrawn queued job is withdrawn, and stays so when withdrawn again.
4. ``mes.withdraw-started``: withdrawing a started job is refused without ``stop_if_running`` (it keeps
   running), and with it the job is aborted; withdrawing again answers the same.

Every job the suite releases is withdrawn (stopping it if needed) when its rule ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from orchestrator.integration.conformance.calls import ask, expect_refusal, poll
from orchestrator.integration.conformance.mes_jobs import (
    RELEASED_STATES,
    JobMaker,
    MesDriver,
    status_text,
    statuses_text,
    wo_text,
)
from orchestrator.integration.conformance.outcome import Evidence, Rule, RuleBroken
from orchestrator.integration.conformance.runner import open_port
from orchestrator.integration.spec import AdapterContext, AdapterSpec
from orchestrator.ports.mes import (
    MesPort,
    MesUnavailable,
    WorkOrder,
    WorkOrderConflict,
    WorkOrderNotFound,
    WorkOrderRejected,
    WorkOrderState,
    WorkOrderStatus,
)

DRIVER = MesDriver
RETRY_LATER = (MesUnavailable,)
W = WorkOrderState


class _Suite:
    """The rules' shared parts: the adapter, its settings and context, the driver and this run's jobs."""

    def __init__(self, adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext,
                 driver: MesDriver) -> None:
        self.adapter, self.settings, self.context, self.driver = adapter, settings, context, driver
        self.jobs = JobMaker(driver)

    @contextlib.asynccontextmanager
    async def mes(self) -> AsyncIterator[tuple[MesPort, list[str]]]:
        """The port, and a list to put released ids in: they are withdrawn (stopped if need be) at the end."""
        async with open_port(self.adapter, self.settings, self.context) as port:
            released: list[str] = []
            try:
                yield port, released
            finally:
                for job_id in released:
                    with contextlib.suppress(Exception):
                        await port.withdraw(job_id, stop_if_running=True)

    async def release(self, ev: Evidence, mes: MesPort, wo: WorkOrder) -> WorkOrderStatus:
        """Release one work order; the answer must be one status for the same id."""
        answer = await ask(ev, f"release([{wo_text(wo)}])", mes.release([wo]), statuses_text)
        if len(answer) != 1 or answer[0].id != wo.id:
            raise RuleBroken(f"release of {wo.id!r} answered {statuses_text(answer)}: expected one status for "
                             f"JobOrderID {wo.id!r}")
        return answer[0]

    async def until(self, ev: Evidence, mes: MesPort, job_id: str, done: Callable[[WorkOrderStatus], bool],
                    what: str, timeout: float) -> WorkOrderStatus:
        return await poll(ev, f"status({job_id!r})", lambda: mes.status(job_id), done, timeout,
                          f"{job_id}: {what}", status_text, self.driver.poll_seconds, seen=lambda s: s.state)

    # -- the rules -------------------------------------------------------------------------------

    async def unknown_ids(self, ev: Evidence) -> str:
        ghost = self.jobs.new_id("unknown")
        async with self.mes() as (mes, released):
            await expect_refusal(ev, f"status({ghost!r})", mes.status(ghost), WorkOrderNotFound, RETRY_LATER)
            await expect_refusal(ev, f"withdraw({ghost!r})", mes.withdraw(ghost), WorkOrderNotFound, RETRY_LATER)
            await expect_refusal(ev, f"move({ghost!r}, {self.driver.line!r})", mes.move(ghost, self.driver.line),
                                 WorkOrderNotFound, RETRY_LATER)
            listed = await ask(ev, f"statuses([{ghost!r}])", mes.statuses([ghost]), statuses_text)
            if listed:
                raise RuleBroken(f"statuses([{ghost!r}]) answered {statuses_text(listed)}: unknown ids are left out")
            orphan = self.jobs.work_order(wall_seconds=1, released=False, predecessors=[ghost])
            released.append(orphan.id)
            await expect_refusal(ev, f"release([{wo_text(orphan)}])", mes.release([orphan]), WorkOrderRejected,
                                 RETRY_LATER, statuses_text)
        return "unknown ids raised WorkOrderNotFound, an unknown predecessor WorkOrderRejected"

    async def release_idempotent(self, ev: Evidence) -> str:
        wo = self.jobs.work_order(wall_seconds=1, released=False)
        async with self.mes() as (mes, released):
            released.append(wo.id)
            first = await self.release(ev, mes, wo)
            again = await self.release(ev, mes, wo)
            if (again.state, again.line) != (first.state, first.line):
                raise RuleBroken(f"the repeat answered {status_text(again)}, the first release {status_text(first)}")
            listed = await ask(ev, f"statuses([{wo.id!r}])", mes.statuses([wo.id]), statuses_text)
            if [s.id for s in listed] != [wo.id]:
                raise RuleBroken(f"after two releases statuses([{wo.id!r}]) answered {statuses_text(listed)}")
            changed = wo.model_copy(update={"quantity": wo.quantity + 1})
            await expect_refusal(ev, f"release([{wo_text(changed)}]) (same id, other quantity)",
                                 mes.release([changed]), WorkOrderConflict, RETRY_LATER, statuses_text)
        return f"the repeat answered {status_text(again)} as the first; other content was a WorkOrderConflict"

    async def status_states(self, ev: Evidence) -> str:
        d = self.driver
        booked = self.jobs.work_order(wall_seconds=d.run_seconds, released=False)
        queued = self.jobs.work_order(wall_seconds=d.run_seconds, released=False, what="queued")
        async with self.mes() as (mes, released):
            released += [booked.id, queued.id]
            _expect(await self.release(ev, mes, booked), {W.WAITING}, "a booked job (released=False)")
            _expect(await ask(ev, f"status({booked.id!r})", mes.status(booked.id), status_text), {W.WAITING},
                    "a booked job asked again")
            go = booked.model_copy(update={"released": True})
            _expect(await self.release(ev, mes, go), RELEASED_STATES, "the job once released")
            seen: list[WorkOrderState] = []

            def started(s: WorkOrderStatus) -> bool:
                seen.append(s.state)
                _expect(s, RELEASED_STATES, "a released job")
                return s.state.started

            await self.until(ev, mes, booked.id, started, "started", d.start_timeout)
            done = await self.until(ev, mes, booked.id, lambda s: _finished(s, seen), "completed",
                                    d.run_seconds * 5 + 30)
            if W.RUNNING not in seen and W.HELD not in seen:
                raise RuleBroken(f"{booked.id} was never reported running (states seen: "
                                 f"{', '.join(dict.fromkeys(s.value for s in seen))})")
            _expect(done, {W.COMPLETED}, "a job the line finished")
            if done.produced < booked.quantity or done.actual_start is None or done.actual_end is None:
                raise RuleBroken(f"completed as {done!r}: expected produced ≥ {booked.quantity} and both actual "
                                 "start and end")
            _expect(await self.release(ev, mes, queued), {W.WAITING}, "a second booked job")
            _expect(await ask(ev, f"withdraw({queued.id!r})", mes.withdraw(queued.id), status_text),
                    {W.WITHDRAWN}, "a queued job withdrawn")
            _expect(await ask(ev, f"withdraw({queued.id!r}) again", mes.withdraw(queued.id), status_text),
                    {W.WITHDRAWN}, "a withdrawn job withdrawn again")
        return (f"waiting → {' → '.join(dict.fromkeys(s.value for s in seen))} ({done.produced} produced); "
                "queued → withdrawn")

    async def withdraw_started(self, ev: Evidence) -> str:
        d = self.driver
        # Long enough never to finish on its own while the rule runs: it is stopped instead.
        wo = self.jobs.work_order(wall_seconds=max(600.0, d.start_timeout * 10), quantity=4, what="long")
        async with self.mes() as (mes, released):
            released.append(wo.id)
            await self.release(ev, mes, wo)
            await self.until(ev, mes, wo.id, lambda s: s.state.started, "started", d.start_timeout)
            await expect_refusal(ev, f"withdraw({wo.id!r}, stop_if_running=False)", mes.withdraw(wo.id),
                                 WorkOrderConflict, RETRY_LATER, status_text)
            still = await ask(ev, f"status({wo.id!r})", mes.status(wo.id), status_text)
            _expect(still, {W.RUNNING, W.HELD}, "a started job after a refused withdraw")
            stopped = await ask(ev, f"withdraw({wo.id!r}, stop_if_running=True)",
                                mes.withdraw(wo.id, stop_if_running=True), status_text)
            _expect(stopped, {W.ABORTED}, "a started job withdrawn with stop_if_running")
            again = await ask(ev, f"withdraw({wo.id!r}, stop_if_running=True) again",
                              mes.withdraw(wo.id, stop_if_running=True), status_text)
            _expect(again, {W.ABORTED}, "an aborted job withdrawn again")
        return "refused with WorkOrderConflict while running; stop_if_running aborted it; the repeat answered aborted"


def _expect(status: WorkOrderStatus, states: set[WorkOrderState] | frozenset[WorkOrderState], what: str) -> None:
    if status.state not in states:
        wanted = " or ".join(sorted(s.value for s in states))
        raise RuleBroken(f"{what} was reported {status.state.value} ({status_text(status)}), expected {wanted}")


def _finished(status: WorkOrderStatus, seen: list[WorkOrderState]) -> bool:
    seen.append(status.state)
    if status.state.finished and status.state is not W.COMPLETED:
        raise RuleBroken(f"the job ended {status_text(status)}, expected completed")
    _expect(status, RELEASED_STATES, "a released job")
    return status.state is W.COMPLETED


def rules(adapter: AdapterSpec[Any], settings: BaseModel, context: AdapterContext, driver: MesDriver) -> list[Rule]:
    """The MES rules, in the order they run."""
    s = _Suite(adapter, settings, context, driver)
    checks: list[tuple[str, str, Callable[[Evidence], Awaitable[str]]]] = [
        ("mes.unknown-ids",
         "status, withdraw and move of an unknown id raise WorkOrderNotFound; statuses() leaves it out; a "
         "release naming an unknown predecessor raises WorkOrderRejected", s.unknown_ids),
        ("mes.release-idempotent",
         "releasing the same work order again answers one status for the same JobOrderID, as the first time, "
         "and creates nothing new; the same id with other content raises WorkOrderConflict", s.release_idempotent),
        ("mes.status-states",
         "a booked job is waiting; released, it is ready or running, then completed with its quantity produced; "
         "a queued job withdrawn is withdrawn, and stays withdrawn when withdrawn again", s.status_states),
        ("mes.withdraw-started",
         "withdrawing a started job without stop_if_running raises WorkOrderConflict and it keeps running; "
         "with stop_if_running it is aborted; withdrawing again answers aborted", s.withdraw_started),
    ]
    return [Rule(name, expected, check) for name, expected, check in checks]
