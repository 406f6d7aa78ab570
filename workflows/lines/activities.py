"""The line monitor activity: a long-running, heartbeating follower of one line.

``monitor_line`` runs until cancelled. When its worker dies, the heartbeat stops, Temporal times the
attempt out and starts the next attempt on another worker, which picks up where the trail ends: the job
ids recorded as completed go to the new source (so a completion that happened meanwhile is reported,
and none twice), and the signal checkpoint from the last heartbeat says which committed rows still need
their signals (they are sent again: receivers treat repeats as no-ops).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from orchestrator.clock import PlantClock
from orchestrator.observability.worker_metrics import LineEventLag
from orchestrator.persistence.events import NewEvent, record_events
from orchestrator.plant import Plant, UnknownLineError
from orchestrator.ports.lines import LineStatusConfigError, LineStatusSource
from workflows.contracts import PLANT_SCHEDULER_ID, ClockSpec
from workflows.lines.monitor import LineMonitor
from workflows.lines.recorder import LineRecorder
from workflows.lines.signalling import WorkflowSignaller
from workflows.lines.translate import LineTranslator
from workflows.lines.types import EventKinds, LineMonitorInput

log = logging.getLogger(__name__)

CONFIG_ERROR = "LineMonitorConfigError"  # ApplicationError type: the plant file or the line is wrong


class LineSourceFactory(Protocol):
    """Builds the status source of a line from its configured adapter (the worker's composition root)."""

    def __call__(self, line: str, *, known_completed: Iterable[str] | None = None) -> LineStatusSource:
        """A new, unconnected source for ``line``; ``known_completed`` as in ``LineStatusSourceFactory``."""
        ...


class LineMonitorActivities:
    """Activities of :class:`~workflows.lines.workflow.LineMonitorWorkflow`; one instance per worker.

    ``scheduler_workflow_id`` receives the scheduler's signals (tests point it at their own workflow).
    ``progress_interval`` is the least wall time between two progress rows of a line; ``replay_window``
    how far back (wall seconds) a first attempt re-sends signals its predecessor may not have sent.
    """

    def __init__(
        self,
        engine: Engine,
        plant: Plant,
        temporal_client_factory: Callable[[], Awaitable[Client]],
        clock: ClockSpec,
        source_factory: LineSourceFactory,
        *,
        scheduler_workflow_id: str = PLANT_SCHEDULER_ID,
        progress_interval: float = 0.25,
        replay_window: float = 120.0,
    ) -> None:
        self.engine = engine
        self.plant = plant
        self.temporal_client_factory = temporal_client_factory
        self.clock = clock
        self.source_factory = source_factory
        self.scheduler_workflow_id = scheduler_workflow_id
        self.progress_interval = progress_interval
        self.replay_window = replay_window

    @activity.defn(name="lines.monitor_line")
    async def monitor_line(self, inp: LineMonitorInput) -> None:
        """Follow ``inp.line`` until cancelled: status row, trail events, and signals to the workflows."""
        line = inp.line
        try:
            plant_line = self.plant.line(line)
        except UnknownLineError as exc:
            raise ApplicationError(f"{exc}; fix the monitor's line or the plant file", type=CONFIG_ERROR,
                                   non_retryable=True) from None
        lag = LineEventLag(activity.metric_meter(), PlantClock(self.clock.epoch, self.clock.scale), line)
        recorder = LineRecorder(self.engine, line, on_written=lag)
        memory, completed = await asyncio.to_thread(recorder.load)
        checkpoint = await self._checkpoint(recorder)
        mttr = plant_line.reliability.mttr_minutes
        translator = LineTranslator(
            line, memory, expected_repair=timedelta(minutes=mttr) if mttr else None,
            progress_interval=self.progress_interval,
        )
        monitor = LineMonitor(
            self.source_factory(line, known_completed=completed),
            translator,
            recorder,
            WorkflowSignaller(self.temporal_client_factory, self.scheduler_workflow_id),
            lambda done: activity.heartbeat({"line": line, "signalled_through": done}),
            checkpoint=checkpoint,
            heartbeat_every=min(2.0, inp.heartbeat_timeout_seconds / 4),
        )
        attempt = activity.info().attempt
        log.info("line %s: monitor attempt %d started (%d completed jobs known, signals sent through #%d)",
                 line, attempt, len(completed), checkpoint)
        try:
            await monitor.run()
        except LineStatusConfigError as exc:
            await asyncio.to_thread(self._record_config_error, line, str(exc))
            raise ApplicationError(str(exc), type=CONFIG_ERROR, non_retryable=True) from None
        finally:
            log.info("line %s: monitor attempt %d stopped after %d bursts", line, attempt, monitor.bursts)

    async def _checkpoint(self, recorder: LineRecorder) -> int:
        """The last signalled row: from the previous attempt's heartbeat, else a bounded look back."""
        details = activity.info().heartbeat_details
        if details and isinstance(details[0], dict) and isinstance(details[0].get("signalled_through"), int):
            return int(details[0]["signalled_through"])
        since = datetime.now(UTC) - timedelta(seconds=self.replay_window)
        return await asyncio.to_thread(recorder.signal_checkpoint, since)

    def _record_config_error(self, line: str, error: str) -> None:
        event = NewEvent(kind=EventKinds.LINE_CONNECTION, plant_time=self.clock.plant_at_now(), line=line,
                         payload={"status": "down", "error": error})
        try:
            record_events(self.engine, [event])
        except Exception as exc:  # the error itself is what matters; the trail row is a courtesy
            log.warning("line %s: could not record the configuration error: %r", line, exc)

    def all(self) -> list[Callable[..., Any]]:
        """The activity callables to register on a worker."""
        return [self.monitor_line]
