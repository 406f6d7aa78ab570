"""What the gateway exports: each line's last values and its completed job orders, as CSV text (pure).

The gateway numbers every completed job order of a line (``seq`` 1, 2, 3...) and keeps the last
:data:`HISTORY_KEPT` of them, so a poller that was away asks ``since=<the last seq it read>`` and
catches up. ``completed_count`` in ``lines.csv`` is the highest ``seq`` so far. The numbering starts
again when the gateway starts (from the completions the machines still remember), as it does on
such boxes; ``gateway_started`` changes then, which tells a poller to read the history again.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The columns of ``lines.csv``, in order.
LINE_COLUMNS: tuple[str, ...] = (
    "line", "state", "state_name", "mode", "mach_speed", "cur_mach_speed", "processed_count",
    "defective_count", "job_order_id", "planned_quantity", "produced_quantity", "defective_quantity",
    "stop_reason", "stop_reason_text", "completed_count", "last_completed_job_order_id",
    "last_aborted_job_order_id", "gateway_started", "timestamp",
)

#: The columns of ``completions.csv``, in order.
COMPLETION_COLUMNS: tuple[str, ...] = (
    "seq", "line", "job_order_id", "planned_quantity", "produced_quantity", "defective_quantity", "completed_at",
)

#: PackML state names by number, as the gateway writes them in ``state_name``.
STATE_NAMES: dict[int, str] = dict(enumerate((
    "Undefined", "Clearing", "Stopped", "Starting", "Idle", "Suspended", "Execute", "Stopping", "Aborting",
    "Aborted", "Holding", "Held", "Unholding", "Suspending", "Unsuspending", "Resetting", "Completing", "Complete",
)))

#: Completed job orders kept per line (older ones fall off; a poller away longer misses them).
HISTORY_KEPT = 500


@dataclass(frozen=True)
class Completion:
    """One completed job order of a line, with its sequence number on that line."""

    seq: int
    job_order_id: str
    planned_quantity: int | None
    produced_quantity: int | None
    defective_quantity: int | None
    completed_at: datetime


class UnknownLine(KeyError):
    """The gateway does not export this line."""


class ExportBook:
    """The lines' last values and completions, updated each time the simulator shows a line."""

    def __init__(self, started: datetime, history_kept: int = HISTORY_KEPT) -> None:
        self.started = started
        self._values: dict[str, dict[str, Any]] = {}
        self._seen_at: dict[str, datetime] = {}
        self._history: dict[str, deque[Completion]] = {}
        self._count: dict[str, int] = {}
        self._listed: dict[str, set[str]] = {}  # the machine's completed list as last seen
        self._kept = history_kept

    @property
    def lines(self) -> list[str]:
        """The exported lines, in the order they were added."""
        return list(self._values)

    def add_line(self, line: str, values: dict[str, Any], at: datetime) -> None:
        """Start exporting ``line``: the completions its machine remembers are numbered 1, 2, ..."""
        self._history[line] = deque(maxlen=self._kept)
        self._count[line] = 0
        listed = [str(job) for job in values.get("completed_job_orders") or ()]
        for job in listed:
            self._append(line, job, None, at)
        self._listed[line] = set(listed)
        self._values[line], self._seen_at[line] = dict(values), at

    def update(self, line: str, values: dict[str, Any], at: datetime) -> list[Completion]:
        """The line's new values (as shown over OPC UA); the job orders that completed since, numbered."""
        if line not in self._values:
            return []
        # The machine's list only grows at its end (its oldest ids fall off): new ids are news.
        listed = [str(job) for job in values.get("completed_job_orders") or ()]
        new: list[Completion] = []
        for job in listed:
            if job not in self._listed[line]:
                shown = str(values.get("job_order_id") or "") == job
                new.append(self._append(line, job, values if shown else None, at))
        self._listed[line] = set(listed)
        self._values[line], self._seen_at[line] = dict(values), at
        return new

    def _append(self, line: str, job: str, values: dict[str, Any] | None, at: datetime) -> Completion:
        self._count[line] += 1
        counts = values or {}
        completion = Completion(
            self._count[line], job, counts.get("planned_quantity"), counts.get("produced_quantity"),
            counts.get("defective_quantity"), at,
        )
        self._history[line].append(completion)
        return completion

    # --- CSV ------------------------------------------------------------------------------------

    def lines_csv(self) -> str:
        """``lines.csv``: a header, then one row per line."""
        rows = [self._line_row(line) for line in self._values]
        return _csv(LINE_COLUMNS, rows)

    def completions_csv(self, line: str, since: int = 0) -> str:
        """``completions.csv`` of ``line``: completions with ``seq > since``, oldest first."""
        if line not in self._history:
            raise UnknownLine(line)
        rows = [
            [c.seq, line, c.job_order_id, _blank(c.planned_quantity), _blank(c.produced_quantity),
             _blank(c.defective_quantity), _stamp(c.completed_at)]
            for c in self._history[line] if c.seq > since
        ]
        return _csv(COMPLETION_COLUMNS, rows)

    def _line_row(self, line: str) -> list[Any]:
        v = self._values[line]
        state = int(v.get("state") or 0)
        name = STATE_NAMES.get(state, f"Unknown({state})")
        return [
            line, state, name, v.get("unit_mode"), v.get("mach_speed"), v.get("cur_mach_speed"),
            v.get("processed_count"), v.get("defective_count"), v.get("job_order_id") or "",
            v.get("planned_quantity"), v.get("produced_quantity"), v.get("defective_quantity"),
            v.get("stop_reason"), v.get("stop_reason_message") or "", self._count[line],
            v.get("last_completed_job_order_id") or "", v.get("last_aborted_job_order_id") or "",
            _stamp(self.started), _stamp(self._seen_at[line]),
        ]


def _blank(value: object) -> object:
    return "" if value is None else value


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as the old boxes write it
    writer.writerow(header)
    writer.writerows([[_blank(cell) for cell in row] for row in rows])
    return out.getvalue()
