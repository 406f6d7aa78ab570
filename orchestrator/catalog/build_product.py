"""Building one product from its YAML doc and checking its multi-level structure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from orchestrator.catalog.build_options import build_constraints, build_derived, build_options
from orchestrator.catalog.build_structure import build_assemblies, build_bom, build_price, build_routing
from orchestrator.catalog.model import LEAF_KINDS, BomLine, Item, Product, RoutingPlan
from orchestrator.catalog.problems import CatalogProblem
from orchestrator.catalog.schema import ProductFile
from orchestrator.catalog.scope import ExpressionScope, FileContext
from orchestrator.catalog.texts import texts_of, untranslated_fields

SKU = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def build_product(context: FileContext, doc: ProductFile, items: Mapping[str, Item], file_stem: str) -> Product:
    """The product described by ``doc``; every problem found is added to ``context``."""
    if not SKU.match(doc.sku):
        context.problem(doc, "sku", "bad_id", f"SKU {doc.sku!r} must be lower-case words joined by '-'")
    elif doc.sku != file_stem:
        context.problem(doc, "sku", "file_name", f"product {doc.sku!r} must live in a file named {doc.sku}.yaml")
    options = build_options(context, doc.options)
    scope = ExpressionScope(context, options)
    derived = build_derived(scope, doc.derived)
    constraints = build_constraints(scope, doc.constraints)
    price = build_price(scope, doc.price)
    routing = build_routing(scope, doc.routing, doc.sku)
    bom = build_bom(scope, doc.bom, items, routing, doc.sku, product_level=True)
    assemblies = build_assemblies(scope, doc.assemblies, items)
    product = Product(
        sku=doc.sku,
        name=doc.name,
        source=context.at(doc),
        options=tuple(options.values()),
        price=price,
        bom=bom,
        routing=routing,
        description=doc.description.strip(),
        max_quantity=doc.max_quantity,
        derived=derived,
        constraints=constraints,
        assemblies=assemblies,
        options_by_id=options,
        routing_plan=RoutingPlan.of(None, routing),
        texts=texts_of(doc.i18n),
    )
    for lang, name in untranslated_fields(product.texts, ["name", *(["description"] if product.description else [])]):
        context.problem(
            doc,
            "i18n",
            "bad_translation",
            f"product {doc.sku!r}: i18n.{lang}.{name} translates a {name} the product does not have; "
            f"add '{name}:' or remove the translation",
        )
    if not doc.routing:
        context.problem(
            doc,
            None,
            "no_routing",
            f"product {doc.sku!r} has no routing: the plant would not know "
            "how to make it; add a 'routing:' list of operations",
        )
    if not doc.bom:
        context.problem(doc, None, "empty_bom", f"product {doc.sku!r} has no BOM lines")
    check_structure(context.problems, product, items)
    return product


def check_structure(problems: list[CatalogProblem], product: Product, items: Mapping[str, Item]) -> None:
    """Every manufactured or phantom line has an assembly, no assembly contains itself, none is unused."""
    state: dict[str, str] = {}  # item -> "open" while being explored, "done" after

    def visit(lines: Sequence[BomLine], path: list[str]) -> None:
        for line in lines:
            item = items.get(line.item)
            if item is None or item.kind in LEAF_KINDS:
                continue
            if state.get(line.item) == "open":
                cycle = " -> ".join([*path[path.index(line.item) :], line.item])
                problems.append(
                    CatalogProblem.at(
                        line.source, "assembly_cycle", f"subassemblies contain each other in a cycle: {cycle}"
                    )
                )
                continue
            assembly = product.assemblies.get(line.item)
            if assembly is None:
                problems.append(
                    CatalogProblem.at(
                        line.source,
                        "missing_assembly",
                        f"{item.kind.value} item "
                        f"{line.item!r} has no entry under 'assemblies:' in this product "
                        "(its BOM and routing)",
                    )
                )
                continue
            if state.get(line.item) == "done":
                continue
            state[line.item] = "open"
            visit(assembly.bom, [*path, line.item])
            state[line.item] = "done"

    visit(product.bom, [product.sku])
    for item_id, assembly in product.assemblies.items():
        if item_id not in state:
            problems.append(
                CatalogProblem.at(
                    assembly.source,
                    "unused_assembly",
                    f"assembly {item_id!r} is not used by any BOM line of {product.sku!r}",
                )
            )
