"""Conditions and formulas written in the catalog, evaluated safely on ``simpleeval``.

Catalog text is never given to Python's ``eval``. An expression is parsed once with ``ast`` in
``eval`` mode (statements such as ``import`` are refused), checked against a whitelist of node types
(no attribute access, no indexing, no lambdas or comprehensions, calls only to a few pure functions),
and then evaluated by a restricted ``simpleeval`` evaluator from the pre-parsed tree.

The language: numbers, strings, ``True``/``False``; ``+ - * / // % **``; comparisons including
chains and ``in``/``not in``; ``and``/``or``/``not``; ``a if cond else b``; tuple/list literals for
``in``; and the functions ``min max abs round ceil floor len``. Names are option ids and derived
values of the product.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from simpleeval import DEFAULT_OPERATORS, InvalidExpression, SimpleEval

FUNCTIONS: dict[str, Any] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "ceil": math.ceil,
    "floor": math.floor,
    "len": len,
}

_OPERATOR_NODES: tuple[type[ast.AST], ...] = (
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Load,
)
_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Tuple,
    ast.List,
    *_OPERATOR_NODES,
)
_REFUSALS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.keyword: "keyword arguments are not allowed",
}
_OPERATORS = {op: fn for op, fn in DEFAULT_OPERATORS.items() if op in _OPERATOR_NODES}


class ExpressionError(ValueError):
    """Catalog text that is not an acceptable expression (syntax, forbidden construct, unknown function)."""


class EvaluationError(ValueError):
    """An expression failed while being evaluated for a configuration (e.g. division by zero)."""

    def __init__(self, expression: Expression, cause: str) -> None:
        super().__init__(f"expression {expression.text!r} failed: {cause}")
        self.expression = expression
        self.cause = cause


@dataclass(frozen=True, eq=False, slots=True)
class Expression:
    """A compiled condition or formula. Identity-hashed so evaluators can memoise results per config."""

    text: str
    node: ast.expr | None  # None for a constant written as a plain YAML value
    value: Any = None  # the constant's value when ``node`` is None
    names: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_constant(self) -> bool:
        """True for plain values (``quantity: 2``, ``when: true``) that need no evaluation."""
        return self.node is None

    def comparisons(self) -> Iterator[tuple[str, Any]]:
        """Pairs (name, literal) this expression compares a name with: ``x == 'a'``, ``'a' in x``, ``x in ('a',)``.

        Lets the catalog check catch a misspelt choice, which would otherwise make a condition silently
        never true.
        """
        if self.node is None:
            return
        for node in ast.walk(self.node):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                yield from _pairs(op, left, right)


def _pairs(op: ast.cmpop, left: ast.expr, right: ast.expr) -> Iterator[tuple[str, Any]]:
    if isinstance(op, ast.Eq | ast.NotEq):
        for a, b in ((left, right), (right, left)):
            if isinstance(a, ast.Name) and isinstance(b, ast.Constant):
                yield a.id, b.value
    elif isinstance(op, ast.In | ast.NotIn):
        if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
            yield right.id, left.value
        if isinstance(left, ast.Name) and isinstance(right, ast.Tuple | ast.List):
            for element in right.elts:
                if isinstance(element, ast.Constant):
                    yield left.id, element.value


def constant(value: Any) -> Expression:
    """An expression that always yields ``value`` (a YAML number or boolean)."""
    return Expression(text=repr(value), node=None, value=value)


def compile_expression(text: str) -> Expression:
    """Parse and whitelist-check catalog text; raise ``ExpressionError`` saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        detail = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(
            f"not a valid expression{detail}: {exc.msg} (use 'and', 'or', 'not', '==' and quote text values)"
        ) from exc
    names: set[str] = set()
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    nodes = list(ast.walk(tree))
    for node in nodes:  # forbidden constructs first: they are the more telling message
        _refuse_forbidden(node)
    for node in nodes:
        if isinstance(node, ast.Call):
            _check_call(node)
        elif isinstance(node, ast.Name) and id(node) not in called:
            if node.id.startswith("_"):
                raise ExpressionError(f"name {node.id!r} is not allowed (names starting with '_' are reserved)")
            names.add(node.id)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, bool | int | float | str):
            raise ExpressionError(f"literal {node.value!r} is not allowed (only numbers, text, True/False)")
    return Expression(text=text.strip(), node=tree.body, names=frozenset(names))


def _refuse_forbidden(node: ast.AST) -> None:
    if isinstance(node, _ALLOWED_NODES):
        return
    reason = _REFUSALS.get(type(node), f"{type(node).__name__} is not allowed")
    raise ExpressionError(f"{reason} in catalog expressions")


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        raise ExpressionError(f"function {called!r} is not available; use one of: {', '.join(sorted(FUNCTIONS))}")
    if node.keywords:
        raise ExpressionError(f"keyword arguments are not allowed in calls to {node.func.id}()")


class _RestrictedEval(SimpleEval):  # type: ignore[misc]
    """simpleeval with only the node handlers the whitelist admits, plus tuple/list literals for ``in``."""

    def __init__(self, names: Mapping[str, Any]) -> None:
        super().__init__(operators=dict(_OPERATORS), functions=dict(FUNCTIONS), names=names)
        for kind in (
            ast.Attribute,
            ast.Subscript,
            ast.Slice,
            ast.JoinedStr,
            ast.FormattedValue,
            ast.Assign,
            ast.AugAssign,
            ast.Import,
            ast.keyword,
        ):
            self.nodes.pop(kind, None)
        self.nodes[ast.Tuple] = self._eval_sequence
        self.nodes[ast.List] = self._eval_sequence

    def _eval_sequence(self, node: ast.Tuple | ast.List) -> tuple[Any, ...]:
        return tuple(self._eval(element) for element in node.elts)


class Evaluator:
    """Evaluates expressions for one configuration, memoising each expression's result.

    ``precompiled=False`` re-parses the text on every call and skips the memo: only the benchmark uses
    it, as the baseline that shows what pre-compilation buys.
    """

    def __init__(self, names: Mapping[str, Any], precompiled: bool = True) -> None:
        self._engine = _RestrictedEval(names)
        self._memo: dict[Expression, Any] = {}
        self._precompiled = precompiled

    def value(self, expression: Expression) -> Any:
        """The expression's value for this configuration; ``EvaluationError`` if it fails."""
        if expression.node is None:
            return expression.value
        if self._precompiled:
            try:
                return self._memo[expression]
            except KeyError:
                pass
        try:
            node = expression.node if self._precompiled else compile_expression(expression.text).node
            result = self._engine.eval(expression.text, previously_parsed=node)
        except (InvalidExpression, ArithmeticError, TypeError, ValueError) as exc:
            raise EvaluationError(expression, str(exc) or type(exc).__name__) from exc
        if self._precompiled:
            self._memo[expression] = result
        return result

    def truth(self, expression: Expression | None) -> bool:
        """A condition's truth; an absent condition is true."""
        if expression is None:
            return True
        # The memo hit is the hot path of an explosion: answer it without another call.
        memo = self._memo
        return bool(memo[expression] if expression in memo else self.value(expression))

    def number(self, expression: Expression) -> float:
        """A formula's numeric value; ``EvaluationError`` unless it is a finite number."""
        result = self.value(expression)
        if isinstance(result, bool) or not isinstance(result, int | float) or not math.isfinite(result):
            raise EvaluationError(expression, f"expected a number, got {result!r}")
        return float(result)
