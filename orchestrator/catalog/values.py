"""Checking one option value against its option: type, choices, range, step, length, pattern.

Values are checked strictly: a boolean must be ``true``/``false`` (not ``"yes"`` or ``1``), a number
must be a JSON number (not ``"100"``), choices are case-sensitive ids.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from orchestrator.catalog.model import Option, OptionType

_STEP_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class ConfigError:
    """A problem with a customer's configuration: which option, a stable code, a human message."""

    option: str  # option id, or a JSON pointer such as "/quantity" for request fields
    code: str
    message: str
    rule: str | None = None  # the constraint id, for constraint violations


def option_value_problems(option: Option, value: Any) -> list[ConfigError]:
    """Every problem with ``value`` for ``option`` (empty when the value is acceptable)."""
    check = _CHECKS[option.type]
    return check(option, value)


def normalise(option: Option, value: Any) -> Any:
    """The canonical form of an acceptable value: multi-choice selections as a tuple in catalog order."""
    if option.type is OptionType.MULTI_CHOICE:
        chosen = set(value)
        return tuple(c for c in option.choice_ids if c in chosen)
    return value


def _error(option: Option, code: str, message: str) -> list[ConfigError]:
    return [ConfigError(option.id, code, message)]


def _choices_text(option: Option) -> str:
    return ", ".join(option.choice_ids)


def _check_choice(option: Option, value: Any) -> list[ConfigError]:
    if not isinstance(value, str):
        return _error(
            option,
            "wrong_type",
            f"{option.label}: expected one of {_choices_text(option)} as text, got {_shown(value)}",
        )
    if option.choice(value) is None:
        return _error(
            option,
            "invalid_choice",
            f"{option.label}: {value!r} is not available; choose one of {_choices_text(option)}",
        )
    return []


def _check_multi(option: Option, value: Any) -> list[ConfigError]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return _error(
            option,
            "wrong_type",
            f"{option.label}: expected a list of choices from {_choices_text(option)}, got {_shown(value)}",
        )
    errors: list[ConfigError] = []
    for v in value:
        if option.choice(v) is None:
            errors += _error(
                option, "invalid_choice", f"{option.label}: {v!r} is not available; choose from {_choices_text(option)}"
            )
    duplicates = sorted({v for v in value if value.count(v) > 1})
    if duplicates:
        errors += _error(option, "duplicate_choice", f"{option.label}: {', '.join(duplicates)} chosen more than once")
    count = len(set(value))
    if option.min_selected is not None and count < option.min_selected:
        errors += _error(option, "too_few_choices", f"{option.label}: choose at least {option.min_selected}")
    if option.max_selected is not None and count > option.max_selected:
        errors += _error(option, "too_many_choices", f"{option.label}: choose at most {option.max_selected}")
    return errors


def _check_boolean(option: Option, value: Any) -> list[ConfigError]:
    if not isinstance(value, bool):
        return _error(option, "wrong_type", f"{option.label}: expected true or false, got {_shown(value)}")
    return []


def _check_number(option: Option, value: Any) -> list[ConfigError]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return _error(option, "wrong_type", f"{option.label}: expected a number{_unit(option)}, got {_shown(value)}")
    low, high = option.minimum, option.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        return _error(
            option,
            "out_of_range",
            f"{option.label}: {value:g}{_unit(option)} is outside the allowed "
            f"range {_g(low)} to {_g(high)}{_unit(option)}",
        )
    if option.step:
        base = low if low is not None else 0.0
        steps = (value - base) / option.step
        if abs(steps - round(steps)) > _STEP_TOLERANCE * max(1.0, abs(steps)):
            return _error(
                option,
                "off_step",
                f"{option.label}: {value:g}{_unit(option)} is not a multiple of "
                f"{option.step:g}{_unit(option)} from {base:g}",
            )
    return []


def _check_text(option: Option, value: Any) -> list[ConfigError]:
    if not isinstance(value, str):
        return _error(option, "wrong_type", f"{option.label}: expected text, got {_shown(value)}")
    if option.max_length is not None and len(value) > option.max_length:
        return _error(
            option, "too_long", f"{option.label}: {len(value)} characters, at most {option.max_length} allowed"
        )
    if option.pattern is not None and value and re.fullmatch(option.pattern, value) is None:
        return _error(
            option,
            "pattern_mismatch",
            f"{option.label}: {value!r} contains characters that cannot be used here (allowed: {option.pattern})",
        )
    return []


_CHECKS = {
    OptionType.CHOICE: _check_choice,
    OptionType.MULTI_CHOICE: _check_multi,
    OptionType.BOOLEAN: _check_boolean,
    OptionType.NUMBER: _check_number,
    OptionType.TEXT: _check_text,
}


def _unit(option: Option) -> str:
    return f" {option.unit}" if option.unit else ""


def _g(number: float | None) -> str:
    return "-" if number is None else f"{number:g}"


_JSON_KINDS = {
    bool: "boolean",
    int: "number",
    float: "number",
    str: "text",
    list: "list",
    tuple: "list",
    dict: "object",
}


def _shown(value: Any) -> str:
    """A value as a JSON client would call it, e.g. ``text '12'`` or ``boolean True``."""
    if value is None:
        return "null"
    text = repr(value)
    return f"{_JSON_KINDS.get(type(value), type(value).__name__)} {text if len(text) <= 40 else text[:37] + '...'}"
