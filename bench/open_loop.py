"""Open-loop HTTP load: requests at fixed intervals whatever the responses, timed from their scheduled send.

Run as its own process so the load does not compete with the server for the same interpreter:
``python -m bench.open_loop RATE DURATION URL [--method POST --body-file F]`` prints one JSON object:
the latencies (ms) of the 2xx responses, a count per status (``timeout`` and error class names for
requests without one), how many were sent and how far sending fell behind its schedule. Each request
carries the API key in ``C2M_TOKEN``, if set.

Timing from the *scheduled* send avoids coordinated omission: when the server stalls, the requests
that should have gone out meanwhile are charged the wait, as real arrivals would be.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

START_DELAY_S = 0.2  # lets the loop settle before the first scheduled send
WARM_UP_REQUESTS = 8


async def generate(rate: float, duration: float, url: str, method: str = "GET", body: bytes | None = None,
                   timeout: float = 30.0, warm_up: str | None = None) -> dict[str, Any]:
    """Send ``rate`` requests a second for ``duration`` seconds; see the module docstring for the result.

    ``warm_up``: a URL fetched (untimed) a few times first, so the first timed requests do not pay for
    this process's cold start (opening connections, first use of the HTTP client's code paths).
    """
    loop = asyncio.get_running_loop()
    count = max(1, round(rate * duration))
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lag_ms = 0.0
    headers = {"content-type": "application/json"} if body is not None else {}
    if token := os.environ.get("C2M_TOKEN"):  # the caller's API key, as the c2m CLI takes it
        headers["authorization"] = f"Bearer {token}"
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        if warm_up:
            await asyncio.gather(*(client.get(warm_up) for _ in range(WARM_UP_REQUESTS)))

        async def one(scheduled: float) -> None:
            try:
                response = await client.request(method, url, content=body, headers=headers)
            except httpx.TimeoutException:
                statuses["timeout"] += 1
                return
            except httpx.HTTPError as exc:
                statuses[exc.__class__.__name__] += 1
                return
            statuses[str(response.status_code)] += 1
            if response.is_success:
                latencies.append((loop.time() - scheduled) * 1000.0)

        start = loop.time() + START_DELAY_S
        tasks = []
        for i in range(count):
            scheduled = start + i / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            lag_ms = max(lag_ms, (loop.time() - scheduled) * 1000.0)
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)  # each request is bounded by ``timeout``
    return {"rate": rate, "duration": duration, "sent": count, "latencies_ms": latencies,
            "statuses": dict(statuses), "send_lag_ms": round(lag_ms, 1)}


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: the result as one JSON line on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("rate", type=float, help="requests per second")
    parser.add_argument("duration", type=float, help="seconds of load")
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body-file", type=Path, help="request body (JSON) sent with every request")
    parser.add_argument("--warm-up", metavar="URL", help="fetch this a few times, untimed, before the load")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as timed out")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0:
        parser.error(f"RATE and DURATION must be positive, got {args.rate:g} and {args.duration:g}")
    body = args.body_file.read_bytes() if args.body_file else None
    result = asyncio.run(generate(args.rate, args.duration, args.url, args.method.upper(), body, args.timeout,
                                   args.warm_up))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
