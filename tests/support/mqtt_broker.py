"""A Mosquitto of the test's own on a free loopback port, which the test may stop and start again.

The machine's broker at 127.0.0.1:1883 is shared: tests never restart it. This one listens on the
same port across restarts, so clients that reconnect by themselves find it again.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port, port_open
from tests.support.processes import tcp_open, wait_until

MOSQUITTO = Path("/usr/sbin/mosquitto")


@dataclass
class PrivateBroker:
    """``mosquitto -c <config>`` on ``port``; :meth:`stop` drops every client's connection."""

    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def config(self) -> Path:
        return self.folder / "mosquitto.conf"

    @property
    def log(self) -> Path:
        return self.folder / "mosquitto.log"

    def start(self, timeout: float = 10.0) -> float:
        """Start the broker; return the wall seconds it took to accept connections."""
        assert self.proc is None, "the broker is running"
        self.folder.mkdir(parents=True, exist_ok=True)
        # Nagle off: without it a message that closely follows another waits for a delayed ACK (docs/sparkplug.md).
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n",
            encoding="utf-8",
        )
        began = time.monotonic()
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([str(MOSQUITTO), "-c", str(self.config)], stdout=out, stderr=out)
        wait_until(tcp_open(self.port), timeout, f"the private Mosquitto on port {self.port} (see {self.log})",
                   self.proc)
        return time.monotonic() - began

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the broker and wait until its port no longer answers."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        wait_until(lambda: not port_open(self.port), timeout, f"the private Mosquitto on port {self.port} to close")
