"""The order's plan from the catalog: operations to book and leaf materials to provide."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from orchestrator.catalog.model import LEAF_KINDS, Catalog
from orchestrator.catalog.quote import Quote, quote
from workflows.contracts import OperationSpec
from workflows.order.types import MaterialLine, OrderPlan


class InvalidConfiguration(ValueError):
    """The configuration does not satisfy the catalog; ``problems`` names each one."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p['option']}: {p['message']}" for p in problems))


class CatalogPlanner:
    """Explodes configurations with the catalog (implements the order activities' ``OrderPlanner``)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def problems(self, sku: str, options: dict, quantity: int) -> list[dict[str, Any]]:
        """Every problem of the configuration (empty when valid)."""
        try:
            q = quote(self.catalog, sku, options, quantity)
        except LookupError as exc:
            return [{"option": "/sku", "code": "unknown_product", "message": str(exc)}]
        return [{"option": e.option, "code": e.code, "message": e.message} for e in q.errors]

    def plan(self, sku: str, options: dict, quantity: int) -> OrderPlan:
        """The plan of a valid configuration; ``InvalidConfiguration`` otherwise."""
        try:
            q = quote(self.catalog, sku, options, quantity)
        except LookupError as exc:
            raise InvalidConfiguration([{"option": "/sku", "code": "unknown_product", "message": str(exc)}]) from exc
        if not q.valid:
            raise InvalidConfiguration(
                [{"option": e.option, "code": e.code, "message": e.message} for e in q.errors])
        return plan_from_quote(sku, q)


def plan_from_quote(sku: str, q: Quote) -> OrderPlan:
    """Operations (with precedence) and the leaf materials of a valid quote, summed per item."""
    operations = [
        OperationSpec(
            op_id=op.id.replace("/", ":"),
            name=op.name,
            op_type=op.work_centre_type,
            setup_minutes=op.setup_minutes,
            run_minutes_per_unit=op.run_minutes_per_unit,
            quantity=max(1, math.ceil(op.quantity - 1e-9)),
            predecessors=[p.replace("/", ":") for p in op.predecessors],
            work_master=f"{sku}/{op.id}",
        )
        for op in q.routing
    ]
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in q.bom:
        if row.kind in LEAF_KINDS:
            totals[(row.item, row.unit)] += row.quantity
    materials = [MaterialLine(item=item, quantity=round(qty, 6), unit=unit) for (item, unit), qty in totals.items()]
    return OrderPlan(operations=operations, materials=materials)
