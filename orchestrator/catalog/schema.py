"""The shape of the catalog's YAML files, as strict pydantic models that remember their line numbers.

These models only check structure and types (unknown keys, missing keys, wrong types). Meaning (item
references, expressions, cycles, ...) is checked later on the domain model by ``checks``.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, PrivateAttr, model_validator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from orchestrator.catalog.marked_yaml import MarkedMap
from orchestrator.catalog.texts import TRANSLATION_LANGUAGES


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _number_or_formula(value: Any) -> float | str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number or a formula in quotes, got {value!r}")
    return float(value)


def _condition(value: Any) -> bool | str:
    if isinstance(value, bool | str):
        return value
    raise ValueError(f"expected a condition (text such as \"colour == 'white'\") or true/false, got {value!r}")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number such as 49.90, got {value!r}")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"expected a number such as 49.90, got {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return amount


def _money(value: Any) -> Decimal:
    amount = _decimal(value)
    cents = amount.quantize(Decimal("0.01"))
    if cents != amount:
        raise ValueError(f"amounts have at most two decimals, got {value!r}")
    return cents


def _language(value: Any) -> str:
    if value not in TRANSLATION_LANGUAGES:
        raise ValueError(
            f"unknown language {value!r} in an i18n block; translations may be given for "
            f"{', '.join(TRANSLATION_LANGUAGES)} (the catalog's own texts are the English ones)"
        )
    return str(value)


def _translated(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected translated text, got {value!r} (quote it if YAML reads it as something else)")
    if not value.strip():
        raise ValueError("a translation cannot be empty; remove the key to show the English text")
    return value.strip()


Number = Annotated[float, PlainValidator(_number)]
NumberOrFormula = Annotated[float | str, PlainValidator(_number_or_formula)]
Condition = Annotated[bool | str, PlainValidator(_condition)]
Money = Annotated[Decimal, PlainValidator(_money)]
Percent = Annotated[Decimal, PlainValidator(_decimal)]
Language = Annotated[str, PlainValidator(_language)]
Translated = Annotated[str, PlainValidator(_translated)]


class Doc(BaseModel):
    """Base of every YAML mapping: strict, no unknown keys, and keeps the mapping's line numbers."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    _line: int = PrivateAttr(default=0)
    _key_lines: dict[str, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_position(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        doc = handler(data)
        if isinstance(data, MarkedMap):
            doc._line = data.line
            doc._key_lines = {str(k): v for k, v in data.key_lines.items()}
        return doc

    @property
    def line(self) -> int:
        """The line the mapping starts on."""
        return self._line

    def line_of(self, key: str) -> int:
        """The line of ``key`` (or of the mapping when the key is absent)."""
        return self._key_lines.get(key, self._line)


# Translation blocks: ``i18n: {<language>: {<field>: <text>}}``; each element may translate only its own texts.


class ItemTextsDoc(Doc):
    """An item's translated texts."""

    name: Translated | None = None
    description: Translated | None = None


class ProductTextsDoc(Doc):
    """A product's translated texts."""

    name: Translated | None = None
    description: Translated | None = None


class OptionTextsDoc(Doc):
    """An option's translated texts (``section`` is the group heading the option is shown under)."""

    label: Translated | None = None
    help: Translated | None = None
    section: Translated | None = None
    unit: Translated | None = None


class LabelTextsDoc(Doc):
    """The translated label of a choice, a surcharge or a derived value."""

    label: Translated | None = None


class ConstraintTextsDoc(Doc):
    """A constraint's translated message."""

    message: Translated | None = None


class OperationTextsDoc(Doc):
    """An operation's translated name."""

    name: Translated | None = None


class ItemDoc(Doc):
    """An entry of items.yaml."""

    id: str
    name: str
    kind: Literal["purchased", "stocked", "manufactured", "phantom"]
    unit: str
    lead_time_days: Number | None = None
    description: str = ""
    i18n: dict[Language, ItemTextsDoc] = {}


class ItemsFile(Doc):
    """items.yaml: the item master."""

    items: list[ItemDoc]


class ChoiceDoc(Doc):
    """One value of a choice or multi-choice option."""

    id: str
    label: str
    surcharge: Money = Decimal("0.00")
    i18n: dict[Language, LabelTextsDoc] = {}


class OptionDoc(Doc):
    """A configurable option; type-specific keys are checked by the builder."""

    id: str
    label: str
    type: Literal["choice", "multi_choice", "boolean", "number", "text"]
    section: str | None = None
    help: str | None = None
    required: bool = False
    default: Any = None
    choices: list[ChoiceDoc] | None = None
    min_selected: int | None = None
    max_selected: int | None = None
    min: Number | None = None
    max: Number | None = None
    step: Number | None = None
    unit: str | None = None
    max_length: int | None = None
    pattern: str | None = None
    surcharge: Money | None = None
    personal: bool = False
    i18n: dict[Language, OptionTextsDoc] = {}


class DerivedDoc(Doc):
    """A named value computed from options."""

    id: str
    expression: NumberOrFormula
    label: str = ""
    i18n: dict[Language, LabelTextsDoc] = {}


class ConstraintDoc(Doc):
    """A rule: exactly one of requires, excludes, allowed_values, relation."""

    id: str | None = None
    requires: Condition | None = None
    excludes: Condition | None = None
    allowed_values: list[str] | None = None
    relation: Condition | None = None
    when: Condition | None = None
    option: str | None = None
    message: str
    i18n: dict[Language, ConstraintTextsDoc] = {}


class SurchargeDoc(Doc):
    """A conditional price addition per unit."""

    label: str
    amount: NumberOrFormula
    when: Condition | None = None
    i18n: dict[Language, LabelTextsDoc] = {}


class QuantityBreakDoc(Doc):
    """A volume discount step."""

    min_quantity: int = Field(ge=2)
    discount_percent: Percent


class PriceDoc(Doc):
    """The product's price list."""

    currency: str = Field(pattern=r"^[A-Z]{3}$")
    base: Money
    surcharges: list[SurchargeDoc] = []
    quantity_breaks: list[QuantityBreakDoc] = []


class BomLineDoc(Doc):
    """A line of a 150% BOM."""

    item: str
    quantity: NumberOrFormula = 1.0
    when: Condition | None = None
    scrap: Number = 0.0
    unit: str | None = None
    consumed_by: str | None = None
    note: str = ""


class OperationDoc(Doc):
    """A routing operation."""

    id: str
    name: str
    work_centre: str
    setup_minutes: NumberOrFormula = 0.0
    run_minutes: NumberOrFormula
    when: Condition | None = None
    after: list[str] | None = None
    lines: list[str] = []
    note: str = ""
    i18n: dict[Language, OperationTextsDoc] = {}


class AssemblyDoc(Doc):
    """The BOM (and routing, unless a phantom kit) of a subassembly item."""

    item: str
    bom: list[BomLineDoc]
    routing: list[OperationDoc] = []


class ProductFile(Doc):
    """<sku>.yaml: one configurable product."""

    sku: str
    name: str
    description: str = ""
    max_quantity: int = Field(default=1000, ge=1)
    options: list[OptionDoc]
    derived: list[DerivedDoc] = []
    constraints: list[ConstraintDoc] = []
    price: PriceDoc
    bom: list[BomLineDoc]
    routing: list[OperationDoc] = []
    assemblies: list[AssemblyDoc] = []
    i18n: dict[Language, ProductTextsDoc] = {}
