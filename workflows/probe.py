"""A small long-running workflow that proves the embedded stack keeps work across restarts.

``c2m up`` operators and the durability tests start it, stop the stack, start it again, and see it
finish: Temporal's state lives in ``var/temporal.db`` and the worker picks the history up again.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy


class ProbeInput(BaseModel):
    """How many steps to take and how long (wall seconds) to wait between them."""

    steps: int = 10
    step_seconds: float = 1.0


class ProbeResult(BaseModel):
    """How many steps ran and which worker processes ran them."""

    steps: int
    workers: list[str]


@activity.defn(name="probe_step")
async def probe_step(step: int) -> str:
    """Report which worker process ran this step."""
    import os

    return f"pid-{os.getpid()}"


@workflow.defn(name="DurabilityProbe")
class DurabilityProbeWorkflow:
    """Takes ``steps`` timed steps, each a tiny activity; survives worker and server restarts."""

    def __init__(self) -> None:
        self._done = 0

    @workflow.run
    async def run(self, params: ProbeInput) -> ProbeResult:
        workers: list[str] = []
        for step in range(params.steps):
            await workflow.sleep(timedelta(seconds=params.step_seconds))
            who = await workflow.execute_activity(
                probe_step,
                step,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=2)),
            )
            if who not in workers:
                workers.append(who)
            self._done = step + 1
        return ProbeResult(steps=self._done, workers=workers)

    @workflow.query
    def progress(self) -> int:
        """Steps completed so far."""
        return self._done
