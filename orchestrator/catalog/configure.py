"""Validating a customer's configuration against a product: every problem at once, never a silent default.

``configure`` resolves defaults, checks every value strictly, computes derived values and evaluates
each constraint. Unknown options are errors. A constraint that reads an option whose value is already
wrong is skipped, so one mistake does not cascade into a list of follow-on messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.catalog.expressions import EvaluationError, Evaluator, Expression
from orchestrator.catalog.model import Constraint, ConstraintKind, Product
from orchestrator.catalog.values import ConfigError, normalise, option_value_problems

QUANTITY_POINTER = "/quantity"


@dataclass(frozen=True)
class Configuration:
    """A product configured by a customer: resolved values, and the errors that make it invalid."""

    product: Product
    options: Mapping[str, Any]  # every option's value (defaults filled in), invalid ones left out
    values: Mapping[str, Any]  # options plus derived values: the names expressions see
    quantity: int
    errors: tuple[ConfigError, ...]

    @property
    def valid(self) -> bool:
        """True when the configuration can be priced, exploded and ordered."""
        return not self.errors

    def evaluator(self, precompiled: bool = True) -> Evaluator:
        """A fresh evaluator over this configuration's values."""
        return Evaluator(self.values, precompiled=precompiled)


def configure(product: Product, options: Mapping[str, Any], quantity: Any = 1) -> Configuration:
    """Check ``options`` (option id -> value) and ``quantity`` for ``product``; collect every error."""
    errors: list[ConfigError] = []
    for key in options:
        if product.option(key) is None:
            errors.append(_unknown_option(product, key))
    values: dict[str, Any] = {}
    unavailable: set[str] = set()
    for option in product.options:
        given = option.id in options
        value = options[option.id] if given else option.default
        if not given and value is None:
            errors.append(ConfigError(option.id, "missing_value", f"{option.label}: a value is required"))
            unavailable.add(option.id)
            continue
        problems = option_value_problems(option, value)
        if problems:
            errors.extend(problems)
            unavailable.add(option.id)
            continue
        values[option.id] = normalise(option, value)
    resolved_options = dict(values)
    evaluator = Evaluator(values)
    for derived in product.derived:
        if derived.expression.names & unavailable:
            unavailable.add(derived.id)
            continue
        try:
            values[derived.id] = evaluator.value(derived.expression)
        except EvaluationError as exc:
            errors.append(_rule_failed(product, derived.expression, exc))
            unavailable.add(derived.id)
    for constraint in product.constraints:
        if constraint.option in unavailable or any(_reads(e) & unavailable for e in (constraint.when, constraint.test)):
            continue
        error = _check_constraint(constraint, evaluator, values)
        if error is not None:
            errors.append(error)
    errors.extend(quantity_errors(product, quantity))
    ok_quantity = quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else 0
    return Configuration(product, resolved_options, values, ok_quantity, tuple(errors))


def quantity_errors(product: Product, quantity: Any) -> list[ConfigError]:
    """Problems with the ordered quantity (a whole number from 1 to the product's maximum)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return [ConfigError(QUANTITY_POINTER, "wrong_type", f"quantity must be a whole number, got {quantity!r}")]
    if not 1 <= quantity <= product.max_quantity:
        return [
            ConfigError(
                QUANTITY_POINTER,
                "out_of_range",
                f"quantity must be from 1 to {product.max_quantity} for {product.name}, got {quantity}",
            )
        ]
    return []


def _reads(expression: Expression | None) -> frozenset[str]:
    return frozenset() if expression is None else expression.names


def _unknown_option(product: Product, key: Any) -> ConfigError:
    known = list(product.options_by_id)
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return ConfigError(
        str(key), "unknown_option", f"{product.name} has no option {key!r}; {hint}options are: {', '.join(known)}"
    )


def _check_constraint(constraint: Constraint, evaluator: Evaluator, values: Mapping[str, Any]) -> ConfigError | None:
    try:
        if not evaluator.truth(constraint.when):
            return None
        if constraint.kind is ConstraintKind.ALLOWED_VALUES:
            chosen = values[constraint.option]
            selected = chosen if isinstance(chosen, tuple) else (chosen,)
            broken = any(v not in constraint.values for v in selected)
        else:
            assert constraint.test is not None  # every other kind has a test (see build_constraints)
            holds = evaluator.truth(constraint.test)
            broken = holds if constraint.kind is ConstraintKind.EXCLUDES else not holds
    except EvaluationError as exc:
        return ConfigError(
            constraint.option, "rule_failed", f"rule {constraint.id!r} could not be checked: {exc.cause}", constraint.id
        )
    if not broken:
        return None
    return ConfigError(constraint.option, _CODES[constraint.kind], constraint.message, constraint.id)


_CODES = {
    ConstraintKind.REQUIRES: "requires_unmet",
    ConstraintKind.EXCLUDES: "excluded_combination",
    ConstraintKind.ALLOWED_VALUES: "value_not_allowed",
    ConstraintKind.RELATION: "relation_violated",
}


def _rule_failed(product: Product, expression: Expression, exc: EvaluationError) -> ConfigError:
    option = next((n for n in sorted(expression.names) if product.option(n) is not None), "/options")
    return ConfigError(option, "rule_failed", f"a value derived from your choices could not be computed: {exc.cause}")
