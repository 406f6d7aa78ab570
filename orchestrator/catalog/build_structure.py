"""Building prices, BOM lines, routings and assemblies from YAML docs, checking each locally."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from orchestrator.catalog.model import (
    WORK_CENTRE_TYPES,
    Assembly,
    BomLine,
    Item,
    ItemKind,
    Operation,
    PriceList,
    QuantityBreak,
    RoutingPlan,
    Surcharge,
    operation_ref,
)
from orchestrator.catalog.precedence import order_operations
from orchestrator.catalog.schema import AssemblyDoc, BomLineDoc, OperationDoc, PriceDoc
from orchestrator.catalog.scope import ExpressionScope
from orchestrator.catalog.texts import texts_of

LINE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
OPERATION_ID_HINT = "snake_case, e.g. 'install_self_cleaning_module'"


def build_price(scope: ExpressionScope, doc: PriceDoc) -> PriceList:
    """The price list: base, surcharges (conditional, formulas allowed) and quantity breaks."""
    context = scope.context
    if doc.base < 0:
        context.problem(doc, "base", "bad_price", "base price cannot be negative")
    surcharges = tuple(
        Surcharge(
            s.label,
            scope.compile(s.amount, s, "amount"),
            context.at(s),
            scope.compile(s.when, s, "when") if s.when is not None else None,
            texts_of(s.i18n),
        )
        for s in doc.surcharges
    )
    breaks: list[QuantityBreak] = []
    for b in doc.quantity_breaks:
        if not 0 < b.discount_percent < 100:
            context.problem(b, "discount_percent", "bad_price", "discount_percent must be between 0 and 100")
        if breaks and b.min_quantity <= breaks[-1].min_quantity:
            context.problem(b, "min_quantity", "bad_price", "quantity breaks must be listed by rising min_quantity")
        breaks.append(QuantityBreak(b.min_quantity, b.discount_percent, context.at(b)))
    return PriceList(doc.currency, doc.base, context.at(doc), surcharges, tuple(breaks))


def build_routing(scope: ExpressionScope, docs: Sequence[OperationDoc], owner: str) -> tuple[Operation, ...]:
    """A routing's operations in a precedence-respecting order, with ``after`` resolved."""
    context = scope.context
    operations: list[Operation] = []
    ids: set[str] = set()
    previous: str | None = None
    for doc in docs:
        if not doc.id.isidentifier() or doc.id != doc.id.lower():
            context.problem(doc, "id", "bad_id", f"operation id {doc.id!r} must be {OPERATION_ID_HINT}")
        if doc.id in ids:
            context.problem(doc, "id", "duplicate_id", f"operation {doc.id!r} appears twice in the routing of {owner}")
            continue
        ids.add(doc.id)
        if doc.work_centre not in WORK_CENTRE_TYPES:
            context.problem(
                doc,
                "work_centre",
                "unknown_work_centre",
                f"operation {doc.id!r}: work centre type "
                f"{doc.work_centre!r} is unknown{_did_you_mean(doc.work_centre, WORK_CENTRE_TYPES)}; "
                f"known types: {', '.join(sorted(WORK_CENTRE_TYPES))}",
            )
        for line in doc.lines:
            if not LINE_ID.match(line):
                context.problem(doc, "lines", "bad_id", f"operation {doc.id!r}: {line!r} is not a plant line id")
        times = {key: scope.compile(getattr(doc, key), doc, key) for key in ("setup_minutes", "run_minutes")}
        for key, expression in times.items():
            if expression.is_constant and expression.value < 0:
                context.problem(doc, key, "bad_time", f"operation {doc.id!r}: {key} cannot be negative")
        after = tuple(doc.after) if doc.after is not None else ((previous,) if previous else ())
        when = scope.compile(doc.when, doc, "when") if doc.when is not None else None
        operations.append(
            Operation(
                doc.id,
                doc.name,
                doc.work_centre,
                times["setup_minutes"],
                times["run_minutes"],
                context.at(doc),
                when,
                after,
                tuple(doc.lines),
                texts_of(doc.i18n),
            )
        )
        previous = doc.id
    return order_operations(context, operations, owner)


