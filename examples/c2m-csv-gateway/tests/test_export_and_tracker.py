"""The adapter's pure parts: reading the CSV exports (renamed columns, raw states) and the events rows mean.

Run with ``pytest examples/c2m-csv-gateway/tests`` once the package is installed (c2m too).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from orchestrator.ports.lines import LineEventKind, LineStatusConfigError

from c2m_csv_gateway.export import CompletionRow, read_completions, read_line_row
from c2m_csv_gateway.settings import CsvGatewaySettings
from c2m_csv_gateway.tracker import GatewayLineTracker

AT = datetime(2026, 1, 1, tzinfo=UTC)
LEGACY = (
    "LINE_ID;STATUS;JOB;GOOD;PLANNED;ERR_CODE;ERR_TEXT;DONE_COUNT\r\n"
    "PRESS2;RUNNING;A-17;4;10;0;;12\r\n"
)


def settings(**extra: object) -> CsvGatewaySettings:
    return CsvGatewaySettings.model_validate({"endpoint": "http://10.1.2.9:8080", **extra})


def test_renamed_columns_are_read_by_their_gateway_names() -> None:
    s = settings(columns={"line": "LINE_ID", "state": "STATUS", "job_order_id": "JOB", "produced_quantity": "GOOD",
                          "planned_quantity": "PLANNED", "stop_reason": "ERR_CODE", "stop_reason_text": "ERR_TEXT",
                          "completed_count": "DONE_COUNT"})
    row = read_line_row(LEGACY.replace(";", ","), "PRESS2", s)
    assert (row.state_raw, row.completed_count) == ("RUNNING", 12)
    assert row.values["job_order_id"] == "A-17" and row.values["produced_quantity"] == 4
    assert row.values["mach_speed"] is None  # a column the gateway does not have


def test_a_missing_column_or_line_is_a_configuration_error() -> None:
    with pytest.raises(LineStatusConfigError, match=r"no column 'state' \(read as 'state'\)"):
        read_line_row("line,completed_count\r\nFAB1,0\r\n", "FAB1", settings())
    with pytest.raises(LineStatusConfigError, match="exports no line 'FAB9'; it exports FAB1"):
        read_line_row("line,state,completed_count\r\nFAB1,4,0\r\n", "FAB9", settings())


def test_settings_refuse_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="expected the gateway's http:// or https:// URL"):
        CsvGatewaySettings.model_validate({"endpoint": "opc.tcp://10.1.2.9:4840/"})
    with pytest.raises(ValueError, match="unknown column"):
        settings(columns={"speed": "SPD"})
    assert settings().endpoint == "http://10.1.2.9:8080/"


def test_completions_are_reported_once_and_history_is_not_news() -> None:
    rows = read_completions("seq,job_order_id,produced_quantity\r\n2,J2,5\r\n1,J1,\r\n", settings(), "here")
    assert [(r.seq, r.job_order_id, r.produced_quantity) for r in rows] == [(1, "J1", None), (2, "J2", 5)]

    fresh = GatewayLineTracker("FAB1", "http://gw/", lambda: AT)  # known_completed None: history
    assert fresh.completed(rows) == []
    assert [e.job_order_id for e in fresh.completed([*rows, CompletionRow(3, "J3", 5, 5, 0)])] == ["J3"]

    catching_up = GatewayLineTracker("FAB1", "http://gw/", lambda: AT, known_completed={"J1"})
    events = catching_up.completed(rows) + catching_up.completed(rows)  # a gateway restart lists them again
    assert [(e.kind, e.job_order_id, e.values) for e in events] == [
        (LineEventKind.JOB_COMPLETED, "J2", {"produced_quantity": 5, "defective_quantity": None,
                                              "planned_quantity": None}),
    ]


def test_row_changes_become_events() -> None:
    tracker = GatewayLineTracker("FAB1", "http://gw/", lambda: AT)
    idle = {"state": 4, "job_order_id": None, "stop_reason": 0}
    [snapshot] = tracker.connected(idle, reconnected=False)
    assert snapshot.kind is LineEventKind.SNAPSHOT and snapshot.values["state_name"] == "Idle"
    held = {"state": 11, "job_order_id": "J1", "produced_quantity": 2, "planned_quantity": 5, "stop_reason": 7,
            "stop_reason_message": "Guard open"}
    kinds = [(e.kind, e.values.get("state_name")) for e in tracker.changed(held)]
    assert kinds == [(LineEventKind.PROGRESS, None), (LineEventKind.STATE_CHANGED, "Held"),
                     (LineEventKind.FAULT, "Held")]
    aborted = {**held, "state": 9, "last_aborted_job_order_id": "J1"}
    assert [e.kind for e in tracker.changed(aborted)] == [LineEventKind.STATE_CHANGED, LineEventKind.JOB_ABORTED]
    again = tracker.connected({**aborted, "state": 4, "stop_reason": 0, "job_order_id": None}, reconnected=True)
    assert [e.kind for e in again] == [LineEventKind.CONNECTION, LineEventKind.SNAPSHOT, LineEventKind.STATE_CHANGED,
                                       LineEventKind.FAULT_CLEARED]
