"""Line monitoring: one long-running, heartbeating activity per line, kept alive by a tiny workflow.

For the worker's composition root::

    worker = Worker(client, task_queue=q,
                    workflows=[*LINE_WORKFLOWS, ...],
                    activities=[*build_line_activities(settings, engine, temporal_client, plant), ...])
    await ensure_line_monitors(client, plant, q, clock)

See ``docs/line-monitor.md``.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # Passed through so that loading the workflow in the sandbox does not re-import the database and
    # OPC UA stacks the activities need.
    from workflows.lines.activities import LineMonitorActivities
    from workflows.lines.starter import ensure_line_monitors
    from workflows.lines.types import EventKinds, LineMonitorInput, line_monitor_id
    from workflows.lines.wiring import build_line_activities

from workflows.lines.workflow import LineMonitorWorkflow

LINE_WORKFLOWS: list[type] = [LineMonitorWorkflow]

__all__ = [
    "LINE_WORKFLOWS",
    "EventKinds",
    "LineMonitorActivities",
    "LineMonitorInput",
    "LineMonitorWorkflow",
    "build_line_activities",
    "ensure_line_monitors",
    "line_monitor_id",
]
