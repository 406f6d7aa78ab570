"""Deliver the line monitor's facts to the workflows that act on them, without losing one.

A job row tells its order (workflow id = order id) what :mod:`.order_news` found: its first start as a
``work_order_event``, its last completion as ``production_finished``, nothing otherwise (an order with no
work orders stored hears every event). An abort becomes ``work_order_event`` to the plant scheduler,
which books the operation again; the other job facts reach the scheduler through the work order rows. A
fault or recovery row becomes ``line_event`` to the scheduler. Transport errors are retried with backoff
until the server answers; "workflow not found" (the order finished, or nobody runs it: a test, a job
started by hand) is logged and skipped, because waiting could never help.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ValidationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.contracts import PLANT_SCHEDULER_ID, LineEventSignal, ProductionFinished, Signals, WorkOrderEvent
from workflows.lines.order_news import Tell
from workflows.lines.recorder import SignalRow
from workflows.lines.types import LINE_SIGNAL_KINDS, WORK_ORDER_SIGNAL_KINDS

log = logging.getLogger(__name__)

#: Answers that retrying cannot change: the signal is dropped with a log line.
GIVE_UP = frozenset({
    RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.FAILED_PRECONDITION,
    RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED, RPCStatusCode.UNAUTHENTICATED,
})


class WorkflowSignaller:
    """Sends the signals of committed trail rows (see :meth:`deliver`)."""

    def __init__(
        self,
        client: Callable[[], Awaitable[Client]],
        scheduler_workflow_id: str = PLANT_SCHEDULER_ID,
        *,
        backoff_initial: float = 0.2,
        backoff_max: float = 5.0,
    ) -> None:
        self.client = client
        self.scheduler_workflow_id = scheduler_workflow_id
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.sent = 0
        self.skipped = 0

    async def deliver(self, row: SignalRow) -> None:
        """Send what a committed row means; returns once every receiver answered or cannot be reached."""
        kind, payload = row.kind, row.payload
        if kind in WORK_ORDER_SIGNAL_KINDS:
            try:
                event = WorkOrderEvent.model_validate(payload)
            except ValidationError:
                # A job someone else started (not a c2m work order id): no order to tell.
                log.info("line %s: job %r is not a c2m work order; no signal",
                         payload.get("line"), payload.get("work_order_id"))
                self.skipped += 1
                return
            if row.news.tell is Tell.EVENT:
                await self.signal(event.order_id, Signals.WORK_ORDER_EVENT, event)
            elif row.news.tell is Tell.FINISHED:
                await self.signal(event.order_id, Signals.PRODUCTION_FINISHED,
                                  ProductionFinished(order_id=event.order_id, op_ids=list(row.news.op_ids),
                                                     at=event.at))
            if event.kind == "aborted":
                await self.signal(self.scheduler_workflow_id, Signals.WORK_ORDER_EVENT, event)
        elif kind in LINE_SIGNAL_KINDS:
            await self.signal(self.scheduler_workflow_id, Signals.LINE_EVENT, LineEventSignal.model_validate(payload))

    async def signal(self, workflow_id: str, name: str, arg: BaseModel) -> bool:
        """Signal one workflow; True when delivered, False when it does not exist (or refused for good)."""
        backoff = self.backoff_initial
        while True:
            try:
                client = await self.client()
                await client.get_workflow_handle(workflow_id).signal(name, arg)
                self.sent += 1
                return True
            except RPCError as exc:
                if exc.status in GIVE_UP:
                    log.info("no %s signal to %s: %s (%s)", name, workflow_id, exc.message, exc.status.name)
                    self.skipped += 1
                    return False
                error: BaseException = exc
            except (OSError, RuntimeError) as exc:  # the client cannot connect (server down or restarting)
                error = exc
            log.warning("signal %s to %s failed (%r); retrying in %.1f s", name, workflow_id, error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.backoff_max)
