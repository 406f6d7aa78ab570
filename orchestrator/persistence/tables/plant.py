"""The plant schedule: work orders (one per booked operation and attempt) and each line's live status.

``work_orders`` is the schedule the plant scheduler owns: it alone writes the rows. ``line_status``
is written by the line monitor (live values, through ``work_orders_repo.upsert_line_status``) and by
the scheduler (the ``fault_*`` columns: how long it plans the line to be unavailable).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class WorkOrderRow(SQLModel, table=True):
    """One operation of one order on one line: planned window, actual window and state.

    ``id`` is the work order id (``<order>.<op>.<attempt>``), also the MES JobOrderID and the job id
    on the line. ``state``: ``planned`` (booked, not at the MES yet), ``released`` (at the MES, not
    started), ``running``, ``held``, ``completed``, ``aborted``, ``withdrawn``. An aborted operation is
    booked again as a new row with ``attempt + 1``; the latest attempt of an operation is its current
    work order. ``predecessors`` are operation ids of the same order.

    ``mes_state``/``mes_line`` are what the MES last said (None: the MES has not acknowledged it), so
    that pushing the plan to the MES can be repeated after a failure until both sides agree.
    ``notified_line``/``notified_end`` are what the order was last told.
    """

    __tablename__ = "work_orders"
    __table_args__ = (
        UniqueConstraint("order_id", "op_id", "attempt", name="uq_work_orders_order_op_attempt"),
        Index("ix_work_orders_line_planned_start", "line", "planned_start"),
    )

    id: str = Field(primary_key=True, max_length=200)
    order_id: str = Field(max_length=40, index=True)
    op_id: str = Field(max_length=80)
    name: str = Field(default="", max_length=200)
    op_type: str = Field(max_length=40)
    work_master: str = Field(max_length=200)
    line: str = Field(max_length=40)
    pinned_line: str | None = Field(default=None, max_length=40, description="a planner's line choice")
    planned_start: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    planned_end: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    actual_start: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    actual_end: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    state: str = Field(max_length=20, index=True)
    quantity: int
    produced: int = 0
    defective: int = 0
    priority: int = 0
    setup_minutes: float = 0.0
    run_minutes_per_unit: float = 0.0
    predecessors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attempt: int = 1
    release_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    due: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    stop_reason: str | None = Field(default=None, max_length=500)
    mes_state: str | None = Field(default=None, max_length=20)
    mes_line: str | None = Field(default=None, max_length=40)
    notified_line: str | None = Field(default=None, max_length=40)
    notified_end: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class LineStatusRow(SQLModel, table=True):
    """A line's live status as the line monitor last saw it, and the scheduler's fault window.

    ``state`` is the PackML state number, ``connection`` the monitor's link to the line
    (``connected``/``reconnecting``/``down``). ``fault_since``/``fault_until``/``fault_reason``
    belong to the scheduler: while set, it plans no new work on the line before ``fault_until``.
    """

    __tablename__ = "line_status"

    line: str = Field(primary_key=True, max_length=40)
    state: int | None = None
    state_name: str | None = Field(default=None, max_length=40)
    unit_mode: int | None = None
    mach_speed: float | None = None
    cur_mach_speed: float | None = None
    job_order_id: str | None = Field(default=None, max_length=200)
    planned_quantity: int | None = None
    produced_quantity: int | None = None
    defective_quantity: int | None = None
    stop_reason: int | None = None
    stop_message: str | None = Field(default=None, max_length=500)
    connection: str = Field(default="down", max_length=20)
    last_message_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    fault_since: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    fault_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    fault_reason: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
