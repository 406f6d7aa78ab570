"""The plant's OPC UA address space: ``Objects/Machines/<Line>`` with PackML status, admin and job nodes.

String node ids in namespace ``urn:c2m:plant-simulator``: ``Machines/<Line>/Status/StateCurrent``
and so on (the table is :data:`NODES`). :class:`LineNodes` writes a line's values, only those that
changed, in an order that keeps clients consistent: counts and job fields first, then every state
the line passed through, then the completion lists (a client that sees ``Complete`` already has
the final counts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

from asyncua import Node, Server, ua

NAMESPACE = "urn:c2m:plant-simulator"

#: field -> (path under Machines/<Line>, variant type, is an array)
NODES: dict[str, tuple[str, ua.VariantType, bool]] = {
    "state": ("Status/StateCurrent", ua.VariantType.Int32, False),
    "unit_mode": ("Status/UnitModeCurrent", ua.VariantType.Int32, False),
    "mach_speed": ("Status/MachSpeed", ua.VariantType.Double, False),
    "cur_mach_speed": ("Status/CurMachSpeed", ua.VariantType.Double, False),
    "processed_count": ("Admin/ProdProcessedCount", ua.VariantType.Int32, False),
    "defective_count": ("Admin/ProdDefectiveCount", ua.VariantType.Int32, False),
    "stop_reason": ("Admin/StopReason", ua.VariantType.Int32, False),
    "stop_reason_message": ("Admin/StopReasonMessage", ua.VariantType.String, False),
    "job_order_id": ("JobOrder/JobOrderID", ua.VariantType.String, False),
    "planned_quantity": ("JobOrder/PlannedQuantity", ua.VariantType.Int32, False),
    "produced_quantity": ("JobOrder/ProducedQuantity", ua.VariantType.Int32, False),
    "defective_quantity": ("JobOrder/DefectiveQuantity", ua.VariantType.Int32, False),
    "last_completed_job_order_id": ("JobOrder/LastCompletedJobOrderID", ua.VariantType.String, False),
    "completed_job_orders": ("JobOrder/CompletedJobOrders", ua.VariantType.String, True),
    "last_aborted_job_order_id": ("JobOrder/LastAbortedJobOrderID", ua.VariantType.String, False),
}
_LAST = ("last_completed_job_order_id", "completed_job_orders", "last_aborted_job_order_id")

#: method name -> (input arguments (name, type, description), description)
METHODS: dict[str, tuple[list[tuple[str, ua.VariantType, str]], str]] = {
    "StoreAndStart": (
        [
            ("JobOrderID", ua.VariantType.String, "job order id (idempotency key)"),
            ("Quantity", ua.VariantType.Int32, "good units to produce"),
            ("SetupSeconds", ua.VariantType.Double, "setup time, plant seconds at nominal speed"),
            ("SecondsPerUnit", ua.VariantType.Double, "run time per unit, plant seconds at nominal speed"),
        ],
        "Load a job order on the idle line and start it",
    ),
    "Pause": ([], "Suspend the running job"),
    "Resume": ([], "Resume a suspended job, or end a held fault"),
    "Abort": ([], "Abort the job"),
    "Clear": ([], "Complete/Aborted/Stopped -> Idle"),
    "Reset": ([], "Complete/Aborted/Stopped -> Idle"),
    "InjectFault": (
        [
            ("Mode", ua.VariantType.String, "hold or abort"),
            ("Reason", ua.VariantType.String, "stop reason message"),
            ("DurationSeconds", ua.VariantType.Double, "hold duration in plant seconds; 0: until Resume"),
        ],
        "Make the line fail: hold or abort the running job",
    ),
}

MethodHandler = Callable[..., Awaitable[list[ua.Variant]]]


def node_id(path: str, ns: int) -> ua.NodeId:
    """The string node id ``ns=<ns>;s=<path>``."""
    return ua.NodeId(ua.String(path), ua.Int16(ns))


def _argument(name: str, vtype: ua.VariantType, description: str) -> ua.Argument:
    arg = ua.Argument()
    arg.Name = name
    arg.DataType = ua.NodeId(ua.Int32(vtype.value))
    arg.ValueRank = -1
    arg.Description = ua.LocalizedText(description)
    return arg


def _status_output() -> ua.Argument:
    return _argument("Status", ua.VariantType.Int32, "0 ok, 1 not allowed in this state, 2 bad arguments")


async def build_machines(server: Server, ns: int) -> Node:
    """Create ``Objects/Machines``."""
    objects = server.get_objects_node()
    return await objects.add_object(node_id("Machines", ns), ua.QualifiedName("Machines", ns))


class LineNodes:
    """The nodes of one line, and the values last written to them."""

    def __init__(self, server: Server, ns: int, line: str) -> None:
        self.server, self.ns, self.line = server, ns, line
        self.node_ids = {f: node_id(f"Machines/{line}/{path}", ns) for f, (path, _, _) in NODES.items()}
        self._shown: dict[str, Any] = {}

    async def build(self, machines: Node, values: dict[str, Any], handlers: dict[str, MethodHandler]) -> None:
        """Create the line object, its folders, variables (with ``values``) and methods."""
        ns, line = self.ns, self.line
        obj = await machines.add_object(node_id(f"Machines/{line}", ns), ua.QualifiedName(line, ns))
        folders: dict[str, Node] = {}
        for group in ("Status", "Admin", "JobOrder"):
            folders[group] = await obj.add_object(
                node_id(f"Machines/{line}/{group}", ns), ua.QualifiedName(group, ns)
            )
        for field, (path, vtype, is_array) in NODES.items():
            group, name = path.split("/")
            node = await folders[group].add_variable(
                self.node_ids[field], ua.QualifiedName(name, ns), ua.Variant(values[field], vtype), vtype
            )
            if is_array:
                await node.write_value_rank(ua.ValueRank.OneDimension)
                dimensions = ua.DataValue(ua.Variant([0], ua.VariantType.UInt32))
                await node.write_attribute(ua.AttributeIds.ArrayDimensions, dimensions)
        for method, (inputs, _description) in METHODS.items():
            await obj.add_method(
                node_id(f"Machines/{line}/{method}", ns),
                ua.QualifiedName(method, ns),
                handlers[method],
                [_argument(*arg) for arg in inputs],
                [_status_output()],
            )
        self._shown = dict(values)

    @property
    def shown(self) -> dict[str, Any]:
        """The values clients currently see."""
        return self._shown

    async def show(self, values: dict[str, Any], states_passed: list[int]) -> int:
        """Write the values that changed; ``states_passed`` lists every state entered since the last call.

        Returns how many values were written.
        """
        now = cast(ua.DateTime, datetime.now(UTC))
        writes: list[tuple[str, Any]] = [
            (f, v) for f, v in values.items() if f != "state" and f not in _LAST and self._shown.get(f) != v
        ]
        # Every state entered is written in order, so no transition is invisible to a subscriber.
        last = self._shown.get("state")
        for state in [*states_passed, values["state"]]:
            if state != last:
                writes.append(("state", state))
                last = state
        writes += [(f, values[f]) for f in _LAST if self._shown.get(f) != values[f]]
        for field, value in writes:
            _, vtype, _ = NODES[field]
            data = ua.DataValue(ua.Variant(value, vtype), SourceTimestamp=now, ServerTimestamp=now)
            await self.server.write_attribute_value(self.node_ids[field], data)
            self._shown[field] = value
        return len(writes)
