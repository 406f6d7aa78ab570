"""The catalog's domain types: items, configurable products, their rules, 150% BOM and routing.

Plain frozen dataclasses built by the loader from YAML and never mutated. Expressions are compiled
once at load time (see ``expressions``); every element keeps the ``Source`` (file and line) it came
from so problems found later can still point at the catalog text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from orchestrator.catalog.expressions import Expression
from orchestrator.catalog.texts import NO_TEXTS, Texts

# The plant's vocabulary of operation / work-centre types (shared by every helper and the plant file).
WORK_CENTRE_TYPES: frozenset[str] = frozenset(
    {"cutting", "sheet_metal", "welding", "painting", "sewing", "pressing", "assembly", "wiring", "testing", "packing"}
)
COUNTED_UNITS: frozenset[str] = frozenset({"pcs", "pair", "set"})  # rounded up to whole units
MEASURED_UNITS: frozenset[str] = frozenset({"m", "m2", "kg", "l"})
UNITS: frozenset[str] = COUNTED_UNITS | MEASURED_UNITS


@dataclass(frozen=True, slots=True)
class Source:
    """Where a catalog element was written: file and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class ItemKind(StrEnum):
    """How the factory obtains an item."""

    PURCHASED = "purchased"
    STOCKED = "stocked"
    MANUFACTURED = "manufactured"
    PHANTOM = "phantom"


LEAF_KINDS: frozenset[ItemKind] = frozenset({ItemKind.PURCHASED, ItemKind.STOCKED})


@dataclass(frozen=True, slots=True)
class Item:
    """An entry of the item master."""

    id: str
    name: str
    kind: ItemKind
    unit: str
    source: Source
    lead_time_days: float | None = None
    description: str = ""
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)


class OptionType(StrEnum):
    """The kinds of question a configurator asks."""

    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    BOOLEAN = "boolean"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of a choice or multi-choice option, with its price surcharge per unit."""

    id: str
    label: str
    surcharge: Decimal = Decimal(0)
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)


@dataclass(frozen=True, slots=True)
class Option:
    """A configurable option. Which fields matter depends on ``type`` (see docs/catalog.md)."""

    id: str
    label: str
    type: OptionType
    source: Source
    section: str | None = None
    help: str | None = None
    required: bool = False
    default: Any = None
    choices: tuple[Choice, ...] = ()
    min_selected: int | None = None
    max_selected: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    unit: str | None = None
    max_length: int | None = None
    pattern: str | None = None
    surcharge: Decimal = Decimal(0)  # boolean options: added when true
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)
    # Personal data (body measurements, a monogram): encrypted at rest, withheld from events (docs/privacy.md).
    personal: bool = False

    def choice(self, choice_id: Any) -> Choice | None:
        """The choice with this id, if any."""
        return next((c for c in self.choices if c.id == choice_id), None)

    @property
    def choice_ids(self) -> tuple[str, ...]:
        """The ids of the allowed values, in catalog order."""
        return tuple(c.id for c in self.choices)


@dataclass(frozen=True, slots=True)
class Derived:
    """A named value computed from options (e.g. fabric length), usable in later expressions."""

    id: str
    expression: Expression
    source: Source
    label: str = ""
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)


class ConstraintKind(StrEnum):
    """The rule kinds a product may state."""

    REQUIRES = "requires"  # when W holds, R must hold
    EXCLUDES = "excludes"  # when W holds, E must not hold
    ALLOWED_VALUES = "allowed_values"  # when W holds, option's value(s) must be among the listed ones
    RELATION = "relation"  # a numeric (or any boolean) relation that must hold (when W holds)


@dataclass(frozen=True, slots=True)
class Constraint:
    """A rule over options with the human message shown when it is broken."""

    id: str
    kind: ConstraintKind
    option: str  # the option an error names
    message: str
    source: Source
    when: Expression | None = None
    test: Expression | None = None  # requires/excludes/relation
    values: tuple[str, ...] = ()  # allowed_values
    names: frozenset[str] = frozenset()  # every option or derived value the rule reads
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)


@dataclass(frozen=True, slots=True)
class Surcharge:
    """A price addition per unit when a condition holds; the amount may be a formula."""

    label: str
    amount: Expression
    source: Source
    when: Expression | None = None
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)


@dataclass(frozen=True, slots=True)
class QuantityBreak:
    """From ``min_quantity`` units on, the unit price drops by ``discount_percent``."""

    min_quantity: int
    discount_percent: Decimal
    source: Source


@dataclass(frozen=True, slots=True)
class PriceList:
    """How a product is priced."""

    currency: str
    base: Decimal
    source: Source
    surcharges: tuple[Surcharge, ...] = ()
    quantity_breaks: tuple[QuantityBreak, ...] = ()  # ascending by min_quantity


@dataclass(frozen=True, slots=True)
class BomLine:
    """A line of a 150% BOM: an item, its quantity per parent unit, and when it applies."""

    item: str
    quantity: Expression
    source: Source
    when: Expression | None = None
    scrap: float = 0.0  # fraction added on top of the net quantity
    unit: str | None = None
    consumed_by: str | None = None  # operation of the parent's routing that needs it (None: inherited)
    consumer_ref: str | None = None  # the same operation's order-wide id (see ``operation_ref``)


@dataclass(frozen=True, slots=True)
class Operation:
    """A routing step on a work-centre type. ``after`` is resolved at load (default: previous step)."""

    id: str
    name: str
    work_centre: str
    setup_minutes: Expression
    run_minutes: Expression  # per unit
    source: Source
    when: Expression | None = None
    after: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()  # plant lines allowed to run it; empty: any line of the work-centre type
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)


def operation_ref(owner: str | None, operation_id: str) -> str:
    """The order-wide id of an operation: plain for the product's routing, ``item/op`` for a subassembly's."""
    return operation_id if owner is None else f"{owner}/{operation_id}"


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    """A routing's order-wide operation ids, worked out once at load so explosion only looks them up."""

    refs: tuple[str, ...] = ()
    after_refs: tuple[tuple[str, ...], ...] = ()
    finals: tuple[str, ...] = ()  # operations nothing else in the routing waits for

    @classmethod
    def of(cls, owner: str | None, routing: tuple[Operation, ...]) -> RoutingPlan:
        """The plan of ``routing`` owned by a subassembly ``owner`` (None for the product)."""
        waited_for = {ref for op in routing for ref in op.after}
        return cls(
            refs=tuple(operation_ref(owner, op.id) for op in routing),
            after_refs=tuple(tuple(operation_ref(owner, ref) for ref in op.after) for op in routing),
            finals=tuple(operation_ref(owner, op.id) for op in routing if op.id not in waited_for),
        )


