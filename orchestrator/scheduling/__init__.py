"""Finite-capacity scheduling of operations on production lines (pure domain code).

Call :func:`schedule` with a :class:`ScheduleRequest`, or :func:`reschedule` after a plant event
(see :mod:`orchestrator.scheduling.events`); :func:`violations` validates any schedule. The model,
objective and fallback are described in ``docs/scheduling.md``.
"""

from orchestrator.scheduling.changes import EtaChange, Move, Reschedule, RescheduleReason
from orchestrator.scheduling.check import violations
from orchestrator.scheduling.durations import processing_minutes
from orchestrator.scheduling.model import (
    Assignment,
    AssignmentState,
    Downtime,
    DowntimeKind,
    Job,
    JobOutcome,
    Line,
    Method,
    ObjectiveWeights,
    Operation,
    Placement,
    Schedule,
    ScheduleRequest,
    ScheduleRequestError,
    SchedulingError,
    Started,
)
from orchestrator.scheduling.scheduler import freeze_window, reschedule, schedule

__all__ = [
    "Assignment",
    "AssignmentState",
    "Downtime",
    "DowntimeKind",
    "EtaChange",
    "Job",
    "JobOutcome",
    "Line",
    "Method",
    "Move",
    "ObjectiveWeights",
    "Operation",
    "Placement",
    "Reschedule",
    "RescheduleReason",
    "Schedule",
    "ScheduleRequest",
    "ScheduleRequestError",
    "SchedulingError",
    "Started",
    "freeze_window",
    "processing_minutes",
    "reschedule",
    "schedule",
    "violations",
]
