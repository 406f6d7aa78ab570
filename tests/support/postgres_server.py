"""A private PostgreSQL server for one test module: its own data folder and port, restartable at will.

The machine's shared PostgreSQL serves other tests and must never be restarted; fault tests that restart
the database under the API run this one instead (loopback only, trust auth, no fsync).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port, port_open
from tests.support.processes import wait_until


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl) are installed on this machine."""


def postgres_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                        if Path(p).parent.name.isdigit() else 0)
    for path in reversed(candidates):
        if (Path(path) / "initdb").exists() and (Path(path) / "pg_ctl").exists():
            return Path(path)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    raise PostgresUnavailable("no PostgreSQL server binaries (initdb, pg_ctl) found: install the postgresql "
                              "package (it provides /usr/lib/postgresql/<version>/bin)")


@dataclass
class PostgresServer:
    """``initdb`` + ``pg_ctl`` on a free port; ``restart()`` is the fault a test injects."""

    port: int = field(default_factory=free_port)
    bin_dir: Path = field(default_factory=postgres_bin_dir)
    root: Path = field(init=False)

    def __post_init__(self) -> None:
        # Under /tmp directly: the pytest temp folders belong to root with mode 700, and initdb refuses
        # to run as root, so the server runs as the postgres user, which must be able to reach its folder.
        self.root = Path(tempfile.mkdtemp(prefix="c2m-pg-"))
        os.chmod(self.root, 0o755)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``c2m`` database (psycopg 3)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/c2m"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        cmd = [str(self.bin_dir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                               f"; server log: {self.log_file}")

    def init(self) -> None:
        """Create the cluster and the ``c2m`` database, and start the server."""
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync", timeout=120)
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "c2m")

    def start(self) -> None:
        """Start the server and wait (bounded) until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "start", timeout=90)
        wait_until(lambda: port_open(self.port), 30, f"private PostgreSQL on port {self.port}")

    def stop(self) -> None:
        """Stop fast: open connections are cut, as in a real database restart."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop", timeout=90)
        wait_until(lambda: not port_open(self.port), 30, f"private PostgreSQL on port {self.port} to stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop, stay down for ``down_seconds`` (the outage), start again."""
        self.stop()
        if down_seconds:
            time.sleep(down_seconds)  # the outage itself is the point here; nothing to poll for
        self.start()

    def destroy(self) -> None:
        """Stop the server if it runs and remove its folder."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
