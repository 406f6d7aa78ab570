"""What each order is told after a batch: its booking, or that its plan changed enough to matter.

Pure functions over an order's current work orders (the latest attempt of each operation). An order
hears of a change when a work order moved to another line, was replaced (a new attempt), or its
projected production finish moved by at least the notice threshold since it was last told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.work_orders_repo import PlanState
from workflows.contracts import BookingResult, PlannedWorkOrder, ScheduleChanged

NOTICE_THRESHOLD = timedelta(minutes=15)


def _live(rows: Sequence[WorkOrderRow]) -> list[WorkOrderRow]:
    return [r for r in rows if r.state != PlanState.WITHDRAWN]


def _end(r: WorkOrderRow) -> datetime | None:
    return r.actual_end if r.state == PlanState.COMPLETED else r.planned_end


def production_finish(rows: Sequence[WorkOrderRow]) -> datetime | None:
    """When the order's last operation ends: actual for completed ones, planned for the rest."""
    ends = [e for r in _live(rows) if (e := _end(r)) is not None]
    return max(ends) if ends else None


def planned_work_orders(rows: Sequence[WorkOrderRow]) -> list[PlannedWorkOrder]:
    """The order's work orders as the contracts carry them (actual times where the line reported them)."""
    out = []
    for r in _live(rows):
        start, end = r.actual_start or r.planned_start, _end(r)
        if start is None or end is None:
            continue
        out.append(PlannedWorkOrder(work_order_id=r.id, op_id=r.op_id, line=r.line, start=start,
                                    end=max(end, start)))
    return out


def booking_result(order_id: str, rows: Sequence[WorkOrderRow], method: str) -> BookingResult | None:
    """The answer to a booking (None while a work order has no planned window yet)."""
    finish = production_finish(rows)
    work_orders = planned_work_orders(rows)
    if finish is None or len(work_orders) < len(_live(rows)):
        return None
    return BookingResult(order_id=order_id, work_orders=work_orders, production_finish=finish, method=method)


def change_notice(
    order_id: str, rows: Sequence[WorkOrderRow], reason: str, threshold: timedelta = NOTICE_THRESHOLD,
    told_before: bool = True,
) -> ScheduleChanged | None:
    """A ``schedule_changed`` for the order, or None when nothing it was told has changed enough.

    ``rows`` are its current work orders; ``told_before`` says whether it ever heard of its booking
    (a work order of any attempt was notified), since an order is first told by its booking answer.
    """
    live = _live(rows)
    if not any(PlanState(r.state) in (PlanState.PLANNED, PlanState.RELEASED, PlanState.RUNNING, PlanState.HELD)
               for r in live):
        return None  # finished or withdrawn: nothing left to tell
    finish = production_finish(live)
    if finish is None or any(r.planned_end is None for r in live if r.state == PlanState.PLANNED):
        return None
    if not told_before:
        return None  # its booking answer is still to come
    told = [r.notified_end for r in live if r.notified_end is not None]
    replaced = any(r.notified_end is None for r in live)
    moved = any(r.notified_line is not None and r.line != r.notified_line
                and not PlanState(r.state).started for r in live)
    slipped = bool(told) and abs(finish - max(told)) >= threshold
    if not (replaced or moved or slipped):
        return None
    return ScheduleChanged(order_id=order_id, work_orders=planned_work_orders(live), production_finish=finish,
                           reason=reason)
