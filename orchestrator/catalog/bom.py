"""BOM explosion: a valid configuration's 150% BOM turned into the exact multi-level BOM of the order.

Lines whose condition is false are dropped; quantity formulas are evaluated; scrap is added on top of
the net quantity; counted units (pcs, pair, set) are rounded up to whole units for the whole order.
Manufactured subassemblies are exploded through their own BOM one level deeper; phantom kits are blown
through: their components take the kit's place under the kit's parent. Rows come depth-first, each
parent followed by its components, as in an indented BOM.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from orchestrator.catalog.configure import Configuration
from orchestrator.catalog.expressions import EvaluationError, Evaluator
from orchestrator.catalog.model import COUNTED_UNITS, BomLine, CatalogRuleError, Item, ItemKind, Product

_ROUNDING_SLACK = 1e-9  # so 2.0000000001 pcs from float arithmetic does not become 3


# Not frozen: an explosion builds hundreds of rows and frozen dataclasses are several times slower to
# construct. Treat rows as read-only.
@dataclass(slots=True)
class BomRow:
    """One row of the exploded BOM."""

    level: int  # 1 for components of the product itself
    item: str
    name: str
    kind: ItemKind
    quantity: float  # for the whole order, scrap included, counted units rounded up
    quantity_per: float  # per unit of the parent, before scrap
    unit: str
    parent: str  # the parent item id, or the product SKU on level 1
    scrap: float
    consumed_by: str | None  # routing operation (order-wide id) that needs this component
    lead_time_days: float | None
    via_phantom: str | None = None  # the phantom kit this component was blown through from


def explode_bom(
    items: Mapping[str, Item], config: Configuration, evaluator: Evaluator | None = None
) -> tuple[BomRow, ...]:
    """The exploded, flattened BOM for ``config.quantity`` units of a valid configuration."""
    if not config.valid:
        raise ValueError("only a valid configuration can be exploded; check Configuration.errors first")
    explosion = _Explosion(items, config.product, evaluator or config.evaluator())
    explosion.lines(config.product.bom, config.product.sku, float(config.quantity), 1, None, None)
    return tuple(explosion.rows)


class _Explosion:
    """The depth-first walk; kept as a class so the hot loop reads locals, not closures."""

    def __init__(self, items: Mapping[str, Item], product: Product, evaluator: Evaluator) -> None:
        self.items = items
        self.assemblies = product.assemblies
        self.evaluator = evaluator
        self.rows: list[BomRow] = []

    def lines(
        self,
        lines: tuple[BomLine, ...],
        parent: str,
        parent_quantity: float,
        level: int,
        inherited_consumer: str | None,  # set while blowing through a phantom kit
        phantom: str | None,
    ) -> None:
        truth, number, items, append = self.evaluator.truth, self.evaluator.number, self.items, self.rows.append
        for line in lines:
            when, quantity_formula = line.when, line.quantity
            try:
                if when is not None and not truth(when):
                    continue
                per = quantity_formula.value if quantity_formula.node is None else number(quantity_formula)
            except EvaluationError as exc:
                raise CatalogRuleError(line.source, f"BOM line {line.item!r}: {exc}") from exc
            if per <= 0:
                if per < 0:
                    raise CatalogRuleError(line.source, f"BOM line {line.item!r}: quantity formula gave {per:g}")
                continue  # a formula may legitimately need none of an item (e.g. no spare trousers)
            item = items[line.item]
            gross = per * parent_quantity * (1.0 + line.scrap)
            consumer = inherited_consumer or line.consumer_ref
            kind = item.kind
            if kind is ItemKind.PHANTOM:
                self.lines(self.assemblies[item.id].bom, parent, gross, level, consumer, item.id)
                continue
            counted = item.unit in COUNTED_UNITS
            quantity = float(math.ceil(gross - _ROUNDING_SLACK)) if counted else round(gross, 4)
            row = BomRow(level, item.id, item.name, kind, quantity, per, item.unit, parent, line.scrap, consumer,
                         item.lead_time_days, phantom)  # fmt: skip
            append(row)
            if kind is ItemKind.MANUFACTURED:
                self.lines(self.assemblies[item.id].bom, item.id, quantity, level + 1, None, None)
