"""Translation blocks (``i18n``) in catalog files: loading, checking with file:line, and ``localised``."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestrator.catalog import quote
from orchestrator.catalog.localise import localised, localised_catalog, operation_names
from orchestrator.catalog.texts import Texts, translation_language
from tests.unit.catalog.helpers import build, problems, widget


def _translated_widget() -> dict:  # type: ignore[type-arg]
    product = widget()
    product["i18n"] = {"zh-CN": {"name": "小部件"}}
    colour = product["options"][0]
    colour["section"] = "Look"
    colour["i18n"] = {"zh-CN": {"label": "颜色", "section": "外观"}}
    colour["choices"][1]["i18n"] = {"zh-CN": {"label": "蓝色"}}
    width = product["options"][2]
    width["section"] = "Look"  # same section: takes the heading from 'colour'
    width["i18n"] = {"zh-CN": {"label": "宽度", "unit": "厘米"}}
    routings = [product["routing"], *(a.get("routing", []) for a in product.get("assemblies", []))]
    for operation in (op for routing in routings for op in routing):
        operation["i18n"] = {"zh-CN": {"name": f"工序 {operation['id']}"}}
    return product


def test_a_translation_block_loads_and_localised_uses_it(tmp_path: Path) -> None:
    catalog = build(tmp_path, _translated_widget())
    english = catalog.product("widget")
    chinese = localised(english, "zh-CN")
    assert (chinese.name, english.name) == ("小部件", "Widget")
    colour, width = chinese.option("colour"), chinese.option("width")
    assert colour is not None and width is not None
    assert (colour.label, colour.section, [c.label for c in colour.choices]) == ("颜色", "外观", ["Red", "蓝色"])
    assert (width.label, width.unit, width.section) == ("宽度", "厘米", "外观")  # heading shared by the section
    assert all(op.name.startswith("工序 ") for op in chinese.routing)
    # Untranslated texts stay English; ids and rules are the same objects.
    motorised = chinese.option("motorised")
    assert motorised is not None and motorised.label == "Motorised"
    assert [o.id for o in chinese.options] == [o.id for o in english.options]
    assert chinese.price.base == english.price.base and chinese.bom is english.bom


def test_english_or_no_language_returns_the_same_product(tmp_path: Path) -> None:
    catalog = build(tmp_path, _translated_widget())
    product = catalog.product("widget")
    assert localised(product, None) is product and localised(product, "en") is product
    assert localised_catalog(catalog, None) is catalog
    assert operation_names(catalog, None) == {}


def test_a_localised_catalog_quotes_like_the_original_in_the_other_language(tmp_path: Path) -> None:
    catalog = build(tmp_path, _translated_widget())
    english = quote(catalog, "widget", {"colour": "blue"})
    chinese = quote(localised_catalog(catalog, "zh-CN"), "widget", {"colour": "blue"})
    assert english.price is not None and chinese.price is not None
    assert chinese.price.total == english.price.total
    assert [line.label for line in chinese.price.breakdown][:2] == ["小部件", "颜色: 蓝色"]
    assert [op.name for op in chinese.routing] == [f"工序 {op.id.split('/')[-1]}" for op in english.routing]
    names = operation_names(catalog, "zh-CN")
    assert all(names[op.name].startswith("工序 ") for op in english.routing)


def _widget_text(i18n_line: str) -> str:
    """The widget as YAML text with one extra i18n line on its 'colour' option."""
    text = yaml.safe_dump(widget(), sort_keys=False, allow_unicode=True)
    anchor = "- id: colour\n"
    assert anchor in text
    return text.replace(anchor, f"{anchor}  {i18n_line}\n", 1)


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_an_unknown_language_is_a_problem_at_its_line(tmp_path: Path) -> None:
    text = _widget_text("i18n: {fr: {label: Couleur}}")
    found = problems(tmp_path, {"widget": text})
    assert len(found) == 1, found
    assert found[0].line == _line_of(text, "fr: {label")
    assert "unknown language 'fr'" in found[0].message and "zh-CN" in found[0].message
    assert found[0].file.endswith("widget.yaml")


def test_an_unknown_field_is_a_problem_at_its_line(tmp_path: Path) -> None:
    text = _widget_text("i18n: {zh-CN: {name: 颜色}}")  # options have a label, not a name
    found = problems(tmp_path, {"widget": text})
    assert [p.code for p in found] == ["unknown_key"], found
    assert found[0].line == _line_of(text, "zh-CN: {name")
    assert "'name'" in found[0].message


def test_an_empty_translation_and_a_translation_of_a_missing_text_are_problems(tmp_path: Path) -> None:
    empty = problems(tmp_path / "a", {"widget": _widget_text('i18n: {zh-CN: {label: ""}}')})
    assert len(empty) == 1 and "cannot be empty" in empty[0].message
    missing = problems(tmp_path / "b", {"widget": _widget_text("i18n: {zh-CN: {help: 选一个颜色}}")})
    assert [p.code for p in missing] == ["bad_translation"]
    assert "translates a help the option does not have" in missing[0].message


def test_a_section_translated_two_ways_is_a_problem(tmp_path: Path) -> None:
    product = _translated_widget()
    product["options"][2]["i18n"]["zh-CN"]["section"] = "样子"
    found = problems(tmp_path, {"widget": product})
    assert [p.code for p in found] == ["bad_translation"]
    assert "'外观'" in found[0].message and "'样子'" in found[0].message


def test_texts_and_language_tags() -> None:
    texts = Texts.of({"zh-CN": {"label": "颜色", "help": ""}})
    assert texts.get("zh-CN", "label") == "颜色" and texts.get("zh-CN", "help") is None
    assert texts.text("en", "label", "Colour") == "Colour" and texts.languages == {"zh-CN"}
    assert [translation_language(t) for t in ("zh", "zh-Hans-CN", "en-GB", "fr", None)] == [
        "zh-CN", "zh-CN", "en", None, None,
    ]


def test_the_demo_catalog_speaks_chinese() -> None:
    from orchestrator.catalog import load_catalog

    catalog = localised_catalog(load_catalog(Path(__file__).parents[3] / "catalog"), "zh-CN")
    for product in catalog.products.values():
        assert not product.name.isascii(), product.sku
        for option in product.options:
            assert not option.label.isascii(), (product.sku, option.id)
            assert all(not c.label.isascii() for c in option.choices), (product.sku, option.id)
        for constraint in product.constraints:
            assert not constraint.message.isascii(), (product.sku, constraint.id)
        for operation in [*product.routing, *(op for a in product.assemblies.values() for op in a.routing)]:
            assert not operation.name.isascii(), (product.sku, operation.id)
    assert catalog.product("aircon-split").name.startswith("壁挂式")
