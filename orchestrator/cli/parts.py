"""Run one part alone: ``c2m api``, ``c2m worker``, ``c2m sim ...``, ``c2m db upgrade`` (what compose uses)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from orchestrator.settings import load_settings

console = Console()
sim_app = typer.Typer(help="Run a simulator (the plant over OPC UA, the MES, the suppliers).", no_args_is_help=True)
db_app = typer.Typer(help="App database schema.", no_args_is_help=True)


def api(
    host: Annotated[str | None, typer.Option(help="bind address (default C2M_API_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default C2M_API_PORT)")] = None,
) -> None:
    """Serve the REST API, event streams and web pages with uvicorn."""
    import uvicorn

    from orchestrator.api.app import create_app
    from orchestrator.observability.logging import configure_logging
    from orchestrator.observability.tracing import configure_tracing
    from orchestrator.security.keys import personal_options

    settings = load_settings()
    configure_logging("c2m-api", json=settings.log_format == "json", personal_keys=personal_options(settings))
    configure_tracing("c2m-api", settings.otel_endpoint)
    # log_config=None: uvicorn's own records go through the handler configured above, in the same format.
    # Live streams never end by themselves, so a graceful stop waits only a few seconds for them.
    uvicorn.run(create_app(settings), host=host or settings.api_host, port=port or settings.api_port,
                log_level="info", access_log=False, log_config=None, timeout_graceful_shutdown=3)


def worker() -> None:
    """Run a Temporal worker: the order workflows and their activities."""
    from workflows.worker import main

    main(load_settings())


def _clock_args() -> list[str]:
    s = load_settings()
    args = ["--time-scale", str(s.time_scale)]
    if s.clock_epoch is not None:
        args += ["--epoch", str(s.clock_epoch)]
    return args


@sim_app.command("opcua")
def sim_opcua() -> None:
    """The OPC UA plant: one PackML machine per line of the plant file (its Sparkplug lines also over MQTT)."""
    from simulators.opcua_plant import main

    s = load_settings()
    main(["--host", s.sim_host, "--port", str(s.opcua_port), "--plant-file", str(s.plant_file),
          "--state-file", str(s.var_dir / "opcua_plant.db"), *_clock_args(), *_sparkplug_args(s.plant_file)])


def _sparkplug_args(plant_file: Path) -> list[str]:
    """The plant file's Sparkplug lines, published by the simulator on the broker their endpoint names."""
    from orchestrator.cli.sparkplug_plant import SparkplugPlantError, sparkplug_edge_node
    from orchestrator.plant import PlantFileError, load_plant

    try:
        node = sparkplug_edge_node(load_plant(plant_file), str(plant_file))
    except (PlantFileError, SparkplugPlantError) as exc:
        raise SystemExit(f"opcua plant simulator: {exc}") from None
    return node.simulator_args() if node else []


@sim_app.command("mes")
def sim_mes() -> None:
    """The MES: B2MML job orders dispatched to the plant's lines over OPC UA."""
    from simulators.mes import main

    s = load_settings()
    main(["--host", s.sim_host, "--port", str(s.mes_port), "--opcua-url", s.resolved_opcua_url,
          "--state-file", str(s.var_dir / "mes.db"), *_clock_args()])


@sim_app.command("suppliers")
def sim_suppliers() -> None:
    """The suppliers' SCM endpoints: RFQs, purchase orders, despatch advice webhooks."""
    from simulators.suppliers import main

    s = load_settings()
    main(["--host", s.sim_host, "--port", str(s.suppliers_port), "--config", str(s.suppliers_file),
          "--state-file", str(s.var_dir / "suppliers.db"), "--webhook-secret", s.webhook_secret, *_clock_args()])


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply schema migrations to the app database."""
    from orchestrator.persistence.migrate import current, upgrade

    s = load_settings()
    upgrade(s.resolved_database_url, revision)
    console.print(f"[green]✔[/] database at revision {current(s.resolved_database_url)}")


@db_app.command("seed")
def db_seed() -> None:
    """Load the starting stock (C2M_STOCK_FILE) into an empty stock table."""
    from orchestrator.persistence.migrate import seed_stock

    loaded = seed_stock(load_settings())
    console.print(f"[green]✔[/] {loaded} items of starting stock loaded" if loaded
                  else "stock table already holds stock; nothing loaded")
