"""The simulated line's PackML state machine, on a virtual plant clock (no server, no sleeping)."""

from __future__ import annotations

from simulators.opcua_plant.faults import FaultModel
from simulators.opcua_plant.machine import LineMachine
from simulators.opcua_plant.packml import INJECTED_FAULT, State, Status
from simulators.opcua_plant.plant_file import LineSpec

T0 = 1_000_000.0


def machine(speed_factor: float = 1.0, faults: FaultModel | None = None) -> LineMachine:
    spec = LineSpec("L1", speed_factor=speed_factor, mach_speed=30.0)
    m = LineMachine(spec, faults or FaultModel(1, "L1", enabled=False))
    m.advance(T0)
    return m


def run_to(m: LineMachine, t: float) -> list[int]:
    m.entered.clear()
    m.advance(T0 + t)
    return list(m.entered)


def test_a_job_runs_setup_then_units_then_completes() -> None:
    m = machine()
    assert m.store_and_start("J1", 3, 100.0, 60.0) == Status.OK
    assert m.r.state == State.STARTING
    assert run_to(m, 99.0) == []
    assert run_to(m, 100.0) == [State.EXECUTE]
    run_to(m, 219.0)
    assert m.values()["produced_quantity"] == 1
    assert m.values()["cur_mach_speed"] == 60.0  # 3600 / 60 s per unit
    assert run_to(m, 280.0) == [State.COMPLETING]
    assert run_to(m, 290.0) == [State.COMPLETE]
    v = m.values()
    assert (v["produced_quantity"], v["planned_quantity"], v["processed_count"]) == (3, 3, 3)
    assert v["completed_job_orders"] == ["J1"] and v["last_completed_job_order_id"] == "J1"
    assert v["job_order_id"] == "J1" and v["cur_mach_speed"] == 0.0


def test_a_big_time_step_passes_every_state_in_order() -> None:
    m = machine()
    m.store_and_start("J1", 5, 10.0, 1.0)
    assert run_to(m, 3600.0) == [State.EXECUTE, State.COMPLETING, State.COMPLETE]


def test_store_and_start_is_idempotent_and_checks_state_and_arguments() -> None:
    m = machine()
    assert m.store_and_start("", 1, 0, 1) == Status.BAD_ARGUMENTS
    assert m.store_and_start("J", 0, 0, 1) == Status.BAD_ARGUMENTS
    assert m.store_and_start("J", 1, -1, 1) == Status.BAD_ARGUMENTS
    assert m.store_and_start("J", 1, 0, float("nan")) == Status.BAD_ARGUMENTS
    assert m.store_and_start("J", 2, 0, 10) == Status.OK
    assert m.store_and_start("J", 2, 0, 10) == Status.OK  # retried: same job already on the line
    assert m.store_and_start("K", 1, 0, 10) == Status.NOT_ALLOWED
    run_to(m, 100.0)
    assert m.r.state == State.COMPLETE
    assert m.store_and_start("J", 2, 0, 10) == Status.OK
    assert m.clear() == Status.OK and m.r.state == State.IDLE
    assert m.values()["job_order_id"] == "" and m.values()["produced_quantity"] == 0
    assert m.store_and_start("J", 2, 0, 10) == Status.OK  # done already: not produced twice
    assert m.r.state == State.IDLE and m.values()["processed_count"] == 2


def test_speed_factor_scales_the_durations() -> None:
    m = machine(speed_factor=0.8)
    m.store_and_start("J", 1, 80.0, 80.0)
    run_to(m, 99.0)
    assert m.r.state == State.STARTING
    run_to(m, 100.0)
    assert m.r.state == State.EXECUTE
    run_to(m, 200.0)
    assert m.r.state == State.COMPLETING


def test_pause_keeps_the_unit_progress_and_resume_continues() -> None:
    m = machine()
    m.store_and_start("J", 2, 0.0, 100.0)
    run_to(m, 50.0)
    assert m.pause() == Status.OK and m.pause() == Status.OK
    assert run_to(m, 51.0) == [State.SUSPENDED]
    run_to(m, 10_000.0)
    assert m.r.state == State.SUSPENDED and m.values()["produced_quantity"] == 0
    assert m.values()["stop_reason"] == 0  # a pause is not a fault
    assert m.resume() == Status.OK
    assert run_to(m, 10_001.0) == [State.EXECUTE]
    run_to(m, 10_050.5)
    assert m.values()["produced_quantity"] == 0
    run_to(m, 10_051.0)
    assert m.values()["produced_quantity"] == 1  # 50 s before the pause + 50 s after (+1 s unsuspending)


