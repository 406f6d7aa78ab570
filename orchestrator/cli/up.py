"""``c2m up``: the whole system on one machine, supervised."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.cli import stack
from orchestrator.cli.demo_accounts import DemoAccount, accounts_file, ensure_demo_accounts, page_links
from orchestrator.cli.sparkplug_plant import SparkplugPlantError, broker_problem, sparkplug_edge_node
from orchestrator.cli.supervisor import ChildFailed, Supervisor
from orchestrator.persistence.migrate import seed_stock, upgrade
from orchestrator.runtime import shared_clock_epoch
from orchestrator.security.principals import Role
from orchestrator.settings import Settings, load_settings

console = Console()


def up(
    temporal: Annotated[str | None, typer.Option(help="use a running Temporal at HOST:PORT instead of "
                                                      "starting the embedded dev server")] = None,
    database_url: Annotated[str | None, typer.Option(help="app database URL (default: SQLite under var/)")] = None,
    no_sim: Annotated[bool, typer.Option("--no-sim", help="do not start the simulators (use real endpoints "
                                                          "from settings)")] = False,
    time_scale: Annotated[float | None, typer.Option(help="plant seconds per wall second")] = None,
    var_dir: Annotated[Path | None, typer.Option(help="runtime state folder (default var/)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="do not echo the children's logs")] = False,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="start no worker (run `c2m worker` yourself, "
                                                                "e.g. several)")] = False,
    plant: Annotated[Path | None, typer.Option(help="plant file (default C2M_PLANT_FILE, plant/default.yaml)")] = None,
) -> None:
    """Start Temporal, the simulators, the API and a worker; stop them all on Ctrl-C or SIGTERM."""
    overrides: dict[str, object] = {}
    if temporal:
        overrides["temporal_address"] = temporal
    if database_url:
        overrides["database_url"] = database_url
    if time_scale:
        overrides["time_scale"] = time_scale
    if var_dir:
        overrides["var_dir"] = var_dir.resolve()
    if plant:
        overrides["plant_file"] = plant.resolve()
    settings = load_settings(**overrides)
    code = asyncio.run(_run(settings, embedded_temporal=temporal is None, simulators=not no_sim, quiet=quiet,
                            worker=not no_worker))
    raise typer.Exit(code)


async def _run(settings: Settings, embedded_temporal: bool, simulators: bool, quiet: bool, worker: bool) -> int:
    problems = stack.port_problems(settings, embedded_temporal, simulators)
    if simulators:
        problems += await asyncio.to_thread(_sparkplug_problems, settings)
    if problems:
        for p in problems:
            console.print(f"[red]✘[/] {p}")
        return 2
    epoch = shared_clock_epoch(settings)
    settings = settings.model_copy(update={"clock_epoch": epoch})
    env = stack.child_env(settings)
    sup = Supervisor(console, stack.log_dir(settings), quiet=quiet)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    console.rule("[bold]c2m up")
    console.print(f"state in {settings.var_dir}, plant clock ×{settings.time_scale:g}")
    code = 0
    try:
        console.print("[dim]migrating the app database…[/]")
        await asyncio.to_thread(upgrade, settings.resolved_database_url)
        seeded = await asyncio.to_thread(seed_stock, settings)
        console.print(f"[green]✔[/] database ready ({_redact(settings.resolved_database_url)}"
                      + (f", {seeded} items of starting stock loaded)" if seeded else ")"))
        accounts = await _demo_accounts(settings)
        first = [stack.temporal_spec(settings)] if embedded_temporal else []
        second: list = []
        if simulators:
            sims, mes = stack.simulator_specs(settings, env)
            first += sims
            second += mes
        apps = [spec for spec in stack.app_specs(settings, env) if worker or spec.name != "worker"]
        for stage in (first, second, apps):
            if stage and not stop.is_set():
                await _until_stopped(sup.start_stage(stage), stop)
        if not stop.is_set():
            _print_urls(settings, embedded_temporal, accounts)
            await sup.watch(stop)
    except ChildFailed as exc:
        console.print(f"[red bold]✘ {exc}[/]")
        code = 1
    except _Interrupted:
        pass
    finally:
        await sup.stop_all()
    return code


def _sparkplug_problems(settings: Settings) -> list[str]:
    """The simulator publishes the plant's Sparkplug lines: their broker must answer (or the file is wrong)."""
    from orchestrator.plant import PlantFileError, load_plant

    try:
        node = sparkplug_edge_node(load_plant(settings.plant_file), str(settings.plant_file))
    except (PlantFileError, SparkplugPlantError) as exc:
        return [str(exc)]
    problem = broker_problem(node) if node else None
    return [problem] if problem else []


class _Interrupted(Exception):
    pass


async def _until_stopped(coro: Coroutine[Any, Any, None], stop: asyncio.Event) -> None:
    task = asyncio.ensure_future(coro)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        stopper.cancel()
        task.result()
        return
    task.cancel()
    raise _Interrupted


async def _demo_accounts(settings: Settings) -> dict[Role, DemoAccount]:
    """Dev mode: a key per role, reused across restarts (production issues keys through the API only)."""
    if settings.mode != "dev":
        return {}
    accounts = await asyncio.to_thread(ensure_demo_accounts, settings)
    console.print(f"[green]✔[/] demo accounts (customer Li Wei, planner, integrator, admin): API keys in "
                  f"{accounts_file(settings)}")
    return accounts


def _print_urls(settings: Settings, embedded_temporal: bool, accounts: dict[Role, DemoAccount]) -> None:
    table = Table(title="c2m is up", show_header=False, title_justify="left")
    for name, url in stack.urls(settings, embedded_temporal):
        table.add_row(name, url)
    table.add_row("Logs", str(stack.log_dir(settings)))
    console.print(table)
    if accounts:
        # Printed whole (no ellipsis) so a terminal click opens the page signed in.
        console.print("Signed in as a demo account (the key is in the #fragment, never sent to the server; "
                      f"`c2m order …` uses the admin key from {accounts_file(settings).name}):")
        for label, url in page_links(settings.resolved_public_url, accounts):
            console.print(f"  {label}: {url}", soft_wrap=True, highlight=False)
    console.print("[dim]Ctrl-C stops everything.[/]")


def _redact(url: str) -> str:
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
