"""The durability probe runs on the real dev server with a real worker."""

import uuid

from temporalio.client import Client
from temporalio.worker import Worker

from workflows.probe import DurabilityProbeWorkflow, ProbeInput, ProbeResult, probe_step


async def test_probe_takes_every_step(temporal_client: Client, task_queue: str) -> None:
    async with Worker(temporal_client, task_queue=task_queue, workflows=[DurabilityProbeWorkflow],
                      activities=[probe_step]):
        result = await temporal_client.execute_workflow(
            DurabilityProbeWorkflow.run,
            ProbeInput(steps=3, step_seconds=0.05),
            id=f"probe-{uuid.uuid4()}",
            task_queue=task_queue,
            result_type=ProbeResult,
        )
    assert result.steps == 3
    assert len(result.workers) == 1