@dataclass(frozen=True, slots=True)
class Assembly:
    """How a manufactured subassembly is built (BOM and routing) or what a phantom kit holds (BOM only)."""

    item: str
    bom: tuple[BomLine, ...]
    routing: tuple[Operation, ...]  # in a precedence-respecting order
    source: Source
    plan: RoutingPlan = RoutingPlan()


@dataclass(frozen=True, slots=True)
class Product:
    """A configurable product: options, rules, prices, 150% BOM and routing."""

    sku: str
    name: str
    source: Source
    options: tuple[Option, ...]
    price: PriceList
    bom: tuple[BomLine, ...]
    routing: tuple[Operation, ...]  # in a precedence-respecting order
    description: str = ""
    max_quantity: int = 1000
    derived: tuple[Derived, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    assemblies: Mapping[str, Assembly] = field(default_factory=dict)
    options_by_id: Mapping[str, Option] = field(default_factory=dict)
    routing_plan: RoutingPlan = RoutingPlan()
    texts: Texts = NO_TEXTS  # translations (the YAML's i18n block)

    def option(self, option_id: str) -> Option | None:
        """The option with this id, if any."""
        return self.options_by_id.get(option_id)


class UnknownProduct(LookupError):
    """No product with this SKU in the catalog."""

    def __init__(self, sku: str, known: tuple[str, ...]) -> None:
        super().__init__(f"no product with SKU {sku!r}; known products: {', '.join(known) or 'none'}")
        self.sku = sku
        self.known = known


@dataclass(frozen=True)
class Catalog:
    """The item master and every product, as loaded and checked from a catalog folder."""

    items: Mapping[str, Item]
    products: Mapping[str, Product]
    directory: Path | None = None

    def product(self, sku: str) -> Product:
        """The product with this SKU; ``UnknownProduct`` otherwise."""
        try:
            return self.products[sku]
        except KeyError:
            raise UnknownProduct(sku, tuple(sorted(self.products))) from None

    def item(self, item_id: str) -> Item:
        """The item master entry (``KeyError`` for unknown ids, which a checked catalog never has)."""
        return self.items[item_id]


class CatalogRuleError(RuntimeError):
    """A catalog rule failed for a configuration (e.g. a formula divided by zero or went negative).

    The configuration was valid, so this is a defect in the catalog, not the customer's mistake; the
    message names the catalog line to fix.
    """

    def __init__(self, source: Source, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
