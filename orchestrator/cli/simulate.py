"""``c2m simulate``: run a promise scenario under both policies and write the report (docs/simulation.md)."""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from orchestrator.simulation import POLICIES, ScenarioError, load_scenario, run_scenario
from orchestrator.simulation.demand import draw_orders
from orchestrator.simulation.records import SimulationResult
from orchestrator.simulation.report import ROWS, build_report, cell, write_report
from orchestrator.simulation.sweep import DEFAULT_TARGETS, sweep
from orchestrator.simulation.world import build_world

DEFAULT_OUT = Path("var") / "simulations"


def simulate(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="scenario YAML, e.g. scenarios/standard.yaml"),
    out: Path | None = typer.Option(None, "--out", help="report folder (default: var/simulations/<time>/)"),
    seed: int | None = typer.Option(None, "--seed", help="seed instead of the scenario's"),
    policies: str = typer.Option("c2m,baseline", "--policies", help="comma-separated: c2m, baseline"),
    with_sweep: bool = typer.Option(True, "--sweep/--no-sweep", help="also run the load sweep (50-95 % load)"),
    orders: int | None = typer.Option(None, "--orders", min=1, help="orders over the horizon (default: scenario)"),
    live: bool = typer.Option(False, "--live", help="play the scenario's first --orders (30) on the running stack "
                                                     "and compare with the simulation of the same orders"),
    start_stack: bool = typer.Option(False, "--start-stack", help="with --live: start a stack of its own"),
    api_url: str | None = typer.Option(None, "--api-url", help="with --live: the running API (default: this one)"),
    token: str | None = typer.Option(None, "--token", envvar="C2M_TOKEN", help="with --live: an admin key"),
    time_scale: float | None = typer.Option(None, "--time-scale", help="with --live: the stack's plant clock"),
) -> None:
    """Simulate the scenario on virtual time under each policy; print the table, write report.md/json and plots.

    With ``--live``: play its first orders on the real stack and compare (docs/simulation-live.md).
    """
    console = Console(highlight=False)
    chosen = [p.strip() for p in policies.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in POLICIES]
    if unknown or not chosen:
        console.print(f"[red]--policies: unknown {unknown or 'nothing'}; choose from {', '.join(POLICIES)}[/]")
        raise typer.Exit(2)
    if live:
        from orchestrator.cli.simulate_live import simulate_live

        comparison = simulate_live(scenario_file, orders or 30, out, start_stack, api_url, token, time_scale,
                                   seed=seed, console=console)
        raise typer.Exit(0 if comparison.verdict.agrees else 1)
    try:
        scenario = load_scenario(scenario_file)
        if seed is not None:
            scenario = scenario.model_copy(update={"seed": seed})
        world = build_world(scenario)
        stream = draw_orders(scenario, world.catalog, orders)
    except (ScenarioError, OSError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    folder = out or DEFAULT_OUT / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, SimulationResult] = {}
    sweep_report = None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        for policy in chosen:
            task = progress.add_task(f"{policy}: orders delivered", total=len(stream))

            def delivered(done: int, total: int, task: TaskID = task) -> None:
                progress.update(task, completed=done, total=total)

            results[policy] = run_scenario(scenario, policy, world=world, stream=stream, progress=delivered)
        if with_sweep:
            task = progress.add_task("load sweep", total=len(DEFAULT_TARGETS) * len(chosen))

            def step(what: str) -> None:
                progress.update(task, advance=1, description=f"load sweep: {what}")

            calibration = results["c2m" if "c2m" in results else chosen[0]]
            sweep_report = sweep(scenario, chosen, DEFAULT_TARGETS, orders, world, step, calibration)
            progress.update(task, completed=progress.tasks[task].total, description="load sweep")
    command = "c2m simulate " + " ".join(shlex.quote(a) for a in sys.argv[1:] if a != "simulate")
    report = build_report(scenario, results, sweep_report, command)
    written = write_report(report, results, folder)
    _print_table(console, report)
    for check in report["targets"]:
        colour = {True: "green", False: "red", None: "yellow"}[check["met"]]
        console.print(f"[{colour}]{check['words']}[/]")
    console.print(f"report: {written[0]} (and {', '.join(p.name for p in written[1:])})")


def _print_table(console: Console, report: dict) -> None:
    names = list(report["policies"])
    table = Table(title=f"Promise report: {report['scenario']['name']} (seed {report['scenario']['seed']})")
    table.add_column("figure")
    for name in names:
        table.add_column(name, justify="right")
    for label, _, _ in ROWS:
        table.add_row(label, *(cell(report["policies"][n], label) for n in names))
    console.print(table)
