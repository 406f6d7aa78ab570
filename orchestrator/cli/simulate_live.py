"""``c2m simulate SCENARIO --live``: the scenario's first orders through the running stack, beside the simulation.

:func:`simulate_live` is the whole command as a function; ``c2m simulate`` calls it for ``--live``. Run
alone: ``python -m orchestrator.cli.simulate_live scenarios/standard.yaml --orders 30 --start-stack``.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orchestrator.settings import load_settings
from orchestrator.simulation import Scenario, ScenarioError, load_scenario
from orchestrator.simulation.live import validate_live
from orchestrator.simulation.live_compare import Comparison
from orchestrator.simulation.live_stack import LiveStack, StackError, apply_supplier_changes, attach, started_stack
from orchestrator.simulation.live_world import stack_environment

DEFAULT_OUT = Path("var") / "simulations"
OWN_STACK_TIME_SCALE = 7200.0  # two plant hours per wall second: 30 standard orders in about 20 minutes
ATTACHED = ("attached to a running stack: its own plant, stock and settings were used (the plant simulator's "
            "random breakdowns and defects, stock left by earlier orders, its approval thresholds); "
            "--start-stack runs exactly the scenario's world")


def simulate_live(
    scenario_path: Path, orders: int = 30, out_dir: Path | None = None, start_stack: bool = False,
    api_url: str | None = None, token: str | None = None, time_scale: float | None = None,
    timeout_seconds: float | None = None, spread: bool = False, seed: int | None = None,
    console: Console | None = None,
) -> Comparison:
    """Play the scenario's first ``orders`` orders on a stack and compare with the simulation of the same orders.

    ``start_stack``: run a stack of its own (``c2m up`` on free ports, the scenario's files, plant clock
    ``time_scale`` or ×7200); otherwise attach to the running ``c2m up`` (``api_url``, ``token`` and the
    clock from the settings and ``var/demo-accounts.json``). Writes ``live.md`` and ``live.json`` to
    ``out_dir`` (default ``var/simulations/live-<time>/``), prints the table and returns the comparison.
    ``seed`` replaces the scenario's; ``spread`` draws the orders over the whole horizon instead.
    Raises ``typer.Exit(2)`` on a bad scenario or an unreachable stack.
    """
    console = console or Console(highlight=False)
    try:
        scenario = load_scenario(scenario_path)
        if seed is not None:
            scenario = scenario.model_copy(update={"seed": seed})
    except ScenarioError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    folder = out_dir or DEFAULT_OUT / datetime.now(UTC).strftime("live-%Y%m%dT%H%M%SZ")
    try:
        if start_stack:
            comparison = _on_own_stack(scenario, orders, folder, time_scale or OWN_STACK_TIME_SCALE,
                                       timeout_seconds, spread, console)
        else:
            stack = attach(load_settings(), api_url, token, time_scale)
            notes = [ATTACHED, *apply_supplier_changes(stack, dict(scenario.supplier_changes))]
            comparison = _play(stack, scenario, orders, timeout_seconds, spread, console, notes)
    except (StackError, ScenarioError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    md, js = comparison.write(folder)
    _print(console, comparison)
    console.print(f"comparison: {md} (and {js.name})")
    return comparison


def _on_own_stack(scenario: Scenario, orders: int, folder: Path, scale: float, timeout: float | None,
                  spread: bool, console: Console) -> Comparison:
    folder.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="stack-", dir=folder))
    console.print(f"starting a stack of its own (plant clock ×{scale:g}, state and logs in {var_dir})…")
    with started_stack(var_dir, stack_environment(scenario, var_dir / "files"), scale) as stack:
        return _play(stack, scenario, orders, timeout, spread, console, [])


def _play(stack: LiveStack, scenario: Scenario, orders: int, timeout: float | None, spread: bool,
          console: Console, notes: list[str]) -> Comparison:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("live: orders ended", total=orders)

        def show(ended: int, total: int, what: str) -> None:
            progress.update(task, completed=ended, total=total, description=f"live: orders ended ({what})")

        return validate_live(scenario, orders, stack, progress=show, stage=lambda what: console.print(f"· {what}"),
                             timeout_seconds=timeout, spread=spread, notes=notes)


def _print(console: Console, c: Comparison) -> None:
    table = Table(title=f"Live validation: {c.scenario} (seed {c.seed}), {c.orders} orders")
    table.add_column("figure")
    table.add_column("simulation", justify="right")
    table.add_column("live stack", justify="right")
    for label, key, sub, pct in (("on-time share", "on_time_share", None, True),
                                 ("actual lead p50 (d)", "actual_lead_days", "p50", False),
                                 ("actual lead p90 (d)", "actual_lead_days", "p90", False),
                                 ("promised lead p50 (d)", "promised_lead_days", "p50", False)):
        cells = []
        for side in (c.simulated, c.live):
            value = side[key] if sub is None else side[key][sub]
            cells.append("–" if value is None else (f"{100 * value:.1f} %" if pct else f"{value:.2f}"))
        table.add_row(label, *cells)
    table.add_row("delivered", f"{c.simulated['delivered']}/{c.simulated['orders']}",
                  f"{c.live['delivered']}/{c.live['orders']}")
    console.print(table)
    v = c.verdict
    console.print("[green]agree within the tolerances[/]" if v.agrees else "[red]disagree: " + "; ".join(v.reasons))


app = typer.Typer(help="Live validation of the promise simulation against the running stack.")


@app.command("simulate-live")
def simulate_live_command(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="scenario YAML, e.g. scenarios/standard.yaml"),
    orders: int = typer.Option(30, "--orders", min=1, help="how many of the scenario's first orders to play"),
    out: Path | None = typer.Option(None, "--out", help="folder for live.md/live.json (default var/simulations/)"),
    start_stack: bool = typer.Option(False, "--start-stack", help="start a stack of its own instead of attaching"),
    api_url: str | None = typer.Option(None, "--api-url", help="the running API (default: C2M_API_PORT on 127.0.0.1)"),
    token: str | None = typer.Option(None, "--token", envvar="C2M_TOKEN", help="admin key (default: the demo admin)"),
    time_scale: float | None = typer.Option(None, "--time-scale", help="plant clock of the stack (own: ×7200)"),
    timeout: float | None = typer.Option(None, "--timeout", help="wall seconds to wait for delivery"),
    spread: bool = typer.Option(False, "--spread", help="draw the orders over the whole horizon instead"),
    seed: int | None = typer.Option(None, "--seed", help="seed instead of the scenario's"),
) -> None:
    """Play the scenario's first orders on the stack and compare with the simulation of the same orders."""
    comparison = simulate_live(scenario_file, orders, out, start_stack, api_url, token, time_scale, timeout, spread,
                               seed)
    if not comparison.verdict.agrees:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
