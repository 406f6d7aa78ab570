"""Live event streams that hold across API processes, stay awake when idle and outlast slow clients.

Two real API processes (uvicorn, the app factory) follow one database; the test process writes events
as a third party. On PostgreSQL, delivery must be driven by NOTIFY: the polling fallback is set to
30 s, so anything arriving within a second or two was woken by a notification.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from orchestrator.api.app import create_app
from orchestrator.persistence.events import EVENTS, NewEvent, record_events
from orchestrator.settings import Settings
from tests.support.auth import ADMIN
from tests.support.ports import free_port
from tests.support.processes import running, tcp_open, wait_until
from tests.support.servers import serving

SLOW_POLL = {"C2M_EVENT_POLL_SECONDS": "30", "C2M_EVENT_LISTEN_POLL_SECONDS": "30"}


class StreamTap:
    """Reads one SSE stream in a background thread, noting each event's arrival time and every comment."""

    def __init__(self, url: str, last_event_id: int | None = None) -> None:
        self.url = url
        self.headers = dict(ADMIN) if last_event_id is None else {"Last-Event-ID": str(last_event_id), **ADMIN}
        self.events: list[dict[str, Any]] = []
        self.arrived: dict[int, float] = {}
        self.comments: list[tuple[float, str]] = []
        self.error: BaseException | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=60.0))
        self._closing = False
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    @property
    def ids(self) -> list[int]:
        return [e["id"] for e in self.events]

    def _read(self) -> None:
        current: dict[str, Any] = {}
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as resp:
                resp.raise_for_status()
                with self._lock:  # close() shuts this socket to end a read blocked in another thread
                    if self._closing:
                        return
                    self._socket = resp.extensions["network_stream"].get_extra_info("socket")
                for line in resp.iter_lines():
                    if line.startswith(":"):
                        self.comments.append((time.monotonic(), line))
                    elif line.startswith("id: "):
                        current["id"] = int(line[4:])
                    elif line.startswith("data: "):
                        current["data"] = json.loads(line[6:])
                    elif line == "" and current:
                        self.arrived[current["id"]] = time.monotonic()
                        self.events.append(current)
                        current = {}
        except BaseException as exc:  # closing the socket ends the read with an error; anything else is kept
            if not self._closing:
                self.error = exc

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        wait_until(lambda: len(self.events) >= count or self.error is not None, timeout,
                   f"{count} events on {self.url} (have {len(self.events)})")
        assert self.error is None, f"stream {self.url} failed: {self.error!r}"

    def close(self) -> None:
        """Disconnect, as a client that goes away does."""
        with self._lock:
            self._closing = True
            if self._socket is not None:
                with contextlib.suppress(OSError):
                    self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), f"stream {self.url} did not close"
        self._client.close()


@contextmanager
def taps(*taps_: StreamTap) -> Iterator[None]:
    try:
        yield
    finally:
        for tap in taps_:
            tap.close()


@contextmanager
def api_processes(count: int, db_url: str, tmp_path: Path, **env: str) -> Iterator[list[str]]:
    """``count`` API processes (uvicorn running the app factory) on one database; yields their base URLs.

    They start side by side, to save start-up time, and stop when the block ends.
    """
    ports = [free_port() for _ in range(count)]
    ready = threading.Barrier(count + 1, timeout=120)
    done = threading.Event()
    failures: list[BaseException] = []

    def serve(n: int) -> None:
        args = ["-m", "uvicorn", "orchestrator.api.app:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(ports[n]), "--log-level", "info"]
        try:
            with running(args, tcp_open(ports[n]), f"API process {n}", timeout=90, log_path=tmp_path / f"api{n}.log",
                         env={"C2M_DATABASE_URL": db_url, "C2M_VAR_DIR": str(tmp_path), **env}):
                ready.wait()
                done.wait(timeout=600)
        except BaseException as exc:
            failures.append(exc)
            ready.abort()

    threads = [threading.Thread(target=serve, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    try:
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            raise AssertionError(f"API processes did not start: {failures}") from None
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)


def _event(n: int, order_id: str | None = None, size: int = 0) -> NewEvent:
    payload: dict[str, Any] = {"n": n, **({"pad": "x" * size} if size else {})}
    return NewEvent(kind="test", plant_time=datetime.now(UTC), order_id=order_id, payload=payload,
                    dedupe_key=f"multi:{n}")


def _all_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(EVENTS.c.id).order_by(EVENTS.c.id)).scalars())


