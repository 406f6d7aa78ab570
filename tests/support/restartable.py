"""A server that a shell command can restart: what an integrator's ``systemctl restart`` is to the suite.

The conformance suite restarts a line's endpoint with a shell command. In tests the endpoint (the
plant simulator, a private Mosquitto) runs detached in its own session with its command and pid in a
folder, so that command is ``python -m tests.support.restartable restart <folder>``: stop the server
(SIGTERM, SIGKILL after 15 s), start it again with the same command, return once its port answers.
:class:`Restartable` does the same from a test (``start``, ``stop``, and the shell ``restart_command``).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    # A zombie (exited, not yet reaped by its parent) no longer serves: count it as gone.
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, IndexError):
        return False
    return fields[0] != "Z"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _wait(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} after {timeout:g} s")


@dataclass(frozen=True)
class Restartable:
    """``argv`` serving on 127.0.0.1:``port``, run detached; its state lives in ``folder``."""

    folder: Path
    argv: tuple[str, ...]
    port: int

    @classmethod
    def load(cls, folder: Path) -> Restartable:
        data = json.loads((folder / "service.json").read_text(encoding="utf-8"))
        return cls(folder, tuple(data["argv"]), int(data["port"]))

    @property
    def restart_command(self) -> str:
        """The shell command that restarts this server."""
        return shlex.join([sys.executable, "-m", "tests.support.restartable", "restart", str(self.folder)])

    def pid(self) -> int | None:
        path = self.folder / "pid"
        return int(path.read_text()) if path.exists() else None

    def start(self, timeout: float = 60.0) -> None:
        """Start the server detached and wait until its port answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "service.json").write_text(json.dumps({"argv": self.argv, "port": self.port}), encoding="utf-8")
        with open(self.folder / "service.log", "ab") as log:
            proc = subprocess.Popen(self.argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=True)
        (self.folder / "pid").write_text(str(proc.pid))
        try:
            _wait(lambda: _answers(self.port) or proc.poll() is not None, timeout, f"{self.argv[0]} not listening")
        except TimeoutError:
            self.stop()
            raise
        if proc.poll() is not None:
            raise RuntimeError(f"{shlex.join(self.argv)} exited with {proc.returncode}; see {self.folder}/service.log")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait until its port is free."""
        pid = self.pid()
        if pid is None or not _alive(pid):
            return
        os.kill(pid, signal.SIGTERM)
        try:
            _wait(lambda: not _alive(pid), timeout, f"pid {pid} still running")
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            _wait(lambda: not _alive(pid), 5.0, f"pid {pid} survived SIGKILL")
        _wait(lambda: not _answers(self.port), timeout, f"port {self.port} still answering")

    def restart(self) -> None:
        """Stop, then start with the same command."""
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.folder / "service.log"
        return path.read_text(errors="replace") if path.exists() else ""


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("restart", "stop"):
        print("usage: python -m tests.support.restartable restart|stop <folder>", file=sys.stderr)
        return 2
    service = Restartable.load(Path(argv[1]))
    service.restart() if argv[0] == "restart" else service.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
