"""Checks on a booking request before the plant scheduler plans it."""

from __future__ import annotations

from orchestrator.plant import Plant
from orchestrator.scheduling import Operation
from orchestrator.scheduling.validation import topological_order
from workflows.contracts import BookingRequest


def booking_problems(booking: BookingRequest, plant: Plant) -> list[str]:
    """Why a booking cannot be planned (empty when it can); each problem says what and where."""
    where = f"booking of order {booking.order_id}"
    problems = []
    if not booking.order_id or "." in booking.order_id:
        problems.append(f"{where}: the order id must be non-empty and contain no dots")
    if not booking.operations:
        problems.append(f"{where}: it has no operations")
    ids = [op.op_id for op in booking.operations]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        problems.append(f"{where}: operation ids {twice} appear more than once")
    for op in booking.operations:
        at = f"{where}, operation {op.op_id}"
        if not op.op_id or "." in op.op_id:
            problems.append(f"{at}: operation ids must be non-empty and contain no dots")
        if not plant.lines_for(op.op_type):
            problems.append(f"{at}: no line of the plant can do {op.op_type!r}")
        if op.quantity < 1:
            problems.append(f"{at}: quantity must be at least 1, got {op.quantity}")
        if op.setup_minutes < 0 or op.run_minutes_per_unit < 0:
            problems.append(f"{at}: setup and run minutes must not be negative")
        unknown = [p for p in op.predecessors if p not in ids]
        if unknown:
            problems.append(f"{at}: predecessors {unknown} are not operations of this booking")
    for name, value in (("release_at", booking.release_at), ("due", booking.due)):
        if value.tzinfo is None:
            problems.append(f"{where}: {name} must be timezone-aware")
    if not problems:
        try:
            topological_order(Operation(op.op_id, booking.order_id, op.op_type, predecessors=tuple(op.predecessors))
                              for op in booking.operations)
        except ValueError as cycle:
            problems.append(f"{where}: {cycle}")
    return problems
