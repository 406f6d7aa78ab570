"""Serve an ASGI app with a real uvicorn server on a free loopback port, in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.support.ports import free_port
from tests.support.processes import tcp_open, wait_until


@contextmanager
def serving(app: Any, timeout: float = 20.0) -> Iterator[str]:
    """Yield the base URL of ``app`` served by uvicorn until the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(tcp_open(port), timeout, "uvicorn test server")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
