"""Follow a live event stream (SSE) in a background thread, as a tracker page does, for the test to read.

The follower resumes with ``Last-Event-ID`` after a dropped connection, as browsers' ``EventSource``
does, so what it collected is the stream's events in id order, each once.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx


class EventStreamFollower:
    """Reads ``url`` (an SSE stream) until :meth:`stop`; :meth:`events` is what arrived so far."""

    def __init__(self, url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> None:
        self.url, self.params, self.headers = url, params or {}, headers or {}
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="sse-follower", daemon=True)

    def start(self) -> EventStreamFollower:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop reading (the thread ends at the next heartbeat or read timeout)."""
        self._stop.set()
        self._thread.join(timeout)

    def events(self) -> list[dict[str, Any]]:
        """The events received so far: each message's JSON ``data``."""
        with self._lock:
            return list(self._events)

    def wait_for(self, predicate: Any, timeout: float, what: str) -> list[dict[str, Any]]:
        """Poll until ``predicate(events)`` holds; fail with ``what`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.events()
            if predicate(events):
                return events
            time.sleep(0.2)
        raise AssertionError(f"{what}: not seen on {self.url} within {timeout:.0f} s; stream errors: {self.errors}; "
                             f"kinds seen: {sorted({e['kind'] for e in self.events()})}")

    def _run(self) -> None:
        last_id: str | None = None
        while not self._stop.is_set():
            headers = {**self.headers, **({"Last-Event-ID": last_id} if last_id else {})}
            try:
                with httpx.stream("GET", self.url, params=self.params, headers=headers,
                                  timeout=httpx.Timeout(10.0, read=5.0)) as resp:
                    resp.raise_for_status()
                    for line in resp.iter_lines():
                        if self._stop.is_set():
                            return
                        if line.startswith("id:"):
                            last_id = line[3:].strip()
                        elif line.startswith("data:"):
                            with self._lock:
                                self._events.append(json.loads(line[5:].strip()))
            except (httpx.HTTPError, ValueError) as exc:
                self.errors.append(repr(exc))
                self._stop.wait(0.5)
