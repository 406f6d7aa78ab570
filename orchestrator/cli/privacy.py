"""``c2m privacy``: maintenance of encrypted personal data (key rotation), see docs/privacy.md."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import Progress

from orchestrator.persistence.db import make_engine
from orchestrator.persistence.privacy_repo import count_orders, reseal_orders
from orchestrator.security.crypto import DataKeyError
from orchestrator.security.keys import vault_for
from orchestrator.settings import load_settings

privacy_app = typer.Typer(help="Personal data: key rotation", no_args_is_help=True)


@privacy_app.command("rotate-keys")
def rotate_keys(
    batch_size: int = typer.Option(200, min=1, help="orders re-encrypted per transaction"),
) -> None:
    """Re-encrypt every order's personal data with the first key of C2M_DATA_KEYS.

    Rotation: put a new key in front of C2M_DATA_KEYS, restart the services, run this, then drop the old key.
    """
    settings = load_settings()
    console = Console()
    try:
        vault = vault_for(settings)
    except DataKeyError as exc:
        raise typer.BadParameter(str(exc), param_hint="C2M_DATA_KEYS") from exc
    engine = make_engine(settings.resolved_database_url)
    try:
        total = count_orders(engine)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("re-encrypting orders", total=total)
            done = 0
            for done in reseal_orders(engine, vault, batch_size):
                progress.update(task, completed=done)
    except DataKeyError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    console.print(f"{done} order(s) re-encrypted with key {vault.cipher.current_key_id}")
