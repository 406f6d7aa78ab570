"""Reading the gateway's CSV exports into plain values (pure: no I/O).

``lines.csv`` gives one :class:`LineRow` per line, ``completions.csv`` one :class:`CompletionRow`
per completed job order. Columns are found by name (through the settings' ``columns`` renames), so
their order and any extra columns do not matter. A missing required column, or a line the export
does not have, is :class:`~orchestrator.ports.lines.LineStatusConfigError`: the gateway answers,
but not what the configuration says, and asking again will not change that.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from orchestrator.ports.lines import LineStatusConfigError

from c2m_csv_gateway.settings import CsvGatewaySettings

_INTS = ("mode", "processed_count", "defective_count", "planned_quantity", "produced_quantity",
         "defective_quantity", "stop_reason")
_FLOATS = ("mach_speed", "cur_mach_speed")
_TEXTS = ("job_order_id", "stop_reason_text", "last_completed_job_order_id", "last_aborted_job_order_id")
LINE_REQUIRED = ("line", "state", "completed_count")
COMPLETION_REQUIRED = ("seq", "job_order_id")


@dataclass(frozen=True)
class LineRow:
    """One line's row of ``lines.csv``: ``state_raw`` as written, the other values typed (None: blank)."""

    line: str
    state_raw: str
    completed_count: int
    gateway_started: str | None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompletionRow:
    """One row of ``completions.csv``."""

    seq: int
    job_order_id: str
    planned_quantity: int | None
    produced_quantity: int | None
    defective_quantity: int | None


def _int(text: str | None) -> int | None:
    try:
        return None if text is None or not text.strip() else int(float(text))
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        return None if text is None or not text.strip() else float(text)
    except ValueError:
        return None


def _text(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def _table(text: str, settings: CsvGatewaySettings, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = list(reader.fieldnames or [])
    missing = [ours for ours in required if settings.column(ours) not in header]
    if missing:
        named = ", ".join(f"{ours!r} (read as {settings.column(ours)!r})" for ours in missing)
        raise LineStatusConfigError(
            f"{what} has no column {named}; its columns are {', '.join(header) or 'none'} "
            "(map ours to the gateway's under the status settings' 'columns:')"
        )
    return list(reader)


def read_line_row(text: str, line: str, settings: CsvGatewaySettings) -> LineRow:
    """``line``'s row of a ``lines.csv`` text (LineStatusConfigError when the export lacks it)."""
    col = settings.column
    rows = _table(text, settings, LINE_REQUIRED, f"{settings.endpoint}export/lines.csv")
    found = [r for r in rows if (r.get(col("line")) or "").strip() == line]
    if not found:
        listed = ", ".join(sorted({(r.get(col("line")) or "").strip() for r in rows} - {""})) or "none"
        raise LineStatusConfigError(
            f"the gateway at {settings.endpoint} exports no line {line!r}; it exports {listed}"
        )
    row = found[0]
    values: dict[str, Any] = {}
    for name in _INTS:
        values[name] = _int(row.get(col(name)))
    for name in _FLOATS:
        values[name] = _float(row.get(col(name)))
    for name in _TEXTS:
        values[name] = _text(row.get(col(name)))
    return LineRow(
        line=line,
        state_raw=(row.get(col("state")) or "").strip(),
        completed_count=_int(row.get(col("completed_count"))) or 0,
        gateway_started=_text(row.get(col("gateway_started"))),
        values=values,
    )


def read_completions(text: str, settings: CsvGatewaySettings, where: str) -> list[CompletionRow]:
    """The rows of a ``completions.csv`` text, by ``seq`` (rows without a seq or a job id are skipped)."""
    col = settings.column
    out: list[CompletionRow] = []
    for row in _table(text, settings, COMPLETION_REQUIRED, where):
        seq, job = _int(row.get(col("seq"))), _text(row.get(col("job_order_id")))
        if seq is None or job is None:
            continue
        out.append(CompletionRow(
            seq, job, _int(row.get(col("planned_quantity"))), _int(row.get(col("produced_quantity"))),
            _int(row.get(col("defective_quantity"))),
        ))
    return sorted(out, key=lambda r: r.seq)
