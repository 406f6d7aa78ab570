"""A stand-in for the order and scheduler workflows: it records the signals a line monitor sends."""

from __future__ import annotations

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import LineEventSignal, ProductionFinished, Signals, WorkOrderEvent


class ProbeSeen(BaseModel):
    """The signals received so far, in arrival order."""

    work_order_events: list[WorkOrderEvent] = Field(default_factory=list)
    line_events: list[LineEventSignal] = Field(default_factory=list)
    finished: list[ProductionFinished] = Field(default_factory=list)


@workflow.defn(name="LineMonitorSignalProbe")
class SignalProbeWorkflow:
    """Started with id = an order id (or the scheduler's id); runs until ``finish``."""

    def __init__(self) -> None:
        self.seen = ProbeSeen()
        self.finished = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.finished)

    @workflow.signal(name=Signals.WORK_ORDER_EVENT)
    def work_order_event(self, event: WorkOrderEvent) -> None:
        """What the order and the scheduler receive."""
        self.seen.work_order_events.append(event)

    @workflow.signal(name=Signals.PRODUCTION_FINISHED)
    def production_finished(self, finished: ProductionFinished) -> None:
        """What an order receives when all its operations completed."""
        self.seen.finished.append(finished)

    @workflow.signal(name=Signals.LINE_EVENT)
    def line_event(self, event: LineEventSignal) -> None:
        """What the scheduler receives."""
        self.seen.line_events.append(event)

    @workflow.signal
    def finish(self) -> None:
        """End the probe."""
        self.finished = True

    @workflow.query
    def received(self) -> ProbeSeen:
        """The signals so far."""
        return self.seen
