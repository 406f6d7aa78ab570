"""The baseline of the throughput benchmark: a bare workflow of trivial activities, nothing else.

Kept in its own small module so that the workflow sandbox re-imports as little as it does for the order
workflow's module.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench.trivial_step")
async def trivial_step(step: int) -> int:
    """Does nothing: what the engine costs per activity."""
    return step


@workflow.defn(name="BenchBare")
class BareWorkflow:
    """``remote`` trivial activities and ``local`` trivial local activities, one after another, interleaved."""

    @workflow.run
    async def run(self, remote: int, local: int) -> int:
        for i in range(max(remote, local)):
            if i < local:
                await workflow.execute_local_activity(trivial_step, i, start_to_close_timeout=timedelta(seconds=15))
            if i < remote:
                await workflow.execute_activity(trivial_step, i, start_to_close_timeout=timedelta(seconds=30))
        return remote + local
