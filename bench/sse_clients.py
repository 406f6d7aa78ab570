"""Many plant trackers at once: SSE clients of ``/api/plant/events`` and a bare OPC UA client, in one process.

``python -m bench.sse_clients API_URL OPCUA_URL --clients N --lines L1,L2 [--after ID]`` opens N raw
HTTP connections to the plant event stream (plain sockets and a small parser keep the client's CPU low,
so the clients do not slow the path they time) and subscribes to the lines with a bare asyncua client.
It prints ``ready N`` once every stream answered, answers a ``status`` line on stdin with ``arrivals N``
(progress events received so far, over all clients), runs until a line ``stop`` arrives (or
``--max-seconds``), then prints one JSON object: for every ``line_progress`` value ``(line, job,
produced)``, its OPC UA source timestamp, when the bare client saw it, and when each SSE client got it
(Unix seconds, this machine's clock, like the simulator's source timestamps).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bench.ua_baseline import Baseline, Key

PROGRESS = b"\nevent: line_progress\n"  # an SSE message is id, event, data lines


class SseClient(asyncio.Protocol):
    """One tracker: sends the request, reads the (possibly chunked) stream, stamps each progress event."""

    def __init__(self, request: bytes, arrivals: dict[Key, list[float]], ready: asyncio.Future[None],
                 match: bytes = b"") -> None:
        self.request, self.arrivals, self.ready, self.match = request, arrivals, ready, match
        self.raw = b""
        self.body = b""
        self.chunked: bool | None = None  # None until the headers are in
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.error = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()  # every event in this read arrived now
        self.raw += data
        if self.chunked is None and not self._headers():
            return
        if self.chunked:
            self._dechunk()
        else:
            self.body, self.raw = self.body + self.raw, b""
        *messages, self.body = self.body.split(b"\n\n")
        for message in messages:
            if PROGRESS in message and self.match in message:
                self._stamp(message, now)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(self.error or "the API closed the event stream"))

    def _headers(self) -> bool:
        head, sep, rest = self.raw.partition(b"\r\n\r\n")
        if not sep:
            return False
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status + b" ":
            self.error = f"the event stream answered {status.decode(errors='replace')!r}"
            if self.transport:
                self.transport.close()
            return False
        self.chunked = b"transfer-encoding: chunked" in head.lower()
        self.raw = rest
        if not self.ready.done():
            self.ready.set_result(None)
        return True

    def _dechunk(self) -> None:
        while True:
            line, sep, rest = self.raw.partition(b"\r\n")
            if not sep:
                return
            size = int(line.split(b";", 1)[0] or b"0", 16)
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2:]

    def _stamp(self, message: bytes, now: float) -> None:
        for field in message.split(b"\n"):
            if field.startswith(b"data: "):
                event = json.loads(field[6:])
                payload = event.get("payload") or {}
                key = (str(event.get("line")), str(payload.get("work_order_id")), int(payload.get("produced") or 0))
                self.arrivals.setdefault(key, []).append(now)
                return


async def track(api: str, opcua: str, clients: int, lines: list[str], after: int | None, match: str,
                max_seconds: float) -> dict[str, Any]:
    """Connect everything, say ``ready``, answer ``status`` with the arrivals so far, and stop on ``stop``."""
    loop = asyncio.get_running_loop()
    url = urlsplit(api)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    path = "/api/plant/events" + (f"?after={after}" if after is not None else "")
    token = os.environ.get("C2M_TOKEN")  # the API key of a plant reader, as the c2m CLI takes it
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n{authorization}"
               "Cache-Control: no-cache\r\n\r\n").encode()
    arrivals: dict[Key, list[float]] = {}
    baseline = Baseline(opcua, lines)
    await baseline.start()
    streams: list[SseClient] = []
    try:
        for _ in range(clients):
            client = SseClient(request, arrivals, loop.create_future(), match.encode())
            streams.append(await _connect(client, host, port))
        await asyncio.wait_for(asyncio.gather(*(s.ready for s in streams)), timeout=60)
        print(f"ready {len(streams)}", flush=True)
        await asyncio.wait_for(_commands(lambda: sum(len(t) for t in arrivals.values())), timeout=max_seconds)
        lost = sum(1 for s in streams if s.lost)
    finally:
        for stream in streams:
            if stream.transport:
                stream.transport.close()
        await baseline.stop()
    events = [[line, job, produced, *baseline.seen.get((line, job, produced), (None, None)), times]
              for (line, job, produced), times in arrivals.items()]
    return {"clients": clients, "lost": lost, "events": events}


async def _connect(client: SseClient, host: str, port: int) -> SseClient:
    await asyncio.get_running_loop().create_connection(lambda: client, host, port)
    return client


async def _commands(arrived: Callable[[], int]) -> None:
    """Answers ``status`` lines on stdin with ``arrivals N``; returns on ``stop`` or end of file.

    Stdin is read in a daemon thread, so a timeout never leaves the process waiting for a blocked read.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def handle(command: str) -> None:
        if command == "status":
            print(f"arrivals {arrived()}", flush=True)
        elif not done.done():
            done.set_result(None)

    def read() -> None:
        while True:
            command = sys.stdin.readline()
            loop.call_soon_threadsafe(handle, command.strip() or "stop")
            if not command or command.strip() == "stop":
                return

    threading.Thread(target=read, daemon=True).start()
    await done


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("api", help="the API's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("opcua", help="the plant's OPC UA endpoint")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--lines", required=True, help="comma-separated line ids to follow over OPC UA")
    parser.add_argument("--after", type=int, default=None, help="stream events after this id (default: all)")
    parser.add_argument("--match", default="", help="time only progress events whose data contain this text")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="give up waiting for 'stop' after this")
    args = parser.parse_args(argv)
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    result = asyncio.run(track(args.api, args.opcua, args.clients, args.lines.split(","), args.after,
                               args.match, args.max_seconds))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
