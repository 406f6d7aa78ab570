"""Bring the MES in line with the stored plan: withdraw, release, move, then resequence each line.

Every action is derived from the database (what we want) and what the MES last said (``mes_state``,
``mes_line``), and recorded right after the MES answers, so a push cut short by an MES outage is
simply repeated by the next attempt until both sides agree. Transport failures propagate as
:class:`~orchestrator.ports.mes.MesUnavailable` (the activity retries); refusals are reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.work_orders_repo import PlanState
from orchestrator.ports.mes import (
    MesPort,
    WorkOrder,
    WorkOrderConflict,
    WorkOrderNotFound,
    WorkOrderRejected,
    WorkOrderState,
    WorkOrderStatus,
)
from orchestrator.services.plant_planning import nominal_seconds
from workflows.scheduler.ledger import MES_STATES
from workflows.scheduler.stopwatch import Stopwatch

log = logging.getLogger("c2m.scheduler.mes")

LIVE = ("waiting", "ready", "running", "held")
QUEUED = ("waiting", "ready")


@dataclass
class PushReport:
    """What the push changed at the MES, and what the MES refused."""

    released: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    resequenced: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    steps: Stopwatch = field(default_factory=Stopwatch)


class MesPush:
    """One push of the stored plan to the MES."""

    def __init__(self, engine: Engine, mes: MesPort, sent_queues: dict[str, tuple[str, ...]] | None = None) -> None:
        """``sent_queues``: each line's queue as last resequenced at the MES, kept by the caller between pushes
        so an unchanged queue is not sent again (empty or ``None``: every queue is sent)."""
        self.engine, self.mes = engine, mes
        self.sent_queues = sent_queues if sent_queues is not None else {}
        self.report = PushReport()

    async def run(self, resequence: bool) -> PushReport:
        """Withdraw what was taken back, release what is new, move what changed line, then (after a
        solve) give each line's queue the planned order (or leave that to :meth:`resequence_queues`)."""
        steps = self.report.steps
        rows = await asyncio.to_thread(self._load)
        await self.withdraw([r for r in rows if r.state == PlanState.WITHDRAWN and r.mes_state in LIVE])
        steps.lap("withdraw")
        await self.release([r for r in rows if r.state == PlanState.PLANNED and r.planned_start is not None])
        steps.lap("release")
        rows = await asyncio.to_thread(self._load)
        await self.move([r for r in rows if r.state == PlanState.RELEASED and r.mes_state in QUEUED
                         and r.mes_line is not None and r.mes_line != r.line])
        steps.lap("move")
        if resequence:
            await self.resequence_queues()
        return self.report

    async def resequence_queues(self) -> PushReport:
        """Give each line's queue the planned order."""
        self.report.steps.restart()
        rows = await asyncio.to_thread(self._load)
        await self.resequence([r for r in rows if r.state == PlanState.RELEASED and r.mes_state in QUEUED])
        self.report.steps.lap("resequence")
        return self.report

    def _load(self) -> list[WorkOrderRow]:
        with self.engine.connect() as conn:
            withdrawn = [r for r in repo.live_at_mes(conn) if r.state == PlanState.WITHDRAWN]
            return [*repo.open_work_orders(conn), *withdrawn]

    def _record(self, statuses: Sequence[WorkOrderStatus]) -> None:
        """Store what the MES said, and follow it where it moved a work order on (released, started...)."""
        with self.engine.begin() as conn:
            for s in statuses:
                row = repo.get_work_order(conn, s.id)
                if row is None:
                    continue
                if s.state is WorkOrderState.ABORTED and not PlanState(row.state).finished:
                    continue  # left to the next batch's ledger, which books the operation again
                repo.record_mes_view(conn, s.id, s.state.value, s.line)
                state = MES_STATES[s.state]
                if state.value != row.state and not PlanState(row.state).finished:
                    if s.state.started and s.line != row.line:
                        repo.update_work_order(conn, s.id, line=s.line)
                    repo.record_progress(conn, s.id, state, s.actual_start or s.actual_end, produced=s.produced,
                                         defective=s.defective, reason=s.stop_reason,
                                         actual_start=s.actual_start, actual_end=s.actual_end)

    async def withdraw(self, rows: Sequence[WorkOrderRow]) -> None:
        """Take back work orders we withdrew (unbooked orders, superseded attempts)."""
        for row in rows:
            try:
                status = await self.mes.withdraw(row.id, stop_if_running=True)
            except WorkOrderNotFound:
                await asyncio.to_thread(self._forget, row.id)
                continue
            except WorkOrderConflict as exc:
                self.report.problems.append(f"withdraw {row.id}: {exc}")
                status = await self.mes.status(row.id)
            await asyncio.to_thread(self._record, [status])
            self.report.withdrawn.append(row.id)

    def _forget(self, work_order_id: str) -> None:
        with self.engine.begin() as conn:
            repo.record_mes_view(conn, work_order_id, WorkOrderState.WITHDRAWN.value, "")

    async def release(self, rows: Sequence[WorkOrderRow]) -> None:
        """Hand new work orders to the MES in one batch (per order if the batch is refused)."""
        if not rows:
            return
        steps = self.report.steps
        known = await self.mes.statuses([r.id for r in rows])
        if known:  # released by an attempt that ended before it could record so
            await asyncio.to_thread(self._record, known)
        steps.lap("release: known")
        seen = {s.id for s in known}
        new = [r for r in rows if r.id not in seen]
        if not new:
            return
        work_orders = await asyncio.to_thread(self._work_orders, new)
        steps.lap("release: build")
        try:
            await self._release(work_orders)
        except (WorkOrderRejected, WorkOrderConflict) as exc:
            log.warning("the MES refused the release batch (%s); releasing order by order", exc)
            by_order: dict[str, list[WorkOrder]] = defaultdict(list)
            for wo in work_orders:
                by_order[wo.order_id].append(wo)
            for order_id, batch in by_order.items():
                try:
                    await self._release(batch)
                except (WorkOrderRejected, WorkOrderConflict) as refused:
                    self.report.problems.append(f"release of order {order_id}: {refused}")

    async def _release(self, work_orders: list[WorkOrder]) -> None:
        statuses = await self.mes.release(work_orders)
        self.report.steps.lap("release: MES")
        await asyncio.to_thread(self._record, statuses)
        self.report.released.extend(s.id for s in statuses)

    def _work_orders(self, rows: Sequence[WorkOrderRow]) -> list[WorkOrder]:
        with self.engine.connect() as conn:
            current = repo.order_work_orders(conn, {r.order_id for r in rows})
        ids = {(r.order_id, r.op_id): r.id for r in current}
        out = []
        for r in rows:
            assert r.planned_start is not None and r.planned_end is not None
            out.append(WorkOrder(
                id=r.id, order_id=r.order_id, operation_id=r.op_id, line=r.line, work_master=r.work_master,
                planned_start=r.planned_start, planned_end=max(r.planned_end, r.planned_start), priority=r.priority,
                quantity=r.quantity, setup_seconds=nominal_seconds(r.setup_minutes),
                seconds_per_unit=nominal_seconds(r.run_minutes_per_unit),
                predecessors=tuple(ids[(r.order_id, p)] for p in r.predecessors if (r.order_id, p) in ids),
                description=f"{r.name or r.op_id} for order {r.order_id} (attempt {r.attempt})",
            ))
        return out

    async def move(self, rows: Sequence[WorkOrderRow]) -> None:
        """Move queued work orders to the line the plan now gives them."""
        for row in rows:
            try:
                status = await self.mes.move(row.id, row.line)
            except WorkOrderConflict as exc:  # it started meanwhile: it stays where it runs
                self.report.problems.append(f"move {row.id} to {row.line}: {exc}")
                status = await self.mes.status(row.id)
            except (WorkOrderRejected, WorkOrderNotFound) as exc:
                self.report.problems.append(f"move {row.id} to {row.line}: {exc}")
                continue
            await asyncio.to_thread(self._record, [status])
            if status.line == row.line:
                self.report.moved.append(row.id)

    async def resequence(self, rows: Sequence[WorkOrderRow]) -> None:
        """Each line's queued work orders in planned order (the MES starts the first ready one)."""
        by_line: dict[str, list[WorkOrderRow]] = defaultdict(list)
        for r in rows:
            if r.mes_line == r.line:
                by_line[r.line].append(r)
        for line, queued in sorted(by_line.items()):
            ids = [r.id for r in sorted(queued, key=lambda r: (r.planned_start or r.updated_at, r.id))]
            if in_order_already(self.sent_queues.get(line), ids):
                continue
            for attempt in (1, 2):
                try:
                    await self.mes.resequence(line, ids)
                    self.sent_queues[line] = tuple(ids)
                    self.report.resequenced.append(line)
                    break
                except (WorkOrderConflict, WorkOrderRejected, WorkOrderNotFound) as exc:
                    # Something started or moved since we looked: ask again and keep the ones still queued.
                    statuses = await self.mes.statuses(ids)
                    await asyncio.to_thread(self._record, statuses)
                    still = {s.id for s in statuses if s.line == line and s.state.value in QUEUED}
                    ids = [i for i in ids if i in still]
                    if not ids:
                        break
                    if attempt == 2:
                        self.report.problems.append(f"resequence {line}: {exc}")


def in_order_already(sent: Sequence[str] | None, wanted: Sequence[str]) -> bool:
    """Whether a line's queue, last sent to the MES as ``sent``, already has the ``wanted`` order.

    The MES only takes work orders out of a queue on its own (they start, or are withdrawn or moved), so
    the queue is ``sent`` less those: when ``wanted`` is exactly that, nothing needs sending. Any work
    order not in ``sent`` (released or moved here since) means the MES placed it by its own rule.
    """
    if sent is None:
        return False
    still = set(wanted)
    return [i for i in sent if i in still] == list(wanted)
