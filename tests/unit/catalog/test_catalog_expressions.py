"""The safe evaluator: what catalog expressions may do, and everything they must not."""

from __future__ import annotations

import pytest

from orchestrator.catalog.expressions import (
    EvaluationError,
    Evaluator,
    ExpressionError,
    compile_expression,
    constant,
)


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ('colour == "white" and self_cleaning', {"colour": "white", "self_cleaning": True}, True),
        ('colour == "white" and self_cleaning', {"colour": "silver", "self_cleaning": True}, False),
        ("not inverter or capacity != '18k'", {"inverter": False, "capacity": "9k"}, True),
        ('"spare_trousers" in extras', {"extras": ("spare_trousers", "ticket_pocket")}, True),
        ('colour in ("white", "silver")', {"colour": "silver"}, True),
        ("colour not in ['white']", {"colour": "silver"}, True),
        ("165 <= height <= 182", {"height": 170}, True),
        ("round((jacket + 2 * inseam) / 100, 2)", {"jacket": 76, "inseam": 81}, 2.38),
        ("max(0, pipe - 5) * 0.02 + ceil(1.2) + floor(2.7) + abs(-1) + min(3, 4)", {"pipe": 7}, 0.04 + 2 + 2 + 1 + 3),
        ("len(monogram) * 2.5", {"monogram": "JD"}, 5.0),
        ("1.15 if chest > 116 else 1.0", {"chest": 120}, 1.15),
        ("2 ** 3 % 5 // 1 - -1", {}, 4),
    ],
)
def test_evaluates_conditions_and_formulas(text: str, names: dict[str, object], expected: object) -> None:
    result = Evaluator(names).value(compile_expression(text))
    assert result == pytest.approx(expected) if isinstance(expected, float) else result == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("().__class__", "attribute access"),
        ("colour.upper()", "attribute access"),
        ("__import__('os').system('true')", "attribute access"),  # refused before the call is looked at
        ("__import__('os')", "function '__import__' is not available"),
        ("import os", "not a valid expression"),
        ("exec('1')", "function 'exec' is not available"),
        ("open('/etc/passwd')", "function 'open' is not available"),
        ("eval('1')", "function 'eval' is not available"),
        ("extras[0]", "indexing"),
        ("lambda: 1", "lambda is not allowed"),
        ("[x for x in extras]", "comprehensions are not allowed"),
        ("(x := 1)", "assignment"),
        ("f'{colour}'", "f-strings are not allowed"),
        ("{'a': 1}", "dict literals are not allowed"),
        ("max(*extras)", "unpacking is not allowed"),
        ("round(width, ndigits=1)", "keyword arguments are not allowed"),
        ("_secret + 1", "names starting with '_' are reserved"),
        ("x = 1", "not a valid expression"),
        ("", "empty expression"),
        ("b'bytes'", "literal"),
    ],
)
def test_refuses_unsafe_or_unsupported_text(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason):
        compile_expression(text)


def test_collects_the_names_an_expression_reads_but_not_function_names() -> None:
    expression = compile_expression("max(width, height) > 10 and colour == 'red'")
    assert expression.names == {"width", "height", "colour"}


def test_lists_literal_comparisons_so_misspelt_choices_can_be_caught() -> None:
    expression = compile_expression('colour == "whit" or "ticket" in extras or lapel in ("peak", "shawl")')
    assert set(expression.comparisons()) == {
        ("colour", "whit"),
        ("extras", "ticket"),
        ("lapel", "peak"),
        ("lapel", "shawl"),
    }


def test_failures_at_evaluation_are_reported_with_the_expression() -> None:
    evaluator = Evaluator({"width": 0})
    with pytest.raises(EvaluationError, match=r"'10 / width' failed"):
        evaluator.value(compile_expression("10 / width"))
    with pytest.raises(EvaluationError, match="expected a number"):
        evaluator.number(compile_expression("width > 1"))


def test_constants_need_no_evaluation_and_absent_conditions_are_true() -> None:
    evaluator = Evaluator({})
    assert evaluator.value(constant(2.5)) == 2.5
    assert evaluator.truth(None) is True
    assert evaluator.truth(constant(False)) is False


def test_results_are_memoised_per_configuration_but_not_shared_between_configurations() -> None:
    expression = compile_expression("width * 2")
    first, second = Evaluator({"width": 1}), Evaluator({"width": 3})
    assert (first.value(expression), second.value(expression)) == (2, 6)
    assert first.value(expression) == 2


def test_reparsing_mode_gives_the_same_answers() -> None:
    expression = compile_expression("width * 2 if colour == 'red' else 0")
    names = {"width": 4, "colour": "red"}
    assert Evaluator(names, precompiled=False).value(expression) == Evaluator(names).value(expression) == 8
