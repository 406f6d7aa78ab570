"""The floor: an operation takes the scheduler's processing time; a fault holds it until the repair."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestrator.plant import load_plant
from orchestrator.scheduling import Operation
from orchestrator.simulation.engine import EventQueue
from orchestrator.simulation.floor import Floor, SimOp

PLANT = Path(__file__).resolve().parents[2] / "fixtures" / "simulation" / "plant.yaml"
T0 = datetime(2026, 1, 5, 6, tzinfo=UTC)


class _Fifo:
    def __init__(self, floor: Floor) -> None:
        self.floor = floor

    def next_for(self, line: str, now: datetime) -> SimOp | None:
        return next((op for op in self.floor.ops.values() if self.floor.ready(op, now)), None)


def _floor() -> tuple[EventQueue, Floor, list[SimOp]]:
    queue = EventQueue(T0)
    floor = Floor(load_plant(PLANT), queue, seed=1, until=T0)
    floor.dispatcher = _Fifo(floor)
    done: list[SimOp] = []
    floor.on_done = done.append
    first = SimOp("O1.a", "O1", "a", Operation("O1.a", "O1", "assembly", 2, 10, 25), (), (0, 0), released_at=T0)
    second = SimOp("O1.b", "O1", "b", Operation("O1.b", "O1", "assembly", 1, 0, 30), ("O1.a",), (0, 1), released_at=T0)
    floor.add(first)
    floor.add(second)
    return queue, floor, done


def test_operations_run_in_precedence_order_for_their_processing_time() -> None:
    queue, floor, done = _floor()
    queue.at(T0, floor.kick)
    queue.run()
    assert [(op.op_id, op.started, op.ended) for op in done] == [
        ("a", T0, T0 + timedelta(minutes=60)), ("b", T0 + timedelta(minutes=60), T0 + timedelta(minutes=90))]
    assert floor.lines["ASM1"].busy_minutes == 90


def test_a_fault_holds_the_running_operation_until_the_repair() -> None:
    queue, floor, done = _floor()
    faults: list[tuple[str, bool]] = []
    floor.on_fault = lambda line, now, down: faults.append((line, down))
    queue.at(T0, floor.kick)
    queue.at(T0 + timedelta(minutes=20), lambda: floor._fail("ASM1"))
    queue.run()
    repair = next(op for op in done if op.op_id == "a").ended - T0 - timedelta(minutes=60)
    assert repair > timedelta(0)  # held for exactly the drawn repair time, then the rest of its work
    assert faults == [("ASM1", True), ("ASM1", False)]
    assert done[1].ended == done[0].ended + timedelta(minutes=30)
    assert floor.lines["ASM1"].busy_minutes == 90 and floor.lines["ASM1"].fault_count == 1
