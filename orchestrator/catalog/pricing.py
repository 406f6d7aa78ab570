"""Pricing a valid configuration: base, option surcharges, conditional surcharges, quantity breaks.

Amounts are ``Decimal`` rounded half-up to cents at each breakdown line, so the breakdown adds up to
the unit price exactly; the total is the unit price times the quantity.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orchestrator.catalog.configure import Configuration
from orchestrator.catalog.expressions import EvaluationError, Evaluator
from orchestrator.catalog.model import CatalogRuleError, OptionType, QuantityBreak

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One line of the price breakdown, per unit. ``code`` is stable (base, option:<id>, surcharge, discount)."""

    code: str
    label: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Price:
    """What the customer pays."""

    currency: str
    unit: Decimal
    total: Decimal
    quantity: int
    breakdown: tuple[PriceLine, ...]


def money(amount: Decimal | float) -> Decimal:
    """An amount rounded half-up to cents."""
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)


def price_configuration(config: Configuration, evaluator: Evaluator | None = None) -> Price:
    """The unit and total price of a valid configuration, with a per-unit breakdown."""
    if not config.valid:
        raise ValueError("only a valid configuration can be priced; check Configuration.errors first")
    product, values = config.product, config.options
    price_list = product.price
    evaluator = evaluator or config.evaluator()
    lines = [PriceLine("base", product.name, money(price_list.base))]
    for option in product.options:
        value = values[option.id]
        if option.type is OptionType.CHOICE:
            chosen = option.choice(value)
            if chosen is not None and chosen.surcharge:
                lines.append(
                    PriceLine(f"option:{option.id}", f"{option.label}: {chosen.label}", money(chosen.surcharge))
                )
        elif option.type is OptionType.MULTI_CHOICE:
            for choice in option.choices:
                if choice.id in value and choice.surcharge:
                    lines.append(
                        PriceLine(f"option:{option.id}", f"{option.label}: {choice.label}", money(choice.surcharge))
                    )
        elif option.type is OptionType.BOOLEAN and value is True and option.surcharge:
            lines.append(PriceLine(f"option:{option.id}", option.label, money(option.surcharge)))
    for surcharge in price_list.surcharges:
        try:
            if not evaluator.truth(surcharge.when):
                continue
            amount = money(evaluator.number(surcharge.amount))
        except EvaluationError as exc:
            raise CatalogRuleError(surcharge.source, f"surcharge {surcharge.label!r}: {exc}") from exc
        if amount:
            lines.append(PriceLine("surcharge", surcharge.label, amount))
    subtotal = sum((line.amount for line in lines), Decimal(0))
    applicable = _quantity_break(price_list.quantity_breaks, config.quantity)
    if applicable is not None:
        discount = money(subtotal * applicable.discount_percent / 100)
        lines.append(
            PriceLine(
                "discount",
                f"Quantity discount {applicable.discount_percent:g} % from {applicable.min_quantity} units",
                -discount,
            )
        )
    unit = sum((line.amount for line in lines), Decimal(0))
    return Price(price_list.currency, unit, unit * config.quantity, config.quantity, tuple(lines))


def _quantity_break(breaks: tuple[QuantityBreak, ...], quantity: int) -> QuantityBreak | None:
    """The largest break the quantity reaches (breaks are ascending)."""
    reached = [b for b in breaks if quantity >= b.min_quantity]
    return reached[-1] if reached else None
