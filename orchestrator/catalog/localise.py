"""The catalog in a reader's language: the same products with translated texts where the catalog gives them.

``localised(product, "zh-CN")`` returns a product whose names, labels, help texts, section headings, units,
constraint messages, surcharge labels and operation names are the ``zh-CN`` ones wherever the catalog
translates them, and English otherwise. Ids, rules, prices and expressions are untouched, so a localised
product configures, prices and explodes exactly like the original (only the words differ). English (or no
language) returns the very same objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from orchestrator.catalog.model import (
    Assembly,
    Catalog,
    Choice,
    Constraint,
    Derived,
    Item,
    Operation,
    Option,
    Product,
    Surcharge,
)
from orchestrator.catalog.texts import BASE_LANGUAGE


def _is_english(lang: str | None) -> bool:
    return lang is None or lang == BASE_LANGUAGE


def localised(product: Product, lang: str | None) -> Product:
    """``product`` with its texts in ``lang`` where translated (the same object for English)."""
    if _is_english(lang):
        return product
    sections = _section_headings(product, lang)
    options = tuple(_option(option, lang, sections) for option in product.options)
    price = replace(product.price, surcharges=tuple(_surcharge(s, lang) for s in product.price.surcharges))
    return replace(
        product,
        name=product.texts.text(lang, "name", product.name),
        description=product.texts.text(lang, "description", product.description),
        options=options,
        options_by_id={option.id: option for option in options},
        price=price,
        routing=_routing(product.routing, lang),
        derived=tuple(_derived(d, lang) for d in product.derived),
        constraints=tuple(_constraint(c, lang) for c in product.constraints),
        assemblies={item: _assembly(a, lang) for item, a in product.assemblies.items()},
    )


def localised_catalog(catalog: Catalog, lang: str | None) -> Catalog:
    """The whole catalog (products and item names) in ``lang`` (the same object for English)."""
    if _is_english(lang):
        return catalog
    return replace(
        catalog,
        items={item_id: _item(item, lang) for item_id, item in catalog.items.items()},
        products={sku: localised(product, lang) for sku, product in catalog.products.items()},
    )


def operation_names(catalog: Catalog, lang: str | None) -> Mapping[str, str]:
    """English operation name -> its ``lang`` name, over every routing of the catalog.

    Work orders carry the operation name as it was when the order was placed (English); pages use this
    to show it in the reader's language.
    """
    if _is_english(lang):
        return {}
    names: dict[str, str] = {}
    for product in catalog.products.values():
        routings = [product.routing, *(a.routing for a in product.assemblies.values())]
        for operation in (op for routing in routings for op in routing):
            translated = operation.texts.get(lang, "name")
            if translated:
                names.setdefault(operation.name, translated)
    return names


def _section_headings(product: Product, lang: str | None) -> dict[str, str]:
    """English section -> translated heading: the loader makes sure options agree, so any one translation will do."""
    headings: dict[str, str] = {}
    for option in product.options:
        translated = option.texts.get(lang, "section")
        if option.section and translated:
            headings.setdefault(option.section, translated)
    return headings


def _option(option: Option, lang: str | None, sections: Mapping[str, str]) -> Option:
    texts = option.texts
    return replace(
        option,
        label=texts.text(lang, "label", option.label),
        help=texts.text(lang, "help", option.help) if option.help else option.help,
        section=sections.get(option.section, option.section) if option.section else option.section,
        unit=texts.text(lang, "unit", option.unit) if option.unit else option.unit,
        choices=tuple(_choice(c, lang) for c in option.choices),
    )


def _choice(choice: Choice, lang: str | None) -> Choice:
    return replace(choice, label=choice.texts.text(lang, "label", choice.label))


def _derived(derived: Derived, lang: str | None) -> Derived:
    return replace(derived, label=derived.texts.text(lang, "label", derived.label))


def _constraint(constraint: Constraint, lang: str | None) -> Constraint:
    return replace(constraint, message=constraint.texts.text(lang, "message", constraint.message))


def _surcharge(surcharge: Surcharge, lang: str | None) -> Surcharge:
    return replace(surcharge, label=surcharge.texts.text(lang, "label", surcharge.label))


def _routing(routing: tuple[Operation, ...], lang: str | None) -> tuple[Operation, ...]:
    return tuple(replace(op, name=op.texts.text(lang, "name", op.name)) for op in routing)


def _assembly(assembly: Assembly, lang: str | None) -> Assembly:
    return replace(assembly, routing=_routing(assembly.routing, lang))


def _item(item: Item, lang: str | None) -> Item:
    return replace(
        item,
        name=item.texts.text(lang, "name", item.name),
        description=item.texts.text(lang, "description", item.description),
    )
