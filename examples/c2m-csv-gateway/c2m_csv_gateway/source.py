"""A line followed by polling a legacy gateway's CSV export: c2m's ``LineStatusSource`` contract.

Each poll reads ``lines.csv`` and, when the line's ``completed_count`` moved (or the gateway
restarted: ``gateway_started`` changed or the count went back), ``completions.csv?since=<the last
seq read>``, so a job that completed between two polls, or while the gateway could not be reached,
is still reported, once. Both answers are read before any event is given, so a request that fails
halfway leaves the line's last values as they were and the next attempt starts from them.

While the gateway does not answer the source reports ``reconnecting`` at once, ``down`` after
``down_after`` seconds, and tries again with a doubling wait (``poll_interval`` up to
``max_backoff``); the first good answer gives ``connected``, a fresh snapshot and the net changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx
from orchestrator.ports.journal import AdapterKind, AdapterMessage, Direction, Journal, clip_body, clip_summary
from orchestrator.ports.lines import ConnectionStatus, LineEvent, LineStatusBinding

from c2m_csv_gateway.export import CompletionRow, LineRow, read_completions, read_line_row
from c2m_csv_gateway.settings import CsvGatewaySettings
from c2m_csv_gateway.tracker import GatewayLineTracker

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GatewayUnreachable(ConnectionError):
    """The gateway did not answer, or answered with an HTTP error: the link is lost for now."""


class CsvGatewayLineSource:
    """Follows one line through the gateway (see ``LineStatusSource`` in ``orchestrator.ports.lines``)."""

    def __init__(
        self,
        settings: CsvGatewaySettings,
        binding: LineStatusBinding,
        *,
        known_completed: Iterable[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.settings, self.binding, self.line = settings, binding, binding.line
        self.endpoint = str(settings.endpoint)
        self.tracker = GatewayLineTracker(binding.line, self.endpoint, clock or _utc_now, known_completed)
        self.journal = journal
        self._closed = asyncio.Event()
        self._streaming = False
        self._last_seq: int | None = None  # the highest completion seq read (None: none read yet)
        self._started: str | None = None  # the gateway's start stamp when it was read
        self._last_row: LineRow | None = None
        self.polls = 0  # answered polls so far (observability, tests)

    async def close(self) -> None:
        """End the stream (within one poll interval at most) and release the connection (idempotent)."""
        self._closed.set()

    async def aclose(self) -> None:
        """The same as :meth:`close`, for code that closes ports with ``aclose``."""
        await self.close()

    async def events(self) -> AsyncIterator[LineEvent]:
        """The line's events: snapshot first, then changes, until :meth:`close`."""
        if self._streaming:
            raise RuntimeError(f"line {self.line} at {self.endpoint}: events() is already being iterated")
        self._streaming = True
        s = self.settings
        live = False
        outage_since = time.monotonic()
        reported: ConnectionStatus | None = None
        failures = 0
        try:
            async with httpx.AsyncClient(base_url=self.endpoint, timeout=s.timeout) as client:
                while not self._closed.is_set():
                    try:
                        row, completions = await self._read(client)
                    except (GatewayUnreachable, httpx.HTTPError) as exc:
                        failures += 1
                        now = time.monotonic()
                        if live:
                            live, outage_since = False, now
                        error = str(exc) or type(exc).__name__
                        self._note(f"no answer: {error}", None, ok=False)
                        if reported is None:
                            reported = ConnectionStatus.RECONNECTING
                            yield self.tracker.connection(reported, error)
                        if reported is ConnectionStatus.RECONNECTING and now - outage_since >= s.down_after:
                            reported = ConnectionStatus.DOWN
                            yield self.tracker.connection(reported, error)
                        await self._wait(min(s.poll_interval * 2 ** (failures - 1), s.max_backoff))
                        continue
                    failures = 0
                    values = self._values(row)
                    if live:
                        events = self.tracker.changed(values)
                    else:
                        events = self.tracker.connected(values, reconnected=reported is not None)
                        live, reported = True, None
                    events += self.tracker.completed(completions)
                    for event in events:
                        yield event
                    await self._wait(s.poll_interval)
        finally:
            self._streaming = False

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):  # the wait is over; close() ends it early
            await asyncio.wait_for(self._closed.wait(), seconds)

    # --- reading ----------------------------------------------------------------------------------

    async def _read(self, client: httpx.AsyncClient) -> tuple[LineRow, list[CompletionRow]]:
        """The line's row and the completions not read yet; state is kept only when both were read."""
        row = read_line_row(await self._get(client, "export/lines.csv"), self.line, self.settings)
        restarted = self._started is not None and row.gateway_started != self._started
        went_back = self._last_seq is not None and row.completed_count < self._last_seq
        since = 0 if self._last_seq is None or restarted or went_back else self._last_seq
        completions: list[CompletionRow] = []
        if self._last_seq is None or since != row.completed_count:
            path = f"export/lines/{self.line}/completions.csv"
            text = await self._get(client, path, {"since": str(since)})
            completions = read_completions(text, self.settings, f"{self.endpoint}{path}")
            if since and completions and completions[0].seq > since + 1:
                log.warning("line %s: the gateway no longer lists completions %d to %d (its history is shorter "
                            "than the time it was not read)", self.line, since + 1, completions[0].seq - 1)
        if restarted or went_back:
            log.info("line %s: the gateway restarted its completion count; reading its history again", self.line)
        self._last_seq = max([row.completed_count, *(c.seq for c in completions)])
        self._started = row.gateway_started
        self._journal_row(row, completions)
        self.polls += 1
        return row, completions

    async def _get(self, client: httpx.AsyncClient, path: str, params: dict[str, str] | None = None) -> str:
        try:
            answer = await client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise GatewayUnreachable(f"GET {self.endpoint}{path}: {type(exc).__name__}: {exc}".rstrip(": ")) from None
        if answer.status_code != 200:
            raise GatewayUnreachable(
                f"GET {answer.request.url}: HTTP {answer.status_code} {answer.text.strip()[:200]}".rstrip()
            )
        return answer.text

    def _values(self, row: LineRow) -> dict[str, Any]:
        v = row.values
        return {
            "state_raw": row.state_raw,
            "state": self.binding.packml_state(row.state_raw) or 0,
            "unit_mode": v.get("mode"),
            "mach_speed": v.get("mach_speed"),
            "cur_mach_speed": v.get("cur_mach_speed"),
            "processed_count": v.get("processed_count"),
            "defective_count": v.get("defective_count"),
            "stop_reason": v.get("stop_reason"),
            "stop_reason_message": v.get("stop_reason_text"),
            "job_order_id": v.get("job_order_id"),
            "planned_quantity": v.get("planned_quantity"),
            "produced_quantity": v.get("produced_quantity"),
            "defective_quantity": v.get("defective_quantity"),
            "last_completed_job_order_id": v.get("last_completed_job_order_id"),
            "last_aborted_job_order_id": v.get("last_aborted_job_order_id"),
        }

    # --- journal ----------------------------------------------------------------------------------

    def _journal_row(self, row: LineRow, completions: list[CompletionRow]) -> None:
        # A row is noted when it differs from the last one (a poll that reads the same is no news).
        if self._last_row is None or (row.state_raw, row.values, row.completed_count) != (
            self._last_row.state_raw, self._last_row.values, self._last_row.completed_count
        ):
            shown = {"state": row.state_raw, "completed_count": row.completed_count, **row.values}
            self._note(f"lines.csv: {self.line} state {row.state_raw} job {row.values.get('job_order_id') or '-'}",
                       repr(shown))
        if completions:
            jobs = ", ".join(f"{c.seq}:{c.job_order_id}" for c in completions)
            self._note(f"completions.csv: {len(completions)} row(s): {jobs}", None)
        self._last_row = row

    def _note(self, summary: str, body: str | None, ok: bool = True) -> None:
        if self.journal is None:
            return
        try:
            self.journal.record(AdapterMessage(
                kind=AdapterKind.LINE, endpoint=self.line, direction=Direction.RECEIVED,
                summary=clip_summary(summary), body=clip_body(body), ok=ok,
            ))
        except Exception:  # the journal is a courtesy: it never stops the line's events
            log.debug("line %s: journal refused a message", self.line, exc_info=True)

