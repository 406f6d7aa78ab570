"""Our work orders in ISA-95 / B2MML JobOrder JSON, and JobResponses back as work order statuses.

The customer order and routing operation travel as JobOrder parameters (``OrderID``,
``OperationID``) next to the times the MES needs (``SetupSeconds``, ``SecondsPerUnit``, plant
seconds). The mapping is deterministic, so releasing the same work order twice sends the same JSON,
which is what makes the MES's idempotency check hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.ports.mes import MesError, WorkOrder, WorkOrderState, WorkOrderStatus

_STATES = {
    "Waiting": WorkOrderState.WAITING,
    "Ready": WorkOrderState.READY,
    "Running": WorkOrderState.RUNNING,
    "Held": WorkOrderState.HELD,
    "Completed": WorkOrderState.COMPLETED,
    "Aborted": WorkOrderState.ABORTED,
    "Withdrawn": WorkOrderState.WITHDRAWN,
}


def _number(value: float) -> str:
    # B2MML quantities are strings; "2" rather than "2.0" for whole numbers, full precision otherwise.
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def job_order(work_order: WorkOrder) -> dict[str, Any]:
    """The B2MML JobOrder JSON for a work order."""
    wo = work_order
    return {
        "JobOrderID": wo.id,
        "Description": wo.description or f"{wo.operation_id} for order {wo.order_id}",
        "HierarchyScope": {"EquipmentID": wo.line, "EquipmentLevel": "WorkCenter"},
        "WorkMasterID": wo.work_master,
        "StartTime": wo.planned_start.isoformat(),
        "EndTime": wo.planned_end.isoformat(),
        "Priority": wo.priority,
        "DispatchStatus": "Released" if wo.released else "Pending",
        "PlannedQuantity": wo.quantity,
        "Parameters": [
            {"ID": "SetupSeconds", "Value": float(wo.setup_seconds), "UnitOfMeasure": "s"},
            {"ID": "SecondsPerUnit", "Value": float(wo.seconds_per_unit), "UnitOfMeasure": "s"},
            {"ID": "OrderID", "Value": wo.order_id},
            {"ID": "OperationID", "Value": wo.operation_id},
        ],
        "MaterialRequirements": [
            {
                "MaterialDefinitionID": m.material_id,
                "Quantity": {"QuantityString": _number(m.quantity), "UnitOfMeasure": m.unit},
            }
            for m in wo.materials
        ],
        "Predecessors": list(wo.predecessors),
    }


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def work_order_status(job_response: dict[str, Any]) -> WorkOrderStatus:
    """A work order status from B2MML JobResponse JSON."""
    try:
        state = _STATES[job_response["JobState"]]
        return WorkOrderStatus(
            id=job_response["JobOrderID"],
            line=job_response["EquipmentID"],
            state=state,
            produced=int(job_response.get("ProducedQuantity") or 0),
            defective=int(job_response.get("DefectiveQuantity") or 0),
            actual_start=_time(job_response.get("ActualStartTime")),
            actual_end=_time(job_response.get("ActualEndTime")),
            stop_reason=job_response.get("StopReason"),
            sequence=job_response.get("Sequence"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MesError(f"the MES sent a JobResponse this adapter cannot read ({exc!r}): {job_response}") from exc
