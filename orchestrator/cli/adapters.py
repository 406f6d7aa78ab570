"""``c2m adapters list|check|conformance``: the installed adapters, how the configured endpoints stand, and
whether an adapter keeps the promises our workflows rely on."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.integration.conformance.kinds import SuiteKind
from orchestrator.settings import load_settings

console = Console()
adapters_app = typer.Typer(help="Installed adapters and the endpoints they connect to.", no_args_is_help=True)


@adapters_app.command("list")
def list_adapters() -> None:
    """Every installed adapter (found through its entry point): kind, name, package, version."""
    from orchestrator.integration import registry

    table = Table("kind", "name", "package", "version", "entry point", "summary")
    for found in registry.installed():
        summary = ""
        try:
            summary = registry.spec(found.kind, found.name).summary
        except Exception as exc:  # a broken package must not hide the others
            summary = f"cannot load: {exc}"
        table.add_row(found.kind.value, found.name, found.package or "?", found.version or "?", found.value, summary)
    console.print(table)


@adapters_app.command("check")
def check(
    timeout: Annotated[float, typer.Option(help="seconds each endpoint may take to answer", min=0.1)] = 5.0,
) -> None:
    """Connect to every configured endpoint (lines, MES, suppliers) and print its state, latency and problem.

    Exits with status 1 when any endpoint is down, 2 when the configuration itself is wrong.
    """
    from orchestrator.integration.check import check_all
    from orchestrator.integration.mes import mes_adapter
    from orchestrator.integration.suppliers import load_supplier_configs
    from orchestrator.plant import load_plant

    # The OPC UA client's notes on closing a refused connection say nothing the table does not.
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    settings = load_settings()
    try:
        plant = load_plant(settings.plant_file)
        suppliers = load_supplier_configs(settings.suppliers_file, settings.resolved_suppliers_url)
        mes_adapter(settings)
    except ValueError as exc:
        console.print(f"[red]configuration error[/red]: {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    results = asyncio.run(check_all(settings, plant, suppliers, timeout))
    table = Table("kind", "endpoint", "adapter", "url", "state", "latency", "problem")
    for r in results:
        state = "[green]up[/green]" if r.up else "[red]down[/red]"
        table.add_row(r.kind.value, r.target, r.adapter, r.url or "", state, f"{r.latency_ms:.0f} ms", r.problem or "")
    console.print(table)
    down = [r for r in results if not r.up]
    # The problems again, one line each and never wrapped: what a script or a log search looks for.
    for r in down:
        console.print(f"down: {r.kind.value} {r.target}: {r.problem}", soft_wrap=True, markup=False, highlight=False)
    console.print(f"{len(results) - len(down)} up, {len(down)} down")
    if down:
        raise typer.Exit(1)


@adapters_app.command("conformance")
def conformance(
    kind: Annotated[SuiteKind, typer.Option(help="which contract the adapter implements")],
    adapter: Annotated[str, typer.Option(help="the registered adapter's name")],
    config: Annotated[Path, typer.Option(help="the conformance file (examples under docs/conformance/)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the outcomes as one JSON document")] = False,
) -> None:
    """Check an adapter against a live endpoint, rule by rule (docs/integrators.md, "Conformance suite").

    Prints each rule as it ends: PASS, FAIL or ERROR, what was expected and found, and every exchange.
    Exits with status 0 when every rule passed, 1 when any failed or could not be checked, 2 when the
    conformance file is wrong.
    """
    from orchestrator.cli.conformance_report import as_json as report_json
    from orchestrator.cli.conformance_report import print_outcome, summary
    from orchestrator.integration.conformance.config import ConformanceConfigError, load_conformance
    from orchestrator.integration.conformance.outcome import RuleOutcome
    from orchestrator.integration.conformance.runner import run

    logging.getLogger("asyncua").setLevel(logging.ERROR)
    try:
        loaded = load_conformance(config, kind=kind, adapter=adapter)
    except ConformanceConfigError as exc:
        console.print(f"[red]conformance file error[/red]: {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None

    async def collect() -> list[RuleOutcome]:
        outcomes = []
        async for outcome in run(loaded):
            outcomes.append(outcome)
            if not as_json:
                print_outcome(console, outcome)
        return outcomes

    if not as_json:
        console.print(f"conformance of the {loaded.adapter.kind.value} adapter {loaded.adapter.name!r} on "
                      f"{loaded.target!r} ({config})", highlight=False, markup=False)
    outcomes = asyncio.run(collect())
    if as_json:
        print(report_json(loaded.kind, loaded.adapter.name, loaded.target, outcomes))
    else:
        console.print(summary(outcomes), highlight=False, markup=False, soft_wrap=True)
    if not outcomes or not all(o.passed for o in outcomes):
        raise typer.Exit(1)
