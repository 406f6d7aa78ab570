"""Compiling a product's expressions against what they may name, with file:line problems."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from orchestrator.catalog.expressions import FUNCTIONS, Expression, ExpressionError, compile_expression, constant
from orchestrator.catalog.model import Option, OptionType, Source
from orchestrator.catalog.problems import CatalogProblem
from orchestrator.catalog.schema import Doc


class FileContext:
    """Collects problems for one catalog file and turns doc positions into ``Source``s."""

    def __init__(self, file: str, problems: list[CatalogProblem]) -> None:
        self.file = file
        self.problems = problems

    def at(self, doc: Doc, key: str | None = None) -> Source:
        """The source of a doc, or of one of its keys."""
        return Source(self.file, doc.line_of(key) if key else doc.line)

    def problem(self, doc: Doc, key: str | None, code: str, message: str) -> None:
        """Record a problem at a doc (or one of its keys)."""
        self.problems.append(CatalogProblem.at(self.at(doc, key), code, message))


class ExpressionScope:
    """Compiles expressions of one product; names must be its options or derived values defined so far.

    Identical texts share one compiled ``Expression`` so an evaluator computes each at most once per
    configuration.
    """

    def __init__(self, context: FileContext, options: Mapping[str, Option]) -> None:
        self.context = context
        self.options = options
        self.derived: dict[str, tuple[str, ...]] = {}  # derived id -> options it reads, in reading order
        self._interned: dict[str, Expression] = {}

    def compile(self, value: Any, doc: Doc, key: str) -> Expression:
        """Compile a YAML condition or formula value; on problems record them and return a harmless constant."""
        if isinstance(value, bool | int | float):
            return constant(value)
        text = str(value).strip()
        if text in self._interned:
            return self._interned[text]
        try:
            expression = compile_expression(text)
        except ExpressionError as exc:
            self.context.problem(doc, key, "bad_expression", f"{key}: {exc} in {text!r}")
            return constant(False)
        ok = self._check_names(expression, doc, key) and self._check_choices(expression, doc, key)
        if not ok:
            return constant(False)
        self._interned[text] = expression
        return expression

    def _check_names(self, expression: Expression, doc: Doc, key: str) -> bool:
        unknown = sorted(n for n in expression.names if n not in self.options and n not in self.derived)
        for name in unknown:
            hint = " (text values need quotes)" if name not in FUNCTIONS else " (call it with parentheses)"
            known = ", ".join([*self.options, *sorted(self.derived)])
            self.context.problem(
                doc,
                key,
                "unknown_name",
                f"{key}: {expression.text!r} names {name!r}, which is not an option "
                f"or derived value of this product{hint}; known names: {known}",
            )
        return not unknown

    def _check_choices(self, expression: Expression, doc: Doc, key: str) -> bool:
        ok = True
        for name, literal in expression.comparisons():
            option = self.options.get(name)
            if option is None or option.type not in (OptionType.CHOICE, OptionType.MULTI_CHOICE):
                continue
            if literal not in option.choice_ids:
                ok = False
                self.context.problem(
                    doc,
                    key,
                    "unknown_choice",
                    f"{key}: {expression.text!r} compares {name!r} with {literal!r}, "
                    f"which is not one of its choices ({', '.join(option.choice_ids)}); the condition could never "
                    "be true",
                )
        return ok

    def add_derived(self, derived_id: str, expression: Expression) -> None:
        """Make a derived value nameable by later expressions."""
        self.derived[derived_id] = self.options_read(expression)

    def options_read(self, *expressions: Expression | None) -> tuple[str, ...]:
        """The options these expressions read, directly or through derived values, in reading order."""
        found: list[str] = []
        for expression in expressions:
            if expression is None or expression.node is None:
                continue
            names = [n for n in ast.walk(expression.node) if isinstance(n, ast.Name)]
            for name in sorted(names, key=lambda n: (n.lineno, n.col_offset)):
                for option_id in (name.id,) if name.id in self.options else self.derived.get(name.id, ()):
                    if option_id not in found:
                        found.append(option_id)
        return tuple(found)
