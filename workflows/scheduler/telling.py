"""Tell orders what a scheduler batch decided, straight from the activity.

A booking answer or a schedule change sent by the workflow itself costs the scheduler's history two events
and the answer's payload per order, and a workflow task to take the acknowledgements. Sent from the
activity, it costs the scheduler nothing: the orders' own histories hold what they were told. A repeat
(the activity retried) is harmless: the order keeps the latest answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.contracts import Signals
from workflows.scheduler.types import OrderNotice

log = logging.getLogger("c2m.scheduler")

CONCURRENCY = 16  # signals in flight at once: enough to tell a thousand orders in seconds, not a flood
ATTEMPTS = 5
#: Answers that retrying cannot change: the order finished, or never was a workflow (booked by hand).
GIVE_UP = frozenset({RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.INVALID_ARGUMENT})


async def tell_orders(client: Client, notices: Sequence[OrderNotice]) -> int:
    """Signal each order its notice; returns how many were delivered. Raises the last error of a signal the
    server kept refusing (the activity is retried then, and tells everyone again)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def tell(notice: OrderNotice) -> bool:
        name, arg = ((Signals.BOOKED, notice.booked) if notice.booked is not None
                     else (Signals.SCHEDULE_CHANGED, notice.changed))
        if arg is None:
            return False
        async with gate:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    await client.get_workflow_handle(notice.order_id).signal(name, arg)
                    return True
                except RPCError as exc:
                    if exc.status in GIVE_UP:
                        log.info("could not signal order %s: %s", notice.order_id, exc.message)
                        return False
                    if attempt == ATTEMPTS:
                        raise
                    await asyncio.sleep(0.2 * 2 ** attempt)
        return False

    results = await asyncio.gather(*(tell(n) for n in notices))
    return sum(results)