def build_bom(
    scope: ExpressionScope,
    docs: Sequence[BomLineDoc],
    items: Mapping[str, Item],
    routing: Sequence[Operation] | None,
    owner: str,
    product_level: bool = False,
) -> tuple[BomLine, ...]:
    """BOM lines of a product (``product_level``) or assembly; ``routing`` is the owner's (None for a phantom kit)."""
    context = scope.context

    def ref(operation_id: str) -> str:
        return operation_ref(None if product_level else owner, operation_id)

    operation_ids = [op.id for op in routing or ()]
    first_operation = _first_listed(routing)
    lines: list[BomLine] = []
    for doc in docs:
        item = items.get(doc.item)
        if item is None:
            context.problem(
                doc,
                "item",
                "unknown_item",
                f"{owner}: item {doc.item!r} is not in the item master{_did_you_mean(doc.item, items)}",
            )
        elif doc.unit is not None and doc.unit != item.unit:
            context.problem(
                doc, "unit", "unit_mismatch", f"{owner}: {doc.item!r} is kept in {item.unit}, not {doc.unit}"
            )
        if not 0 <= doc.scrap < 1:
            context.problem(
                doc,
                "scrap",
                "bad_quantity",
                f"{owner}: scrap of {doc.item!r} must be a fraction from 0 to below 1 (0.05 for 5 %)",
            )
        quantity = scope.compile(doc.quantity, doc, "quantity")
        if quantity.is_constant and not quantity.value > 0:
            context.problem(doc, "quantity", "bad_quantity", f"{owner}: quantity of {doc.item!r} must be positive")
        consumed_by = doc.consumed_by
        if routing is None and consumed_by is not None:
            context.problem(
                doc,
                "consumed_by",
                "unknown_operation",
                f"{owner} is a phantom kit: its lines take the "
                "consuming operation from the line that uses the kit; remove consumed_by",
            )
        elif consumed_by is not None and consumed_by not in operation_ids:
            context.problem(
                doc,
                "consumed_by",
                "unknown_operation",
                f"{owner}: consumed_by {consumed_by!r} is not an "
                f"operation of its routing ({', '.join(operation_ids) or 'none'})",
            )
        when = scope.compile(doc.when, doc, "when") if doc.when is not None else None
        consumer = consumed_by or first_operation
        lines.append(
            BomLine(
                doc.item, quantity, context.at(doc), when, doc.scrap, doc.unit, consumer, consumer and ref(consumer)
            )
        )
    return tuple(lines)


def _first_listed(routing: Sequence[Operation] | None) -> str | None:
    """The operation that no other operation of the routing must precede: the default consumer."""
    if not routing:
        return None
    return next((op.id for op in routing if not op.after), routing[0].id)


def build_assemblies(
    scope: ExpressionScope, docs: Sequence[AssemblyDoc], items: Mapping[str, Item]
) -> dict[str, Assembly]:
    """Assemblies by item id: manufactured subassemblies (BOM + routing) and phantom kits (BOM only)."""
    context = scope.context
    assemblies: dict[str, Assembly] = {}
    for doc in docs:
        item = items.get(doc.item)
        if doc.item in assemblies:
            context.problem(
                doc,
                "item",
                "duplicate_id",
                f"assembly {doc.item!r} is defined twice (first at line {assemblies[doc.item].source.line})",
            )
            continue
        if item is None:
            context.problem(
                doc,
                "item",
                "unknown_item",
                f"assembly {doc.item!r} is not in the item master{_did_you_mean(doc.item, items)}",
            )
        elif item.kind not in (ItemKind.MANUFACTURED, ItemKind.PHANTOM):
            context.problem(
                doc,
                "item",
                "unexpected_assembly",
                f"{doc.item!r} is a {item.kind.value} item; only manufactured and phantom items have assemblies",
            )
        phantom = item is not None and item.kind is ItemKind.PHANTOM
        if phantom and doc.routing:
            context.problem(
                doc,
                "routing",
                "unexpected_routing",
                f"phantom kit {doc.item!r} is never built, so it "
                "cannot have a routing; move the operations to the parent",
            )
        if not doc.bom:
            context.problem(doc, "bom", "empty_bom", f"assembly {doc.item!r} has no BOM lines")
        if not phantom and item is not None and not doc.routing:
            context.problem(doc, "item", "no_routing", f"manufactured item {doc.item!r} has no routing")
        routing = () if phantom else build_routing(scope, doc.routing, doc.item)
        bom = build_bom(scope, doc.bom, items, None if phantom else routing, doc.item)
        assemblies[doc.item] = Assembly(doc.item, bom, routing, context.at(doc), RoutingPlan.of(doc.item, routing))
    return assemblies


def _did_you_mean(word: str, known: Mapping[str, object] | frozenset[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
