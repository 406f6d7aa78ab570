"""``c2m catalog``: check the catalog files and inspect a product's options, BOM and routing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from orchestrator.catalog import (
    DEFAULT_PLANT_LINES,
    Catalog,
    CatalogInvalid,
    Product,
    Quote,
    SimpleCapacityPromiser,
    UnknownProduct,
    check_catalog,
    load_catalog,
    quote,
)
from orchestrator.settings import load_settings

catalog_app = typer.Typer(help="Check and inspect the product catalog.", no_args_is_help=True)

DIR_HELP = "catalog folder (default: C2M_CATALOG_DIR, else the project's catalog/)"


def _console() -> Console:
    # soft_wrap keeps "file:line: message" on one line so editors and grep can follow it.
    console = Console(soft_wrap=True, highlight=False)
    if not console.is_terminal:
        console.width = 160  # piped or captured: no terminal to fit, so do not cut ids at 80 columns
    return console


def _directory(directory: Path | None) -> Path:
    return directory if directory is not None else load_settings().catalog_dir


@catalog_app.command("check")
def check(directory: Path | None = typer.Option(None, "--dir", help=DIR_HELP)) -> None:
    """Check every catalog file; print each problem with file and line, exit 1 if there is any."""
    console = _console()
    report = check_catalog(_directory(directory))
    if report.problems:
        for problem in report.problems:
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            console.print(f"[bold]{escape(where)}[/]: {escape(problem.message)} [dim]\\[{problem.code}][/]")
        console.print(f"[red]catalog has {len(report.problems)} problem(s)[/]")
        raise typer.Exit(1)
    assert report.catalog is not None
    console.print(f"[green]catalog OK: {len(report.catalog.products)} products, {report.item_count} items[/]")


def _parse_option(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"{text!r}: write options as key=value, e.g. -o colour=white -o wifi=true")
    try:
        return key.strip(), json.loads(raw)
    except json.JSONDecodeError:
        return key.strip(), raw  # plain text such as a choice id


@catalog_app.command("show")
def show(
    sku: str = typer.Argument(..., help="product SKU, e.g. aircon-split"),
    option: list[str] = typer.Option([], "--option", "-o", help='key=value (JSON values: true, 12, ["a"])'),
    quantity: int = typer.Option(1, "--quantity", "-q", help="units to quote"),
    directory: Path | None = typer.Option(None, "--dir", help=DIR_HELP),
) -> None:
    """Show a product's options and rules, and the price, BOM, routing and date of a configuration."""
    console = _console()
    try:
        catalog = load_catalog(_directory(directory))
        product = catalog.product(sku)
    except (CatalogInvalid, UnknownProduct) as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from exc
    _print_product(console, product)
    chosen = dict(_parse_option(o) for o in option)
    result = quote(catalog, sku, chosen, quantity)
    console.print(f"\n[bold]Configuration[/] {escape(json.dumps(chosen))} x {quantity}")
    if not result.valid:
        for error in result.errors:
            console.print(f"  [red]{escape(error.option)}[/] {escape(error.message)} [dim]\\[{error.code}][/]")
        raise typer.Exit(1)
    _print_quote(console, catalog, result)


def _print_product(console: Console, product: Product) -> None:
    console.print(
        f"[bold]{escape(product.name)}[/] ({product.sku}), from {product.price.base} {product.price.currency}"
    )
    table = Table()
    for title in ("option", "type", "default", "values"):
        table.add_column(title, overflow="fold")
    for o in product.options:
        if o.choices:
            values = ", ".join(f"{c.id}{f' +{c.surcharge}' if c.surcharge else ''}" for c in o.choices)
        elif o.type.value == "number":
            values = f"{o.minimum:g}..{o.maximum:g}" + (f" step {o.step:g}" if o.step else "") + f" {o.unit or ''}"
        elif o.type.value == "text":
            values = f"up to {o.max_length} characters"
        else:
            values = f"true/false{f' +{o.surcharge}' if o.surcharge else ''}"
        default = (
            "(required)" if o.required else json.dumps(list(o.default) if isinstance(o.default, tuple) else o.default)
        )
        table.add_row(o.id, o.type.value, escape(default), escape(values))
    console.print(table)
    for c in product.constraints:
        console.print(f"  [dim]{c.kind.value}[/] {c.id} -> {c.option}: {escape(c.message)}")


def _print_quote(console: Console, catalog: Catalog, result: Quote) -> None:
    assert result.price is not None
    price = result.price
    for line in price.breakdown:
        console.print(f"  {line.amount:>10} {price.currency}  {escape(line.label)}")
    console.print(f"  [bold]{price.unit:>10} {price.currency}  per unit, {price.total} total[/]")
    tree = Tree(f"[bold]{result.configuration.product.sku}[/]")
    nodes: dict[int, Tree] = {0: tree}
    for row in result.bom:
        via = f" [dim](kit {row.via_phantom})[/]" if row.via_phantom else ""
        label = f"{row.item} x {row.quantity:g} {row.unit} [dim]{row.kind.value}[/]{via}  {escape(row.name)}"
        nodes[row.level] = nodes[row.level - 1].add(label)
    console.print(tree)
    table = Table()
    for title in ("operation", "work centre", "qty", "minutes", "after"):
        table.add_column(title, overflow="fold")  # ids stay whole, wrapped rather than cut
    for op in result.routing:
        table.add_row(
            op.id, op.work_centre_type, f"{op.quantity:g}", f"{op.total_minutes:g}", ", ".join(op.predecessors)
        )
    console.print(table)
    promise = SimpleCapacityPromiser(DEFAULT_PLANT_LINES).compute(
        result.routing, result.bom, result.configuration.quantity, datetime.now(UTC)
    )
    console.print(f"[bold]Promised[/] {promise.promised_date} (simple capacity model): {escape(promise.summary)}")
