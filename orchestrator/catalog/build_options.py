"""Building a product's options, derived values and constraints from YAML docs, checking each."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from orchestrator.catalog.model import Choice, Constraint, ConstraintKind, Derived, Option, OptionType
from orchestrator.catalog.schema import ConstraintDoc, DerivedDoc, OptionDoc
from orchestrator.catalog.scope import ExpressionScope, FileContext
from orchestrator.catalog.texts import texts_of, untranslated_fields
from orchestrator.catalog.values import option_value_problems

OPTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")

# Which type-specific keys each option type accepts; any other given key is a problem.
_TYPE_KEYS: dict[OptionType, frozenset[str]] = {
    OptionType.CHOICE: frozenset({"choices"}),
    OptionType.MULTI_CHOICE: frozenset({"choices", "min_selected", "max_selected"}),
    OptionType.BOOLEAN: frozenset({"surcharge"}),
    OptionType.NUMBER: frozenset({"min", "max", "step", "unit"}),
    OptionType.TEXT: frozenset({"max_length", "pattern"}),
}
_ALL_TYPE_KEYS = frozenset().union(*_TYPE_KEYS.values())


def build_options(context: FileContext, docs: list[OptionDoc]) -> dict[str, Option]:
    """Options by id, in catalog order; problems for ids, type-specific keys and defaults."""
    options: dict[str, Option] = {}
    for doc in docs:
        if not OPTION_ID.match(doc.id):
            context.problem(doc, "id", "bad_id", f"option id {doc.id!r} must be snake_case (e.g. 'self_cleaning')")
        if doc.id in options:
            context.problem(
                doc,
                "id",
                "duplicate_id",
                f"option {doc.id!r} is defined twice (first at line {options[doc.id].source.line})",
            )
            continue
        option_type = OptionType(doc.type)
        for key in sorted(_ALL_TYPE_KEYS - _TYPE_KEYS[option_type]):
            if getattr(doc, key) is not None:
                context.problem(
                    doc, key, "bad_option", f"option {doc.id!r}: '{key}' does not apply to {doc.type} options"
                )
        option = _build_option(context, doc, option_type)
        options[doc.id] = option
        _check_default(context, doc, option)
        _check_option_texts(context, doc, option)
    _check_section_texts(context, docs, options)
    return options


def _check_option_texts(context: FileContext, doc: OptionDoc, option: Option) -> None:
    """A translation needs an English text to translate: no ``help`` translation without ``help``."""
    present = ["label", *(name for name in ("help", "section", "unit") if getattr(option, name))]
    for lang, name in untranslated_fields(option.texts, present):
        context.problem(
            doc,
            "i18n",
            "bad_translation",
            f"option {doc.id!r}: i18n.{lang}.{name} translates a {name} the option does not have; "
            f"add '{name}:' to the option or remove the translation",
        )


def _check_section_texts(context: FileContext, docs: list[OptionDoc], options: dict[str, Option]) -> None:
    """Options of one section are shown under one heading, so they may not translate it differently."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}  # (section, lang) -> (translation, option id)
    for doc in docs:
        option = options.get(doc.id)
        if option is None or option.section is None:
            continue
        for lang, name, text in option.texts.entries:
            if name != "section":
                continue
            first = seen.setdefault((option.section, lang), (text, option.id))
            if first[0] != text:
                context.problem(
                    doc,
                    "i18n",
                    "bad_translation",
                    f"option {doc.id!r}: section {option.section!r} is translated {text!r} here but "
                    f"{first[0]!r} at option {first[1]!r}; one section has one heading, use the same text "
                    "(or give it once and leave it out here)",
                )


def _build_option(context: FileContext, doc: OptionDoc, option_type: OptionType) -> Option:
    choices = tuple(Choice(c.id, c.label, c.surcharge, texts_of(c.i18n)) for c in doc.choices or [])
    if option_type in (OptionType.CHOICE, OptionType.MULTI_CHOICE):
        if not choices:
            context.problem(doc, "choices", "bad_option", f"option {doc.id!r} needs at least one choice")
        seen: set[str] = set()
        for choice_doc in doc.choices or []:
            if not CHOICE_ID.match(choice_doc.id):
                context.problem(
                    choice_doc,
                    "id",
                    "bad_id",
                    f"choice {choice_doc.id!r} of {doc.id!r} must be lower-case letters, digits and '_'",
                )
            if choice_doc.id in seen:
                context.problem(
                    choice_doc, "id", "duplicate_id", f"choice {choice_doc.id!r} of {doc.id!r} is listed twice"
                )
            seen.add(choice_doc.id)
    if option_type is OptionType.NUMBER:
        _check_range(context, doc)
    if option_type is OptionType.TEXT:
        if doc.max_length is None or doc.max_length < 1:
            context.problem(doc, "max_length", "bad_option", f"text option {doc.id!r} needs max_length >= 1")
        if doc.pattern is not None:
            try:
                re.compile(doc.pattern)
            except re.error as exc:
                context.problem(
                    doc, "pattern", "bad_option", f"option {doc.id!r}: pattern is not a valid regular expression: {exc}"
                )
    if option_type is OptionType.MULTI_CHOICE:
        low, high = doc.min_selected or 0, doc.max_selected if doc.max_selected is not None else len(choices)
        if not 0 <= low <= high <= max(len(choices), low):
            context.problem(
                doc,
                "min_selected",
                "bad_option",
                f"option {doc.id!r}: need 0 <= min_selected <= max_selected <= number of choices ({len(choices)})",
            )
    return Option(
        id=doc.id,
        label=doc.label,
        type=option_type,
        source=context.at(doc),
        section=doc.section,
        help=doc.help,
        required=doc.required,
        default=_default(doc, option_type),
        choices=choices,
        min_selected=doc.min_selected,
        max_selected=doc.max_selected,
        minimum=doc.min,
        maximum=doc.max,
        step=doc.step,
        unit=doc.unit,
        max_length=doc.max_length,
        pattern=doc.pattern,
        surcharge=doc.surcharge if doc.surcharge is not None else Decimal("0.00"),
        texts=texts_of(doc.i18n),
        personal=doc.personal,
    )