def test_a_hold_fault_holds_for_its_duration_then_resumes() -> None:
    m = machine()
    m.store_and_start("J", 2, 0.0, 100.0)
    run_to(m, 50.0)
    assert m.inject_fault("hold", "Jam at station 2", 600.0) == Status.OK
    v = m.values()
    assert (v["state"], v["stop_reason"]) == (State.HOLDING, INJECTED_FAULT)
    assert v["stop_reason_message"] == "Jam at station 2"
    assert run_to(m, 51.0) == [State.HELD]
    assert run_to(m, 650.0) == []
    assert run_to(m, 652.0) == [State.UNHOLDING, State.EXECUTE]
    assert m.values()["stop_reason"] == 0 and m.values()["stop_reason_message"] == ""
    run_to(m, 705.0)
    assert m.values()["produced_quantity"] == 1


def test_a_hold_without_duration_waits_for_resume() -> None:
    m = machine()
    m.store_and_start("J", 1, 0.0, 100.0)
    assert m.inject_fault("hold", "", 0.0) == Status.OK
    assert m.values()["stop_reason_message"] == "Injected hold fault"
    run_to(m, 1e6)
    assert m.r.state == State.HELD
    assert m.resume() == Status.OK
    run_to(m, 1e6 + 200)
    assert m.r.state == State.COMPLETE


def test_an_abort_fault_aborts_until_clear() -> None:
    m = machine()
    assert m.inject_fault("abort", "Fire", 0.0) == Status.NOT_ALLOWED  # no job
    m.store_and_start("J", 5, 0.0, 100.0)
    run_to(m, 250.0)
    assert m.inject_fault("abort", "Drive failure", 0.0) == Status.OK
    assert run_to(m, 260.0) == [State.ABORTED]
    v = m.values()
    assert v["last_aborted_job_order_id"] == "J" and v["stop_reason"] == INJECTED_FAULT
    assert v["produced_quantity"] == 2 and v["completed_job_orders"] == []
    assert m.store_and_start("J", 5, 0.0, 100.0) == Status.NOT_ALLOWED
    assert m.clear() == Status.OK
    assert m.values()["stop_reason"] == 0 and m.r.state == State.IDLE


def test_bad_fault_arguments_and_states() -> None:
    m = machine()
    assert m.inject_fault("explode", "x", 0) == Status.BAD_ARGUMENTS
    assert m.inject_fault("hold", "x", -5) == Status.BAD_ARGUMENTS
    assert m.inject_fault("hold", "x", 10) == Status.NOT_ALLOWED  # idle
    assert m.abort() == Status.NOT_ALLOWED
    assert m.resume() == Status.NOT_ALLOWED
    assert m.clear() == Status.OK  # already idle


def test_random_breakdowns_and_defects_are_seeded() -> None:
    faults = FaultModel(7, "L1", mtbf_hours=1.0, mttr_minutes=10.0, defect_rate=0.2)
    runs = []
    for _ in range(2):
        m = machine(faults=faults)
        m.store_and_start("J", 50, 0.0, 360.0)
        seen: list[int] = []
        for step in range(1, 1000):
            seen += run_to(m, step * 60.0)
        runs.append((seen, m.values()))
    assert runs[0] == runs[1]
    seen, values = runs[0]
    assert State.HELD in seen, "an MTBF of one hour over many hours of work must break down"
    assert values["defective_quantity"] > 0
    assert values["produced_quantity"] == 50 and values["state"] == State.COMPLETE


def test_the_record_round_trips_and_resumes_where_it_was() -> None:
    m = machine()
    m.store_and_start("J", 4, 0.0, 100.0)
    run_to(m, 250.0)
    record = LineMachine.record_from(m.to_record())
    restarted = LineMachine(m.spec, m.faults, record)
    restarted.advance(T0 + 99_999.0)  # the first advance after a restart only sets the clock
    assert restarted.values() == m.values()
    restarted.advance(T0 + 99_999.0 + 50.0)
    assert restarted.values()["produced_quantity"] == 3  # 50 s of the third unit were already done