def _write_concurrently(engine: Engine, numbers: range, writers: int = 2) -> None:
    """Several writers at once, so ids may commit out of order (PostgreSQL) or contend (SQLite)."""
    def write(mine: list[int]) -> None:
        for n in mine:
            record_events(engine, [_event(n, "A" if n % 3 else None)])
            time.sleep(0.005)

    threads = [threading.Thread(target=write, args=(list(numbers)[w::writers],)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_two_api_processes_stream_every_event_and_resume_across_them(
    tmp_path: Path, db_url: str, engine: Engine,
) -> None:
    with api_processes(2, db_url, tmp_path) as (first, second):
        on_first, on_second = StreamTap(f"{first}/api/plant/events"), StreamTap(f"{second}/api/plant/events")
        leaving = StreamTap(f"{first}/api/plant/events")
        with taps(on_first, on_second):
            with taps(leaving):
                _write_concurrently(engine, range(0, 30))
                leaving.wait_for(30)
            seen = leaving.ids  # the client is gone; more events happen while it is away
            _write_concurrently(engine, range(30, 60))
            on_first.wait_for(60)
            on_second.wait_for(60)

            # It comes back to the OTHER process and names the last event it saw.
            back = StreamTap(f"{second}/api/plant/events", last_event_id=seen[-1])
            with taps(back):
                record_events(engine, [_event(60)])  # a last event, so extras or duplicates would show
                back.wait_for(61 - len(seen))
                time.sleep(0.3)  # anything extra (a duplicate) would arrive now
                everything = _all_ids(engine)
                assert len(everything) == 61
                assert back.ids == everything[len(seen):], "the resumed stream must hold exactly what was missed"
            on_first.wait_for(61)
            on_second.wait_for(61)
        assert seen == everything[:len(seen)]
        assert on_first.ids == on_second.ids == everything, "both processes stream every event in id order"


def test_postgres_streams_are_woken_by_notify_and_survive_a_lost_listener(
    tmp_path: Path, db_url: str, engine: Engine,
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("NOTIFY wake-ups are PostgreSQL's; SQLite streams poll (covered by the test above)")

    def latency(n: int, timeout: float) -> float:
        written = time.monotonic()
        record_events(engine, [_event(n)])
        for tap in streams:
            tap.wait_for(n + 1, timeout)
        return max(tap.arrived[tap.ids[n]] for tap in streams) - written

    def listeners() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'c2m-event-wakeups' AND query ILIKE 'LISTEN%'")).scalar_one())

    with api_processes(2, db_url, tmp_path, **SLOW_POLL) as bases:
        streams = [StreamTap(f"{base}/api/plant/events") for base in bases]
        with taps(*streams):
            wait_until(lambda: listeners() == 2, 30, "both API processes listening")
            latencies = [latency(n, 10) for n in range(5)]
            assert max(latencies) < 2.0, f"with 30 s polling, only NOTIFY delivers this fast: {latencies}"

            # PostgreSQL drops the LISTEN connections (as in a restart): they come back, and streams go on.
            with engine.connect() as conn:
                dropped = conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                    "datname = current_database() AND application_name = 'c2m-event-wakeups'")).scalar_one()
            assert dropped == 2
            assert latency(5, 15) < 10.0, "the first event after the loss is read when the listener reconnects"
            wait_until(lambda: listeners() == 2, 30, "both API processes listening again")
            assert latency(6, 10) < 2.0, "after reconnecting, NOTIFY drives delivery again"
            assert [tap.ids for tap in streams] == [_all_ids(engine)] * 2


def test_idle_streams_send_heartbeat_comments(
    tmp_path: Path, db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("C2M_SSE_HEARTBEAT_SECONDS", "0.5")
    with serving(create_app(Settings(var_dir=tmp_path, database_url=db_url))) as base:
        tap = StreamTap(f"{base}/api/plant/events")
        with taps(tap):
            wait_until(lambda: len(tap.comments) >= 3, 10, "the stream's opening comment and two heartbeats")
            record_events(engine, [_event(1)])
            tap.wait_for(1)
            wait_until(lambda: len(tap.comments) >= 6, 10, "more heartbeats after the event")
    heartbeats = [at for at, line in tap.comments if line == ": heartbeat"]
    assert len(heartbeats) >= 4
    gaps = [b - a for a, b in itertools.pairwise(heartbeats)]
    # One gap spans the event (the heartbeat timer restarts after it); every other one is about 0.5 s.
    assert sorted(gaps)[len(gaps) // 2] < 0.9, f"heartbeats not on time: {gaps}"
    assert all(gap < 1.6 for gap in gaps), f"heartbeats not on time: {gaps}"


def _stalled_client(base: str) -> socket.socket:
    """A client that asks for the plant stream and then reads nothing (a tiny receive buffer fills fast)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect((host, int(port)))
    # HTTP/1.0: the body comes unchunked, ended by the server closing, so it parses as plain SSE text.
    sock.sendall(b"GET /api/plant/events HTTP/1.0\r\nHost: " + host.encode() + b"\r\n"
                 + f"Authorization: {ADMIN['Authorization']}\r\n\r\n".encode())
    return sock


def _read_sse_ids(sock: socket.socket, count: int, timeout: float) -> list[int]:
    buffer = bytearray()
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < count and time.monotonic() < deadline:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        start = max(0, len(buffer) - 4)  # an id line may straddle two chunks; one wholly before is counted
        buffer += chunk
        seen += buffer.count(b"\nid: ", start)
    body = bytes(buffer).split(b"\r\n\r\n", 1)[1].decode()
    return [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]


def test_a_client_that_stops_reading_delays_no_one_and_loses_nothing(
    tmp_path: Path, db_url: str, engine: Engine,
) -> None:
    app = create_app(Settings(var_dir=tmp_path, database_url=db_url))
    hub = app.state.event_hub
    with serving(app) as base:
        stalled = _stalled_client(base)
        reader = StreamTap(f"{base}/api/plant/events")
        with taps(reader):
            # 2 KB events until the stalled client has fallen behind (socket buffers take a few megabytes
            # first), and at least 2,500 of them.
            written: dict[int, float] = {}
            n = 0
            while n < 2500 or (hub.overflows == 0 and n < 10_000):
                record_events(engine, [_event(k, size=2000) for k in range(n, n + 10)])
                written.update(dict.fromkeys(range(n, n + 10), time.monotonic()))
                n += 10
            assert hub.overflows >= 1, f"the stalled client never fell behind after {n} events (test setup)"
            reader.wait_for(n, timeout=30)
            lags = sorted(reader.arrived[e["id"]] - written[e["data"]["payload"]["n"]] for e in reader.events)
        everything = _all_ids(engine)
        assert len(everything) == n and reader.ids == everything
        assert lags[int(len(lags) * 0.99)] < 2.0 and lags[-1] < 5.0, f"slowest deliveries: {lags[-5:]}"

        with stalled:  # now it reads: every event, in order, none twice
            assert _read_sse_ids(stalled, n, timeout=90) == everything
