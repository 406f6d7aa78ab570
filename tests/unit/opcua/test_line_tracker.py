"""Line values -> line events: the rules of the line-status stream, without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.opcua.line_tracker import LineTracker
from orchestrator.ports.lines import ConnectionStatus, LineEventKind, LineStatusBinding, c2m_line_nodes

NOW = datetime(2025, 1, 1, tzinfo=UTC)
BINDING = LineStatusBinding(line="FAB1", endpoint="opc.tcp://127.0.0.1:4840/", nodes=c2m_line_nodes("FAB1"))


def idle(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "state": 4, "unit_mode": 1, "mach_speed": 30.0, "cur_mach_speed": 0.0, "processed_count": 0,
        "defective_count": 0, "stop_reason": 0, "stop_reason_message": "", "job_order_id": "",
        "planned_quantity": 0, "produced_quantity": 0, "defective_quantity": 0,
        "last_completed_job_order_id": "", "completed_job_orders": [], "last_aborted_job_order_id": "",
    }
    return {**values, **changes}


def kinds(events: list[Any]) -> list[str]:
    return [e.kind.value for e in events]


def tracker(known: set[str] | None = None) -> LineTracker:
    return LineTracker(BINDING, lambda: NOW, known)


def test_first_connection_gives_a_snapshot() -> None:
    t = tracker()
    [snap] = t.connected(idle(), reconnected=False)
    assert snap.kind == LineEventKind.SNAPSHOT
    assert snap.values["state_name"] == "Idle" and snap.values["job_order_id"] is None
    assert snap.snapshot is not None and snap.snapshot.mach_speed == 30.0


def test_a_job_gives_progress_state_changes_and_one_completion() -> None:
    t = tracker()
    t.connected(idle(), reconnected=False)
    events = t.changed([("job_order_id", "J1"), ("planned_quantity", 2), ("state", 3), ("state", 6)])
    assert kinds(events) == ["progress", "state_changed", "state_changed"]
    assert [e.values["state_name"] for e in events[1:]] == ["Starting", "Execute"]
    assert all(e.job_order_id == "J1" for e in events)
    assert kinds(t.changed([("produced_quantity", 1)])) == ["progress"]
    # One publish with the final count, the last states and the completion list, grouped by field.
    events = t.changed([
        ("state", 16), ("state", 17), ("produced_quantity", 2),
        ("completed_job_orders", ["J1"]), ("last_completed_job_order_id", "J1"),
    ])
    assert kinds(events) == ["progress", "state_changed", "state_changed", "job_completed"]
    assert events[-1].job_order_id == "J1"
    assert events[-1].values == {"produced_quantity": 2, "defective_quantity": 0, "planned_quantity": 2}
    assert events[-1].snapshot is not None and events[-1].snapshot.state_name == "Complete"
    # Clear: back to idle, nothing reported again.
    assert kinds(t.changed([("state", 4), ("job_order_id", ""), ("produced_quantity", 0)])) == ["state_changed"]


def test_completion_seen_by_state_alone_is_not_repeated_by_the_list() -> None:
    t = tracker()
    t.connected(idle(state=6, job_order_id="J1", planned_quantity=1), reconnected=False)
    assert kinds(t.changed([("state", 17)])) == ["state_changed", "job_completed"]
    assert kinds(t.changed([("completed_job_orders", ["J1"]), ("last_completed_job_order_id", "J1")])) == []


def test_faults_and_their_clearing() -> None:
    t = tracker()
    t.connected(idle(state=6, job_order_id="J1"), reconnected=False)
    events = t.changed([("state", 10), ("stop_reason", 100), ("stop_reason_message", "Jam")])
    assert kinds(events) == ["state_changed", "fault"]
    assert events[1].values["stop_reason"] == 100 and events[1].values["stop_reason_message"] == "Jam"
    events = t.changed([("state", 12), ("state", 6), ("stop_reason", 0), ("stop_reason_message", "")])
    assert kinds(events) == ["state_changed", "fault_cleared", "state_changed"]
    assert events[1].values == {"previous_stop_reason": 100, "previous_stop_reason_message": "Jam"}


def test_abort_is_reported_once() -> None:
    t = tracker()
    t.connected(idle(state=6, job_order_id="J1", produced_quantity=3), reconnected=False)
    events = t.changed([("state", 8), ("state", 9), ("stop_reason", 201), ("last_aborted_job_order_id", "J1")])
    assert kinds(events) == ["state_changed", "fault", "state_changed", "job_aborted"]
    assert events[-1].job_order_id == "J1" and events[-1].values["produced_quantity"] == 3
    assert kinds(t.changed([("stop_reason", 0), ("state", 4), ("job_order_id", "")])) == [
        "state_changed", "fault_cleared"
    ]


def test_reconnect_reports_what_changed_meanwhile_exactly_once() -> None:
    t = tracker()
    t.connected(idle(state=6, job_order_id="J1", planned_quantity=5, produced_quantity=2), reconnected=False)
    lost = t.connection(ConnectionStatus.RECONNECTING, "gone")
    assert lost.values == {"status": "reconnecting", "endpoint": BINDING.endpoint, "error": "gone"}
    assert lost.snapshot is not None and lost.snapshot.produced_quantity == 2
    # Meanwhile J1 completed, was cleared, and J2 started.
    after = idle(state=6, job_order_id="J2", planned_quantity=1, completed_job_orders=["J1"],
                 last_completed_job_order_id="J1")
    events = t.connected(after, reconnected=True)
    assert kinds(events) == ["connection", "snapshot", "progress", "job_completed"]
    assert events[0].values["status"] == "connected"
    assert events[-1].job_order_id == "J1" and events[-1].values == {}  # counts of J1 are gone
    assert kinds(t.connected(after, reconnected=True)) == ["connection", "snapshot"]


def test_known_completed_decides_what_history_is_reported() -> None:
    history = idle(completed_job_orders=["A", "B", "C"], last_completed_job_order_id="C")
    assert kinds(tracker(None).connected(history, reconnected=False)) == ["snapshot"]
    events = tracker({"A"}).connected(history, reconnected=False)
    assert kinds(events) == ["snapshot", "job_completed", "job_completed"]
    assert [e.job_order_id for e in events[1:]] == ["B", "C"]
    assert kinds(tracker({"A", "B", "C"}).connected(history, reconnected=False)) == ["snapshot"]


def test_foreign_state_values_are_mapped_to_packml() -> None:
    binding = LineStatusBinding(
        line="PLC7", endpoint="opc.tcp://x/", nodes={"state": "ns=2;s=Mode", "job_order_id": "ns=2;s=Job"},
        states={"RUNNING": 6, "DONE": 17, "IDLE": 4},
    )
    t = LineTracker(binding, lambda: NOW)
    [snap] = t.connected({"state": "IDLE", "job_order_id": ""}, reconnected=False)
    assert snap.snapshot is not None
    assert (snap.snapshot.state, snap.snapshot.state_name, snap.snapshot.produced_quantity) == (4, "Idle", None)
    assert kinds(t.changed([("job_order_id", "W9"), ("state", "RUNNING")])) == ["state_changed"]
    events = t.changed([("state", "DONE")])
    assert kinds(events) == ["state_changed", "job_completed"] and events[1].job_order_id == "W9"
    [event] = t.changed([("state", "SMOKING")])
    assert event.values["state"] == 0 and event.values["state_name"] == "Unknown('SMOKING')"


def test_the_opcua_adapters_satisfy_the_ports() -> None:
    # Checked by mypy as much as at run time: the adapters are drop-in implementations of the ports.
    from adapters.opcua import OpcUaLineControl, open_line_status
    from orchestrator.ports.lines import LineControl, LineStatusSource, LineStatusSourceFactory

    factory: LineStatusSourceFactory = open_line_status
    source: LineStatusSource = factory(BINDING, known_completed=None)
    control: LineControl = OpcUaLineControl(BINDING.endpoint)
    assert isinstance(source, LineStatusSource)
    assert callable(control.store_and_start)
