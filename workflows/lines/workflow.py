"""LineMonitorWorkflow: keeps one line's monitor activity running on some worker, forever.

The workflow is nearly idle: it awaits a single long-running activity whose attempts Temporal moves to
another worker when a heartbeat is missed (unlimited retries). Line data never enters this history;
only the activity's start, its rare end and the workflow's own few events do. When the plant file is
wrong for the line (a non-retryable configuration error), the workflow waits and tries again, so that
fixing the file and restarting the workers is enough.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.lines.activities import CONFIG_ERROR, LineMonitorActivities
    from workflows.lines.types import LineMonitorInput

#: The activity runs until cancelled; this only bounds one attempt of a process that never heartbeats wrong.
ATTEMPT_LIMIT = timedelta(days=3650)
CONFIG_RETRY = timedelta(minutes=5)
RUNS_BEFORE_CONTINUE_AS_NEW = 100


@workflow.defn(name="LineMonitor")
class LineMonitorWorkflow:
    """Runs ``lines.monitor_line`` for one line (workflow id ``line-monitor-<line>``)."""

    def __init__(self) -> None:
        self.runs = 0
        self.last_error: str | None = None

    @workflow.run
    async def run(self, inp: LineMonitorInput) -> None:
        heartbeat = timedelta(seconds=inp.heartbeat_timeout_seconds)
        while self.runs < RUNS_BEFORE_CONTINUE_AS_NEW and not workflow.info().is_continue_as_new_suggested():
            self.runs += 1
            try:
                await workflow.execute_activity_method(
                    LineMonitorActivities.monitor_line,
                    inp,
                    start_to_close_timeout=ATTEMPT_LIMIT,
                    heartbeat_timeout=heartbeat,
                    retry_policy=RetryPolicy(
                        initial_interval=timedelta(seconds=1),
                        backoff_coefficient=2.0,
                        maximum_interval=timedelta(seconds=10),
                        maximum_attempts=0,  # unlimited: a line is followed as long as the plant runs
                        non_retryable_error_types=[CONFIG_ERROR],
                    ),
                )
                self.last_error = None  # the stream ended cleanly (e.g. its source was closed): follow again
            except ActivityError as exc:
                cause = exc.cause
                if not (isinstance(cause, ApplicationError) and cause.type == CONFIG_ERROR):
                    raise
                self.last_error = cause.message
                workflow.logger.warning("line %s cannot be followed: %s; trying again in %s",
                                        inp.line, cause.message, CONFIG_RETRY)
                await workflow.sleep(CONFIG_RETRY)
        workflow.continue_as_new(inp)

    @workflow.query
    def problem(self) -> str | None:
        """Why the line cannot be followed right now (a configuration error), or None."""
        return self.last_error