def _check_range(context: FileContext, doc: OptionDoc) -> None:
    if doc.min is None or doc.max is None:
        context.problem(doc, None, "bad_option", f"number option {doc.id!r} needs both min and max")
    elif doc.min > doc.max:
        context.problem(doc, "min", "bad_option", f"option {doc.id!r}: min {doc.min:g} is above max {doc.max:g}")
    if doc.step is not None and doc.step <= 0:
        context.problem(doc, "step", "bad_option", f"option {doc.id!r}: step must be positive")


def _default(doc: OptionDoc, option_type: OptionType) -> Any:
    if doc.default is not None or doc.required:
        return doc.default
    # Types with a natural empty value need no explicit default.
    return {OptionType.MULTI_CHOICE: [], OptionType.BOOLEAN: False, OptionType.TEXT: ""}.get(option_type)


def _check_default(context: FileContext, doc: OptionDoc, option: Option) -> None:
    if doc.required and doc.default is not None:
        context.problem(doc, "default", "bad_default", f"option {doc.id!r} is required, so it cannot have a default")
        return
    if doc.required and option.type is OptionType.BOOLEAN:
        context.problem(
            doc,
            "required",
            "bad_option",
            f"boolean option {doc.id!r} always has a value; drop 'required' and give a default",
        )
        return
    if option.default is None:
        if not doc.required:
            context.problem(doc, None, "bad_default", f"option {doc.id!r} needs a default or 'required: true'")
        return
    for problem in option_value_problems(option, option.default):
        context.problem(doc, "default", "bad_default", f"default of {doc.id!r}: {problem.message}")


def build_derived(scope: ExpressionScope, docs: list[DerivedDoc]) -> tuple[Derived, ...]:
    """Derived values in order; each may name options and the derived values before it."""
    result: list[Derived] = []
    for doc in docs:
        if not OPTION_ID.match(doc.id):
            scope.context.problem(doc, "id", "bad_id", f"derived id {doc.id!r} must be snake_case")
        if doc.id in scope.options or doc.id in scope.derived:
            scope.context.problem(
                doc, "id", "duplicate_id", f"derived value {doc.id!r} clashes with an option or another derived value"
            )
            continue
        expression = scope.compile(doc.expression, doc, "expression")
        scope.add_derived(doc.id, expression)
        result.append(Derived(doc.id, expression, scope.context.at(doc), doc.label, texts_of(doc.i18n)))
    return tuple(result)


_KINDS = ("requires", "excludes", "allowed_values", "relation")


def build_constraints(scope: ExpressionScope, docs: list[ConstraintDoc]) -> tuple[Constraint, ...]:
    """Constraints with their kind, the option an error names, and every option they read."""
    context, result, ids = scope.context, [], set()
    for number, doc in enumerate(docs, start=1):
        given = [k for k in _KINDS if getattr(doc, k) is not None]
        if len(given) != 1:
            context.problem(
                doc,
                None,
                "bad_constraint",
                f"a constraint needs exactly one of {', '.join(_KINDS)} (found {', '.join(given) or 'none'})",
            )
            continue
        kind = ConstraintKind(given[0])
        rule_id = doc.id or f"{kind.value}-{number}"
        if rule_id in ids:
            context.problem(doc, "id", "duplicate_id", f"constraint id {rule_id!r} is used twice")
        ids.add(rule_id)
        if not doc.message.strip():
            context.problem(doc, "message", "bad_constraint", f"constraint {rule_id!r} needs a message for customers")
        when = scope.compile(doc.when, doc, "when") if doc.when is not None else None
        test = (
            None if kind is ConstraintKind.ALLOWED_VALUES else scope.compile(getattr(doc, kind.value), doc, kind.value)
        )
        option = doc.option or next(iter(scope.options_read(test, when)), None)
        if option is None or option not in scope.options:
            shown = f"{option!r} is not an option" if option else "it names no option"
            context.problem(
                doc,
                "option",
                "bad_constraint",
                f"constraint {rule_id!r}: {shown}; set 'option:' to the option its error should point at",
            )
            continue
        values = tuple(doc.allowed_values or ())
        if kind is ConstraintKind.ALLOWED_VALUES:
            _check_allowed(scope, doc, rule_id, option, values)
        names = frozenset({option, *scope.options_read(when, test)})
        result.append(
            Constraint(
                rule_id, kind, option, doc.message.strip(), context.at(doc), when, test, values, names,
                texts_of(doc.i18n),
            )
        )
    return tuple(result)


def _check_allowed(
    scope: ExpressionScope, doc: ConstraintDoc, rule_id: str, option_id: str, values: tuple[str, ...]
) -> None:
    option = scope.options[option_id]
    if option.type not in (OptionType.CHOICE, OptionType.MULTI_CHOICE):
        scope.context.problem(
            doc,
            "option",
            "bad_constraint",
            f"constraint {rule_id!r}: allowed_values needs a "
            f"choice or multi_choice option, {option_id!r} is {option.type.value}",
        )
        return
    for value in values:
        if value not in option.choice_ids:
            scope.context.problem(
                doc,
                "allowed_values",
                "unknown_choice",
                f"constraint {rule_id!r}: {value!r} is not a choice of {option_id!r} ({', '.join(option.choice_ids)})",
            )
