"""Validation of customer configurations: value checks per option type and each constraint kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.catalog import Product, configure
from tests.unit.catalog.helpers import build, widget


def _product(tmp_path: Path, constraints: list[dict[str, Any]] | None = None) -> Product:
    doc = widget()
    doc["constraints"] = constraints or []
    return build(tmp_path, doc).product("widget")


def _codes(product: Product, options: dict[str, Any], quantity: Any = 1) -> list[tuple[str, str]]:
    return [(e.option, e.code) for e in configure(product, options, quantity).errors]


def test_defaults_fill_in_what_the_customer_left_out(tmp_path: Path) -> None:
    config = configure(_product(tmp_path), {})
    assert config.valid
    assert config.options == {"colour": "red", "motorised": False, "width": 100, "extras": (), "engraving": ""}
    assert config.values["area_m2"] == 1.0


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"colour": "green"}, ("colour", "invalid_choice")),
        ({"colour": "Red"}, ("colour", "invalid_choice")),  # choices are case-sensitive ids
        ({"colour": 1}, ("colour", "wrong_type")),
        ({"motorised": "yes"}, ("motorised", "wrong_type")),
        ({"motorised": 1}, ("motorised", "wrong_type")),
        ({"width": "100"}, ("width", "wrong_type")),
        ({"width": True}, ("width", "wrong_type")),
        ({"width": None}, ("width", "wrong_type")),
        ({"width": float("nan")}, ("width", "wrong_type")),
        ({"width": 45}, ("width", "out_of_range")),
        ({"width": 205}, ("width", "out_of_range")),
        ({"width": 102}, ("width", "off_step")),
        ({"extras": "a"}, ("extras", "wrong_type")),
        ({"extras": ["a", "z"]}, ("extras", "invalid_choice")),
        ({"extras": ["a", "a"]}, ("extras", "duplicate_choice")),
        ({"extras": ["a", "b", "c"]}, ("extras", "too_many_choices")),
        ({"engraving": "TOOLONG"}, ("engraving", "too_long")),
        ({"engraving": "ab"}, ("engraving", "pattern_mismatch")),
        ({"engraving": 12}, ("engraving", "wrong_type")),
        ({"colr": "red"}, ("colr", "unknown_option")),
    ],
)
def test_each_value_problem_names_its_option_and_code(tmp_path: Path, options: dict[str, Any], expected: tuple) -> None:
    assert _codes(_product(tmp_path), options) == [expected]


def test_values_on_the_edges_are_accepted(tmp_path: Path) -> None:
    product = _product(tmp_path)
    for options in ({"width": 50}, {"width": 200}, {"width": 55.0}, {"extras": ["c", "a"]}, {"engraving": "ABCDE"}):
        assert configure(product, options).valid, options
    assert configure(product, {"extras": ["c", "a"]}).options["extras"] == ("a", "c")  # catalog order


def test_unknown_option_suggests_the_close_one(tmp_path: Path) -> None:
    (error,) = configure(_product(tmp_path), {"colr": "red"}).errors
    assert "did you mean 'colour'?" in error.message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    product = _product(
        tmp_path,
        [
            {
                "id": "wide_needs_motor",
                "requires": "motorised",
                "when": "width > 150",
                "message": "Wide widgets need the motor.",
            }
        ],
    )
    codes = _codes(product, {"colour": "green", "width": 180, "extras": ["z"], "bogus": 1}, quantity=0)
    assert codes == [
        ("bogus", "unknown_option"),
        ("colour", "invalid_choice"),
        ("extras", "invalid_choice"),
        ("motorised", "requires_unmet"),
        ("/quantity", "out_of_range"),
    ]


def test_required_option_without_value(tmp_path: Path) -> None:
    doc = widget()
    doc["options"][0].pop("default")
    doc["options"][0]["required"] = True
    product = build(tmp_path, doc).product("widget")
    assert _codes(product, {}) == [("colour", "missing_value")]


def test_requires(tmp_path: Path) -> None:
    product = _product(
        tmp_path,
        [
            {
                "id": "wide_needs_motor",
                "requires": "motorised",
                "when": "width > 150",
                "message": "Wide widgets need the motor.",
            }
        ],
    )
    (error,) = configure(product, {"width": 160}).errors
    assert (error.option, error.code, error.message, error.rule) == (
        "motorised",
        "requires_unmet",
        "Wide widgets need the motor.",
        "wide_needs_motor",
    )
    assert configure(product, {"width": 160, "motorised": True}).valid
    assert configure(product, {"width": 150}).valid


def test_excludes(tmp_path: Path) -> None:
    product = _product(
        tmp_path, [{"excludes": '"c" in extras', "when": 'colour == "blue"', "message": "Extra C is not made in blue."}]
    )
    assert _codes(product, {"colour": "blue", "extras": ["c"]}) == [("extras", "excluded_combination")]
    assert configure(product, {"colour": "blue", "extras": ["a"]}).valid
    assert configure(product, {"colour": "red", "extras": ["c"]}).valid


def test_allowed_values_for_a_choice_and_a_multi_choice(tmp_path: Path) -> None:
    product = _product(
        tmp_path,
        [
            {"allowed_values": ["red"], "option": "colour", "when": "motorised", "message": "Motorised come in red."},
            {"allowed_values": ["a", "b"], "option": "extras", "when": "width < 100", "message": "Narrow: A or B."},
        ],
    )
    assert _codes(product, {"motorised": True, "colour": "blue"}) == [("colour", "value_not_allowed")]
    assert _codes(product, {"width": 60, "extras": ["a", "c"]}) == [("extras", "value_not_allowed")]
    assert configure(product, {"width": 60, "extras": ["a", "b"], "motorised": True}).valid


def test_numeric_relation_between_options_and_derived_values(tmp_path: Path) -> None:
    product = _product(
        tmp_path,
        [
            {
                "relation": "area_m2 <= 1.5",
                "when": "motorised",
                "option": "width",
                "message": "The motor moves at most 1.5 m².",
            }
        ],
    )
    assert _codes(product, {"motorised": True, "width": 160}) == [("width", "relation_violated")]
    assert configure(product, {"motorised": True, "width": 150}).valid


def test_relation_error_names_the_first_option_it_reads_by_default(tmp_path: Path) -> None:
    product = _product(tmp_path, [{"relation": "width >= 60 or motorised", "message": "Too narrow."}])
    assert _codes(product, {"width": 55}) == [("width", "relation_violated")]


def test_a_wrong_value_does_not_cascade_into_rule_errors(tmp_path: Path) -> None:
    product = _product(tmp_path, [{"requires": "motorised", "when": "width > 150", "message": "Motor!"}])
    assert _codes(product, {"width": "wide"}) == [("width", "wrong_type")]


def test_rule_that_fails_to_evaluate_is_reported_not_raised(tmp_path: Path) -> None:
    doc = widget()
    doc["derived"].append({"id": "per_extra", "expression": "width / len(extras)"})
    product = build(tmp_path, doc).product("widget")
    (error,) = configure(product, {"extras": []}).errors
    assert error.code == "rule_failed" and error.option in ("width", "extras")


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(0, "out_of_range"), (101, "out_of_range"), (2.5, "wrong_type"), ("3", "wrong_type"), (True, "wrong_type")],
)
def test_quantity_must_be_a_whole_number_within_the_products_limit(tmp_path: Path, quantity: Any, code: str) -> None:
    assert _codes(_product(tmp_path), {}, quantity) == [("/quantity", code)]
