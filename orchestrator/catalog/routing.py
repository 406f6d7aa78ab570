"""Routing explosion: the operations an order needs, across the product and its subassemblies.

Each manufactured subassembly in the exploded BOM contributes its routing once, for its total
quantity. Precedence comes from three sources: ``after`` inside a routing; a subassembly's last
operations come before the parent operation that consumes it (``consumed_by``); and conditional
operations that do not apply are bypassed, not dropped from the chain: their successors inherit
their predecessors, so an order never loses a precedence link because a step was skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.catalog.bom import BomRow
from orchestrator.catalog.configure import Configuration
from orchestrator.catalog.expressions import EvaluationError, Evaluator, Expression
from orchestrator.catalog.model import CatalogRuleError, ItemKind, Operation, RoutingPlan


# Not frozen, for the same reason as ``BomRow``: treat operations as read-only.
@dataclass(slots=True)
class RoutedOperation:
    """One operation of the order's routing, with its times for the quantity it processes (plant minutes)."""

    id: str  # order-wide: "assemble_bike" or "eb-battery-540wh/spot_weld_cells"
    name: str
    work_centre_type: str
    item: str  # what the operation makes: the product SKU or a subassembly's item id
    quantity: float
    setup_minutes: float
    run_minutes_per_unit: float
    total_minutes: float  # setup + quantity * run, before any line's speed factor
    predecessors: tuple[str, ...]
    lines: tuple[str, ...] = ()  # lines allowed to run it (empty: any line of the work-centre type)


def explode_routing(
    config: Configuration, bom: Sequence[BomRow], evaluator: Evaluator | None = None
) -> tuple[RoutedOperation, ...]:
    """The order's operations, subassemblies first, each with the operations it must wait for."""
    if not config.valid:
        raise ValueError("only a valid configuration can be exploded; check Configuration.errors first")
    product = config.product
    evaluator = evaluator or config.evaluator()
    quantities: dict[str, float] = {}
    depth: dict[str, int] = {}
    extra_predecessors: dict[str, list[str]] = {}  # consumer operation -> final operations of what it consumes
    for row in bom:
        if row.kind is ItemKind.MANUFACTURED:
            item = row.item
            quantities[item] = quantities.get(item, 0.0) + row.quantity
            if row.level > depth.get(item, 0):
                depth[item] = row.level
            if row.consumed_by is not None:
                waiting = extra_predecessors.setdefault(row.consumed_by, [])
                waiting.extend(ref for ref in product.assemblies[item].plan.finals if ref not in waiting)
    # Deepest first: a subassembly is always deeper than every parent that consumes it.
    routings: list[tuple[str, tuple[Operation, ...], RoutingPlan, float]] = [
        (item, product.assemblies[item].routing, product.assemblies[item].plan, quantities[item])
        for item in sorted(depth, key=lambda item: -depth[item])
    ]
    routings.append((product.sku, product.routing, product.routing_plan, float(config.quantity)))
    bypassed: dict[str, tuple[str, ...]] = {}  # inactive operation -> what its successors inherit
    result: list[RoutedOperation] = []
    truth = evaluator.truth
    for item, operations, plan, quantity in routings:
        for op, ref, after in zip(operations, plan.refs, plan.after_refs, strict=True):
            extra = extra_predecessors.get(ref)
            predecessors: list[str] = []
            for p in (*after, *extra) if extra else after:
                for q in bypassed.get(p, (p,)):
                    if q not in predecessors:
                        predecessors.append(q)
            try:
                applies = op.when is None or truth(op.when)
            except EvaluationError as exc:
                raise CatalogRuleError(op.source, f"operation {op.id!r}: {exc}") from exc
            if applies:
                result.append(_routed(evaluator, op, ref, item, quantity, tuple(predecessors)))
            else:
                bypassed[ref] = tuple(predecessors)
    return tuple(result)


def _minutes(evaluator: Evaluator, op: Operation, expression: Expression, what: str) -> float:
    if expression.node is None:
        return float(expression.value)
    try:
        value = evaluator.number(expression)
    except EvaluationError as exc:
        raise CatalogRuleError(op.source, f"operation {op.id!r} {what}: {exc}") from exc
    if value < 0:
        raise CatalogRuleError(op.source, f"operation {op.id!r}: {what} formula gave {value:g} minutes")
    return value


def _routed(
    evaluator: Evaluator, op: Operation, ref: str, item: str, quantity: float, predecessors: tuple[str, ...]
) -> RoutedOperation:
    setup = _minutes(evaluator, op, op.setup_minutes, "setup_minutes")
    run = _minutes(evaluator, op, op.run_minutes, "run_minutes")
    total = round(setup + quantity * run, 4)
    return RoutedOperation(ref, op.name, op.work_centre, item, quantity, setup, run, total, predecessors, op.lines)
