"""Planners' what-if simulations: the request, where the run is, and the report once it is done."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel


class SimulationRow(SQLModel, table=True):
    """One what-if simulation a planner asked for.

    ``status``: ``queued`` (waiting for a free simulation worker), ``running``, ``done`` (``report`` and
    ``plots`` are set) or ``failed`` (``error`` says why). ``owner`` names the API process running it
    (host, process id, application instance), so a restarted API can tell its own interrupted runs.
    """

    __tablename__ = "simulations"
    __table_args__ = (Index("ix_simulations_requested_by_created_at", "requested_by", "created_at"),)

    id: str = Field(primary_key=True, max_length=40)
    status: str = Field(max_length=20, index=True)
    requested_by: str = Field(max_length=80)
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    progress: float = 0.0
    step: str = Field(default="", max_length=200)
    error: str | None = None
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    plots: list[str] | None = Field(default=None, sa_column=Column(JSON))
    owner: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
