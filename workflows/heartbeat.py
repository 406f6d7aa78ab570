"""Heartbeats for a long activity, so a worker that dies mid-call lets the activity go at once.

An activity without heartbeats holds its task until its start-to-close timeout passes: minutes in which
nothing retries it on another worker. While the body runs (its blocking parts in threads), a task on
the worker's event loop heartbeats every ``every`` seconds; the workflow sets a ``heartbeat_timeout`` a
few times longer, and a dead worker's attempt is retried after that instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity


@contextlib.asynccontextmanager
async def heartbeating(every: float = 2.0) -> AsyncIterator[None]:
    """Heartbeat every ``every`` seconds while the block runs (nothing outside an activity)."""
    if not activity.in_activity():
        yield
        return

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
