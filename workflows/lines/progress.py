"""The line's reports of a work order, written to its work order row in the monitor's own transaction.

Starts, holds, resumptions and completions change no plan, so they no longer travel to the plant scheduler
as signals: the monitor records them where the scheduler, the planner board and the tracker read them.
An abort is left to the scheduler (signalled), which books the operation again on the transition into
``aborted``. Rows of unknown work orders (a job started by hand) and repeats change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.events import NewEvent
from orchestrator.persistence.work_orders_repo import PlanState
from workflows.lines.types import WORK_ORDER_SIGNAL_KINDS

STATES = {"started": PlanState.RUNNING, "resumed": PlanState.RUNNING, "held": PlanState.HELD,
          "completed": PlanState.COMPLETED}


def record_job_rows(conn: Connection, rows: Sequence[NewEvent]) -> None:
    """Move the work orders of the job rows among ``rows`` to what their line reported."""
    for row in rows:
        kind = WORK_ORDER_SIGNAL_KINDS.get(row.kind)
        state = STATES.get(kind or "")
        work_order_id = row.payload.get("work_order_id")
        if state is None or not isinstance(work_order_id, str):
            continue
        current = repo.get_work_order(conn, work_order_id)
        if current is None or PlanState(current.state).finished:
            continue
        line = row.payload.get("line") or row.line
        if kind in ("started", "completed", "held") and line and current.line != line:
            repo.update_work_order(conn, work_order_id, line=line)
        counts = kind == "completed" or int(row.payload.get("produced") or 0) > 0
        repo.record_progress(conn, work_order_id, state, at=row.plant_time, reason=row.payload.get("reason") or None,
                             produced=int(row.payload.get("produced") or 0) if counts else None,
                             defective=int(row.payload.get("defective") or 0) if counts else None)
