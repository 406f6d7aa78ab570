"""The line's Sparkplug B metrics: the same names as the OPC UA nodes under ``Machines/<Line>/``.

A line is one Sparkplug device; each value the OPC UA server shows is a metric of that device,
named by its path (``Status/StateCurrent``, ``JobOrder/ProducedQuantity``...), so an integrator
who knows one protocol knows the other. Commands are ``Command/...`` metrics written by DCMD; the
line answers each with the ``Command/LastRequestID`` and ``Command/LastStatus`` metrics in DDATA.
"""

from __future__ import annotations

from typing import Any

from pysparkplug import DataType, Metric

#: our field -> (metric name, Sparkplug datatype); the same table as the OPC UA address space.
LINE_METRICS: dict[str, tuple[str, DataType]] = {
    "state": ("Status/StateCurrent", DataType.INT32),
    "unit_mode": ("Status/UnitModeCurrent", DataType.INT32),
    "mach_speed": ("Status/MachSpeed", DataType.DOUBLE),
    "cur_mach_speed": ("Status/CurMachSpeed", DataType.DOUBLE),
    "processed_count": ("Admin/ProdProcessedCount", DataType.INT32),
    "defective_count": ("Admin/ProdDefectiveCount", DataType.INT32),
    "stop_reason": ("Admin/StopReason", DataType.INT32),
    "stop_reason_message": ("Admin/StopReasonMessage", DataType.STRING),
    "job_order_id": ("JobOrder/JobOrderID", DataType.STRING),
    "planned_quantity": ("JobOrder/PlannedQuantity", DataType.INT32),
    "produced_quantity": ("JobOrder/ProducedQuantity", DataType.INT32),
    "defective_quantity": ("JobOrder/DefectiveQuantity", DataType.INT32),
    "last_completed_job_order_id": ("JobOrder/LastCompletedJobOrderID", DataType.STRING),
    "completed_job_orders": ("JobOrder/CompletedJobOrders", DataType.STRING_ARRAY),
    "last_aborted_job_order_id": ("JobOrder/LastAbortedJobOrderID", DataType.STRING),
}

#: Fields written after the states, so a reader that sees ``Complete`` already has the final counts.
LATE_FIELDS = ("last_completed_job_order_id", "completed_job_orders", "last_aborted_job_order_id")

#: Command metrics (DCMD) -> datatype. A command is one trigger (Boolean true) plus its arguments.
COMMAND_METRICS: dict[str, DataType] = {
    "Command/StoreAndStart": DataType.BOOLEAN,
    "Command/Pause": DataType.BOOLEAN,
    "Command/Resume": DataType.BOOLEAN,
    "Command/Abort": DataType.BOOLEAN,
    "Command/Clear": DataType.BOOLEAN,
    "Command/Reset": DataType.BOOLEAN,
    "Command/InjectFault": DataType.BOOLEAN,
    "Command/JobOrderID": DataType.STRING,
    "Command/Quantity": DataType.INT32,
    "Command/SetupSeconds": DataType.DOUBLE,
    "Command/SecondsPerUnit": DataType.DOUBLE,
    "Command/FaultMode": DataType.STRING,
    "Command/FaultReason": DataType.STRING,
    "Command/FaultDurationSeconds": DataType.DOUBLE,
    "Command/RequestID": DataType.STRING,
}

#: The answer to the last command: its request id and the status the OPC UA method would return.
RESULT_METRICS: dict[str, DataType] = {
    "Command/LastRequestID": DataType.STRING,
    "Command/LastStatus": DataType.INT32,
}

#: trigger metric -> (OPC UA method name, argument metrics in method order)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Command/StoreAndStart": (
        "StoreAndStart",
        ("Command/JobOrderID", "Command/Quantity", "Command/SetupSeconds", "Command/SecondsPerUnit"),
    ),
    "Command/Pause": ("Pause", ()),
    "Command/Resume": ("Resume", ()),
    "Command/Abort": ("Abort", ()),
    "Command/Clear": ("Clear", ()),
    "Command/Reset": ("Reset", ()),
    "Command/InjectFault": (
        "InjectFault", ("Command/FaultMode", "Command/FaultReason", "Command/FaultDurationSeconds"),
    ),
}

NODE_REBIRTH = "Node Control/Rebirth"
BD_SEQ = "bdSeq"


def metric(name: str, datatype: DataType, value: Any, timestamp: int) -> Metric:
    """A metric with a value in the form pysparkplug encodes (arrays as tuples)."""
    if datatype == DataType.STRING_ARRAY:
        value = tuple(str(v) for v in value or ())
    return Metric(timestamp=timestamp, name=name, datatype=datatype, value=value)


def field_metrics(values: dict[str, Any], timestamp: int) -> list[Metric]:
    """Metrics for ``(field -> value)`` in the given order."""
    out = []
    for field, value in values.items():
        name, datatype = LINE_METRICS[field]
        out.append(metric(name, datatype, value, timestamp))
    return out


def birth_metrics(values: dict[str, Any], result: tuple[str, int], timestamp: int) -> list[Metric]:
    """A DBIRTH's metrics: every line value, the writable command metrics, and the last answer."""
    out = field_metrics({f: values[f] for f in LINE_METRICS}, timestamp)
    for name, datatype in COMMAND_METRICS.items():
        out.append(metric(name, datatype, _default(datatype), timestamp))
    out.append(metric("Command/LastRequestID", DataType.STRING, result[0], timestamp))
    out.append(metric("Command/LastStatus", DataType.INT32, result[1], timestamp))
    return out


def _default(datatype: DataType) -> Any:
    return {DataType.BOOLEAN: False, DataType.STRING: "", DataType.INT32: 0, DataType.DOUBLE: 0.0}[datatype]


def change_steps(old: dict[str, Any], new: dict[str, Any], states_passed: list[int]) -> list[dict[str, Any]]:
    """The DDATA payloads (field -> value) that take a reader from ``old`` to ``new``.

    Mirrors the OPC UA server's write order: changed counts and job fields with the first state
    entered, then one payload per further state (no transition is invisible), the completion
    lists with the last one.
    """
    early = {f: v for f, v in new.items() if f != "state" and f not in LATE_FIELDS and old.get(f) != v}
    late = {f: new[f] for f in LATE_FIELDS if f in new and old.get(f) != new[f]}
    states: list[int] = []
    last = old.get("state")
    for state in [*states_passed, new["state"]]:
        if state != last:
            states.append(state)
            last = state
    if not states:
        steps = [{**early, **late}]
    else:
        steps = [{**early, "state": states[0]}, *({"state": s} for s in states[1:])]
        steps[-1].update(late)
    return [step for step in steps if step]
