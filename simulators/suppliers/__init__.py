"""Simulated supplier SCM portal (a third party's system: imports nothing of c2m).

Hosts every supplier of a YAML file under ``/suppliers/{supplier_id}/...`` with UBL-shaped JSON
documents, persisted in SQLite, shipping on the plant clock and posting signed ASN webhooks.
Run it with ``python -m simulators.suppliers`` or call :func:`main`.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """Run the portal until interrupted (``c2m sim suppliers`` calls this)."""
    # Imported here so that using a small piece (signing, planning) does not load the web stack.
    from simulators.suppliers.cli import main as run

    run(argv)


__all__ = ["main"]
