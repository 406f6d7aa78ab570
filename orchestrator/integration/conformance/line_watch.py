"""Follow a line status source in the background and keep every event, for the line rules to judge.

A rule opens a :class:`LineWatch` on the source the adapter built, provokes something on the line,
waits (bounded) for the event that should report it, and later counts how often it was reported.
:func:`describe` renders events the way the conformance report shows what came back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from types import TracebackType

from orchestrator.ports.lines import LineEvent, LineEventKind, LineSnapshot, LineStatusSource

EventCheck = Callable[[LineEvent], bool]


class LineWatch:
    """Collects ``source.events()`` in a task from ``async with`` until the block ends (then closes it)."""

    def __init__(self, source: LineStatusSource) -> None:
        self.source = source
        self.events: list[LineEvent] = []
        self.error: BaseException | None = None
        self.ended = False
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LineWatch:
        self._task = asyncio.create_task(self._collect())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await asyncio.wait_for(self.source.close(), 10)
        finally:
            if self._task is not None:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)

    async def _collect(self) -> None:
        try:
            async for event in self.source.events():
                self.events.append(event)
                self._arrived.set()
        except Exception as exc:  # the stream's own error: the rule shows it
            self.error = exc
        finally:
            self.ended = True
            self._arrived.set()

    async def first(self, check: EventCheck, within: float, after: int = 0) -> LineEvent | None:
        """The first event from index ``after`` on that ``check`` accepts, waiting up to ``within`` seconds.

        ``None`` when none came in time or the stream ended; a stream that failed raises its error.
        """
        deadline = time.monotonic() + within
        seen = after
        while True:
            for event in self.events[seen:]:
                if check(event):
                    return event
            seen = len(self.events)
            if self.error is not None:
                raise self.error
            left = deadline - time.monotonic()
            if self.ended or left <= 0:
                return None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)

    async def keep_watching(self, seconds: float) -> None:
        """Go on collecting for ``seconds`` (the window in which a repeated report would show)."""
        await asyncio.sleep(seconds)
        if self.error is not None:
            raise self.error

    def of(self, check: EventCheck, after: int = 0) -> list[LineEvent]:
        """The events so far (from index ``after``) that ``check`` accepts."""
        return [e for e in self.events[after:] if check(e)]

    def latest(self) -> LineSnapshot | None:
        """The line's status after the last event that carried one."""
        for event in reversed(self.events):
            if event.snapshot is not None:
                return event.snapshot
        return None

    def since(self, index: int) -> str:
        """The events from ``index`` on, described (for the report)."""
        return describe(self.events[index:])

    def ending(self) -> str:
        """Why the stream stopped, for a rule that waited in vain (empty while it runs)."""
        if self.error is not None:
            return f"; the stream failed: {self.error!r}"
        return "; the stream ended" if self.ended else ""


def kind_is(kind: LineEventKind, job: str | None = None) -> EventCheck:
    """Events of ``kind`` (about ``job``, when given)."""
    return lambda e: e.kind is kind and (job is None or e.job_order_id == job)


def shows(job: str, states: Iterable[int]) -> EventCheck:
    """Events after which the line shows ``job`` in one of ``states``."""
    wanted = frozenset(states)
    return lambda e: e.snapshot is not None and e.snapshot.job_order_id == job and e.snapshot.state in wanted


def connection_is(status: str) -> EventCheck:
    """``connection`` events with this status."""
    return lambda e: e.kind is LineEventKind.CONNECTION and str(e.values.get("status")) == status


def describe_snapshot(s: LineSnapshot) -> str:
    """``Execute job=WO-1 produced=3/10 defective=0 processed=42 stop=0 completed=[...]``."""
    completed = list(s.completed_job_orders) if s.completed_job_orders is not None else None
    return (
        f"{s.state_name} job={s.job_order_id or '-'} produced={s.produced_quantity}/{s.planned_quantity} "
        f"defective={s.defective_quantity} processed={s.processed_count} stop={s.stop_reason}"
        f"{f' {s.stop_reason_message!r}' if s.stop_reason_message else ''} "
        f"last_completed={s.last_completed_job_order_id or '-'} completed={completed}"
    )


def describe_event(e: LineEvent) -> str:
    """One event in a few words, e.g. ``state_changed(Execute, job WO-1)``."""
    v = e.values
    if e.kind is LineEventKind.SNAPSHOT:
        inner = describe_snapshot(e.snapshot) if e.snapshot is not None else "no values"
    elif e.kind is LineEventKind.CONNECTION:
        error = v.get("error")
        inner = f"{v.get('status')}: {error}" if error else str(v.get("status"))
    elif e.kind is LineEventKind.STATE_CHANGED:
        inner = f"{v.get('previous_state_name')} -> {v.get('state_name')}"
    elif e.kind is LineEventKind.PROGRESS:
        inner = f"produced {v.get('produced_quantity')}/{v.get('planned_quantity')}"
    elif e.kind is LineEventKind.FAULT:
        inner = f"stop reason {v.get('stop_reason')} {v.get('stop_reason_message')!r}, {v.get('state_name')}"
    elif e.kind is LineEventKind.FAULT_CLEARED:
        inner = f"was {v.get('previous_stop_reason')}"
    else:
        inner = ", ".join(f"{k}={val}" for k, val in v.items())
    job = f"job {e.job_order_id}" if e.job_order_id and e.kind is not LineEventKind.SNAPSHOT else ""
    return f"{e.kind.value}({', '.join(part for part in (inner, job) if part)})"


def describe(events: Iterable[LineEvent], limit: int = 40) -> str:
    """Events in order, one per line; the middle is elided past ``limit``."""
    shown = [describe_event(e) for e in events]
    if len(shown) > limit:
        half = limit // 2
        shown = [*shown[:half], f"... {len(shown) - limit} more ...", *shown[-half:]]
    return "\n".join(shown) or "(no events)"
