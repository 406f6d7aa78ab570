"""The scheduler's pure planning, its notices, and the ledger on a real SQLite database (no servers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from orchestrator.persistence import work_orders_repo as repo
from orchestrator.persistence.tables.plant import WorkOrderRow
from orchestrator.persistence.work_orders_repo import PlanState
from orchestrator.plant import load_plant
from orchestrator.ports.mes import WorkOrderState, WorkOrderStatus
from orchestrator.scheduling import DowntimeKind
from orchestrator.services.plant_planning import LineFault, next_fault_review, operations_of, plant_lines
from tests.support.processes import ROOT
from workflows.contracts import BookingRequest, LineEventSignal, OperationSpec, PlannerCommand, work_order_id
from workflows.scheduler.ledger import Applied, Ledger
from workflows.scheduler.notices import change_notice
from workflows.scheduler.planning import booking_problems
from workflows.scheduler.types import SchedulerBatch

PLANT = load_plant(ROOT / "plant" / "default.yaml")
NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _op(op_id: str, op_type: str, *preds: str, quantity: int = 2) -> OperationSpec:
    return OperationSpec(op_id=op_id, name=op_id, op_type=op_type, setup_minutes=5, run_minutes_per_unit=10,
                         quantity=quantity, predecessors=list(preds))


def _booking(order_id: str, *ops: OperationSpec) -> BookingRequest:
    return BookingRequest(order_id=order_id, operations=list(ops), release_at=NOW, due=NOW + 24 * H)


def _row(op_id: str, state: PlanState, line: str = "ASM1", **kw: Any) -> WorkOrderRow:
    values: dict = {"id": work_order_id("ORD-1", op_id), "order_id": "ORD-1", "op_id": op_id, "op_type": "assembly",
                    "work_master": "w", "line": line, "state": state.value, "quantity": 1, "created_at": NOW,
                    "updated_at": NOW, "planned_start": NOW + H, "planned_end": NOW + 2 * H, **kw}
    return WorkOrderRow(**values)


def _apply(engine: Engine, batch: SchedulerBatch, statuses: list[WorkOrderStatus] | None = None,
           now: datetime = NOW) -> Applied:
    with engine.begin() as conn:
        return Ledger(conn, PLANT, now, batch.batch_id).apply(batch, statuses or [])


def test_booking_problems_say_what_and_where() -> None:
    assert booking_problems(_booking("ORD-1", _op("cut", "cutting"), _op("sew", "sewing", "cut")), PLANT) == []
    problems = booking_problems(_booking("ORD.1", _op("a.b", "gluing"), _op("c", "sewing", "zz")), PLANT)
    text = " | ".join(problems)
    assert "no dots" in text and "'gluing'" in text and "['zz']" in text
    cycle = booking_problems(_booking("ORD-2", _op("a", "cutting", "b"), _op("b", "sewing", "a")), PLANT)
    assert cycle and "cycle" in cycle[0]


def test_operations_keep_running_work_and_freeze_the_near_future() -> None:
    rows = [
        _row("weld", PlanState.RUNNING, "FAB1", actual_start=NOW - H),
        _row("assemble", PlanState.RELEASED, predecessors=["weld", "done_long_ago"], planned_start=NOW + 0.5 * H),
        _row("test", PlanState.RELEASED, predecessors=["assemble"], planned_start=NOW + 5 * H),
        _row("pack", PlanState.RELEASED, "PCK1", planned_start=NOW + 0.5 * H, pinned_line="ASM2", priority=3),
    ]
    ops = {o.id: o for o in operations_of(rows, NOW, frozen_window_minutes=60)}
    assert ops["ORD-1.weld"].started is not None and ops["ORD-1.weld"].started.line_id == "FAB1"
    assert ops["ORD-1.assemble"].frozen is not None, "released and starting within the frozen window"
    assert ops["ORD-1.assemble"].predecessors == ("ORD-1.weld",), "finished predecessors are left out"
    assert ops["ORD-1.test"].frozen is None
    assert ops["ORD-1.pack"].frozen is None and ops["ORD-1.pack"].pinned_line == "ASM2"
    assert ops["ORD-1.pack"].weight == 4.0
    on_faulted_line = {o.id: o for o in operations_of(rows, NOW, 60, unavailable={"ASM1"})}
    assert on_faulted_line["ORD-1.assemble"].frozen is None, "waiting work on a faulted line may move"


def test_a_fault_keeps_the_line_out_until_recovery_or_another_repair() -> None:
    faults = {"ASM1": LineFault("ASM1", NOW - H, NOW + 3 * H, "jam"), "FAB1": LineFault("FAB1", NOW - 5 * H, NOW - H)}
    lines = {line.id: line for line in plant_lines(PLANT, faults, NOW)}
    asm1 = [w for w in lines["ASM1"].downtime if w.kind is DowntimeKind.FAULT]
    assert asm1 and asm1[0].end == NOW + 3 * H
    fab1 = [w for w in lines["FAB1"].downtime if w.kind is DowntimeKind.FAULT]
    assert fab1[0].end == NOW + 5 * H, "overdue recovery: down 5 h already, so expected down as long again"
    brief = LineFault("FAB1", NOW - timedelta(minutes=10), NOW - timedelta(minutes=1))
    short = plant_lines(PLANT, {"FAB1": brief}, NOW)
    fab1 = [w for line in short if line.id == "FAB1" for w in line.downtime if w.kind is DowntimeKind.FAULT]
    assert fab1[0].end == NOW + timedelta(minutes=45), "but never less than one mean repair time (FAB1 45 min)"
    assert next_fault_review(PLANT, faults, NOW) == NOW + 3 * H
    assert not [w for w in lines["ASM2"].downtime if w.kind is DowntimeKind.FAULT]


def test_orders_hear_of_moves_and_real_slips_only() -> None:
    told: dict[str, Any] = {"notified_line": "ASM1", "notified_end": NOW + 2 * H}
    assert change_notice("ORD-1", [_row("a", PlanState.RELEASED, **told)], "x") is None
    small = _row("a", PlanState.RELEASED, planned_end=NOW + 2 * H + timedelta(minutes=5), **{**told})
    assert change_notice("ORD-1", [small], "x") is None, "below the threshold"
    late = _row("a", PlanState.RELEASED, planned_end=NOW + 3 * H, **told)
    assert change_notice("ORD-1", [late], "slow line").production_finish == NOW + 3 * H  # type: ignore[union-attr]
    moved = _row("a", PlanState.RELEASED, "ASM2", **told)
    assert change_notice("ORD-1", [moved], "fault") is not None
    assert change_notice("ORD-1", [moved], "fault", told_before=False) is None, "the booking answer comes first"
    assert change_notice("ORD-1", [_row("a", PlanState.COMPLETED, **told)], "x") is None


def test_ledger_books_once_reissues_aborts_and_unbooks(plant_db: Engine) -> None:
    first = SchedulerBatch(batch_id="b1", bookings=[
        _booking("ORD-7", _op("cut", "cutting"), _op("sew", "sewing", "cut"), _op("press", "pressing", "sew"))])
    applied = _apply(plant_db, first)
    assert applied.new_bookings == ["ORD-7"] and applied.replan
    again = _apply(plant_db, first.model_copy(update={"batch_id": "b2"}))
    assert again.booked == ["ORD-7"] and again.new_bookings == [], "a repeated booking is answered, not doubled"

    with plant_db.begin() as conn:  # as after a push: all three at the MES, the first one running
        for op_id, state in (("cut", "running"), ("sew", "waiting"), ("press", "waiting")):
            wo = work_order_id("ORD-7", op_id)
            repo.record_mes_view(conn, wo, state, "SEW1")
            repo.update_work_order(conn, wo, state="running" if state == "running" else "released")
    aborted = WorkOrderStatus(id=work_order_id("ORD-7", "cut"), line="SEW1", state=WorkOrderState.ABORTED,
                              produced=1, stop_reason="Material jam")
    applied = _apply(plant_db, SchedulerBatch(batch_id="b3"), [aborted])
    rows = {r.id: r for r in repo.work_orders_of(plant_db, "ORD-7")}
    assert rows[work_order_id("ORD-7", "cut", 1)].state == "aborted"
    assert rows[work_order_id("ORD-7", "cut", 2)].quantity == 1, "only what is missing is made again"
    assert rows[work_order_id("ORD-7", "sew", 1)].state == "withdrawn", "its waiting successors get new ids"
    assert rows[work_order_id("ORD-7", "press", 2)].state == "planned"
    assert "Material jam" in applied.reason_for("ORD-7")
    repeat = _apply(plant_db, SchedulerBatch(batch_id="b4"), [aborted])
    assert repeat.reissued == [], "an abort is made again once"

    applied = _apply(plant_db, SchedulerBatch(batch_id="b5", unbooks=["ORD-7"]))
    assert applied.replan
    assert all(r.state in ("withdrawn", "aborted") for r in repo.work_orders_of(plant_db, "ORD-7"))


def test_ledger_records_faults_and_refuses_bad_commands(plant_db: Engine) -> None:
    _apply(plant_db, SchedulerBatch(batch_id="b1", bookings=[_booking("ORD-8", _op("test", "testing"))]))
    wo = work_order_id("ORD-8", "test")
    applied = _apply(plant_db, SchedulerBatch(batch_id="b2", line_events=[
        LineEventSignal(line="ASM2", kind="fault", at=NOW, reason="Sensor fault")], commands=[
        PlannerCommand(kind="move", work_order_id=wo, line="SEW1"),
        PlannerCommand(kind="move", work_order_id=wo, line="PCK1"),
        PlannerCommand(kind="priority", work_order_id="ORD-X.y.1", priority=2)]))
    assert any("cannot do testing" in p for p in applied.refused)
    assert any("unknown" in p for p in applied.refused)
    with plant_db.connect() as conn:
        status = repo.line_statuses(conn)["ASM2"]
        row = repo.get_work_order(conn, wo)
    assert status.fault_until == NOW + timedelta(minutes=40), "no expected recovery: the line's mean repair time"
    assert status.connection == "down" and row is not None and row.pinned_line == "PCK1"
    _apply(plant_db, SchedulerBatch(batch_id="b3", line_events=[
        LineEventSignal(line="ASM2", kind="recovered", at=NOW + H)]))
    with plant_db.connect() as conn:
        assert repo.line_statuses(conn)["ASM2"].fault_until is None


def test_line_status_upsert_keeps_what_a_message_does_not_say(plant_db: Engine) -> None:
    with plant_db.begin() as conn:
        repo.upsert_line_status(conn, {"line": "SEW1", "state": 6, "state_name": "Execute", "job_order_id": "",
                                       "at": NOW, "stop_reason_message": "", "completed_job_orders": ["a"]})
        repo.upsert_line_status(conn, {"line": "SEW1", "connection": "reconnecting"})
    with plant_db.connect() as conn:
        status = repo.line_statuses(conn)["SEW1"]
    assert (status.state, status.state_name, status.connection) == (6, "Execute", "reconnecting")
    assert status.job_order_id is None and status.last_message_at == NOW
