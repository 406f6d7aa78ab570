"""The line translator's rules, on hand-made line events (pure: no server, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.plant import PackMLState as S
from orchestrator.ports.lines import LineEvent, LineEventKind, LineSnapshot
from workflows.lines.translate import LineMemory, LineTranslator, dedupe_key
from workflows.lines.types import EventKinds

AT = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
WO = "ORD-1A2B3C.weld.1"


def snap(state: S, job: str | None = None, produced: int | None = None, stop: int = 0, msg: str = "",
         planned: int = 10) -> LineSnapshot:
    return LineSnapshot(line="FAB1", state=int(state), state_name=state.label, job_order_id=job,
                        produced_quantity=produced if job else None, defective_quantity=0 if job else None,
                        planned_quantity=planned if job else None, stop_reason=stop, stop_reason_message=msg or None,
                        at=AT)


def event(s: LineSnapshot, kind: LineEventKind = LineEventKind.STATE_CHANGED, job: str | None = None,
          **values: Any) -> LineEvent:
    return LineEvent(kind=kind, line="FAB1", job_order_id=job or s.job_order_id, values=values, at=AT, snapshot=s)


def kinds(rows: list) -> list[str]:
    return [r.kind for r in rows]


def test_a_job_seen_only_as_complete_is_started_then_completed_with_its_counts() -> None:
    t = LineTranslator("FAB1", LineMemory(state=int(S.IDLE)))
    done = snap(S.COMPLETE, WO, produced=10)
    rows = t.feed(event(done), wall=0.0)
    rows += t.feed(event(done, LineEventKind.JOB_COMPLETED, produced_quantity=10, defective_quantity=1), wall=0.0)
    assert kinds(rows) == [EventKinds.LINE_CONNECTION, EventKinds.LINE_STATE, EventKinds.WORK_ORDER_STARTED,
                           EventKinds.LINE_PROGRESS, EventKinds.WORK_ORDER_COMPLETED]
    completed = rows[-1]
    assert completed.order_id == "ORD-1A2B3C" and completed.line == "FAB1"
    assert completed.dedupe_key == dedupe_key(EventKinds.WORK_ORDER_COMPLETED, WO)
    payload = completed.payload
    assert (payload["produced"], payload["defective"], payload["op_id"]) == (10, 1, "weld")
    assert completed.payload["kind"] == "completed" and completed.payload["planned_quantity"] == 10


def test_progress_is_coalesced_but_the_last_counts_precede_the_completion() -> None:
    t = LineTranslator("FAB1", LineMemory(state=int(S.EXECUTE), job=WO), progress_interval=0.25)
    first = t.feed(event(snap(S.EXECUTE, WO, produced=1), LineEventKind.PROGRESS), wall=10.0)
    assert [r.payload["produced"] for r in first if r.kind == EventKinds.LINE_PROGRESS] == [1]
    assert not [r for r in t.feed(event(snap(S.EXECUTE, WO, produced=2), LineEventKind.PROGRESS), wall=10.1)
                if r.kind == EventKinds.LINE_PROGRESS]
    t.feed(event(snap(S.EXECUTE, WO, produced=3), LineEventKind.PROGRESS), wall=10.2)
    assert t.next_due() == 10.25
    assert t.flush_due(10.24) == []
    assert [r.payload["produced"] for r in t.flush_due(10.25)] == [3]
    t.feed(event(snap(S.EXECUTE, WO, produced=4), LineEventKind.PROGRESS), wall=10.3)  # pending until 10.5
    rows = t.feed(event(snap(S.COMPLETE, WO, produced=4), LineEventKind.JOB_COMPLETED), wall=10.31)
    assert kinds(rows)[-2:] == [EventKinds.LINE_PROGRESS, EventKinds.WORK_ORDER_COMPLETED]
    assert t.next_due() is None


def test_a_hold_fault_is_one_fault_one_hold_one_resume_one_recovery() -> None:
    t = LineTranslator("FAB1", LineMemory(state=int(S.EXECUTE), job=WO), expected_repair=timedelta(minutes=45))
    t.feed(event(snap(S.EXECUTE, WO, produced=2)), wall=0)
    rows = t.feed(event(snap(S.HOLDING, WO, produced=2, stop=900, msg="jam")), wall=1)
    rows += t.feed(event(snap(S.HELD, WO, produced=2, stop=900, msg="jam")), wall=2)
    rows += t.feed(event(snap(S.UNHOLDING, WO, produced=2)), wall=3)
    rows += t.feed(event(snap(S.EXECUTE, WO, produced=2)), wall=4)
    signal_rows = [r for r in rows if r.kind != EventKinds.LINE_STATE]
    assert kinds(signal_rows) == [EventKinds.LINE_FAULT, EventKinds.WORK_ORDER_HELD, EventKinds.WORK_ORDER_RESUMED,
                                  EventKinds.LINE_RECOVERED]
    fault = signal_rows[0].payload
    assert (fault["kind"], fault["reason"], fault["line"]) == ("fault", "jam", "FAB1")
    assert fault["expected_recovery"] == (AT + timedelta(minutes=45)).isoformat()
    assert signal_rows[1].payload["reason"] == "jam" and signal_rows[1].order_id == "ORD-1A2B3C"


def test_an_abort_with_a_stop_reason_is_a_fault_until_the_line_is_idle_again() -> None:
    t = LineTranslator("FAB1", LineMemory(state=int(S.EXECUTE), job=WO))
    aborted = snap(S.ABORTED, WO, produced=3, stop=901, msg="spindle broke")
    rows = t.feed(event(aborted), wall=0)
    rows += t.feed(event(aborted, LineEventKind.JOB_ABORTED, stop_reason=901, stop_reason_message="spindle broke"),
                   wall=0)
    rows += t.feed(event(snap(S.IDLE)), wall=1)
    signal_rows = [r for r in rows if r.kind not in (EventKinds.LINE_STATE, EventKinds.LINE_CONNECTION)]
    assert kinds(signal_rows) == [EventKinds.WORK_ORDER_STARTED, EventKinds.LINE_FAULT, EventKinds.LINE_PROGRESS,
                                  EventKinds.WORK_ORDER_ABORTED, EventKinds.LINE_RECOVERED]
    assert signal_rows[3].payload["reason"] == "spindle broke" and signal_rows[3].payload["produced"] == 3


def test_a_restarted_monitor_does_not_repeat_what_the_trail_says() -> None:
    memory = LineMemory(state=int(S.HELD), job=WO, fault_open=True, held_job=WO)
    t = LineTranslator("FAB1", memory)
    rows = t.feed(event(snap(S.HELD, WO, produced=5, stop=900, msg="jam"), LineEventKind.SNAPSHOT), wall=0)
    assert EventKinds.LINE_FAULT not in kinds(rows) and EventKinds.WORK_ORDER_HELD not in kinds(rows)
    assert EventKinds.LINE_STATE not in kinds(rows)
    started = [r for r in rows if r.kind == EventKinds.WORK_ORDER_STARTED]
    assert started and started[0].dedupe_key == dedupe_key(EventKinds.WORK_ORDER_STARTED, WO), "deduplicated by key"


def test_jobs_that_are_not_c2m_work_orders_are_recorded_without_an_order() -> None:
    t = LineTranslator("FAB1", LineMemory(state=int(S.IDLE)))
    rows = t.feed(event(snap(S.EXECUTE, "manual job 7", produced=0)), wall=0)
    started = next(r for r in rows if r.kind == EventKinds.WORK_ORDER_STARTED)
    assert started.order_id is None and started.payload["order_id"] is None and started.line == "FAB1"


def test_connection_changes_are_recorded_and_long_ids_get_a_short_dedupe_key() -> None:
    t = LineTranslator("FAB1")
    rows = t.feed(LineEvent(kind=LineEventKind.CONNECTION, line="FAB1", values={"status": "reconnecting",
                            "endpoint": "opc.tcp://x", "error": "gone"}, at=AT), wall=0)
    assert kinds(rows) == [EventKinds.LINE_CONNECTION] and rows[0].payload["status"] == "reconnecting"
    assert t.connection == "reconnecting"
    assert len(dedupe_key(EventKinds.WORK_ORDER_COMPLETED, "x" * 300)) <= 200
