"""The ``c2m`` command line."""

from __future__ import annotations

import typer

from orchestrator.cli import parts
from orchestrator.cli.adapters import adapters_app
from orchestrator.cli.catalog import catalog_app
from orchestrator.cli.orders import demo, order_app
from orchestrator.cli.privacy import privacy_app
from orchestrator.cli.simulate import simulate
from orchestrator.cli.up import up

app = typer.Typer(help="c2m: customer-to-manufacturer order orchestration", no_args_is_help=True)
app.command()(up)
app.command()(parts.api)
app.command()(parts.worker)
app.add_typer(parts.sim_app, name="sim")
app.add_typer(parts.db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(order_app, name="order")
app.add_typer(privacy_app, name="privacy")
app.add_typer(adapters_app, name="adapters")
app.command()(demo)
app.command()(simulate)


@app.callback()
def _root() -> None:
    """c2m: customer-to-manufacturer order orchestration."""
