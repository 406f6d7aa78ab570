"""Order placement rate limit: a token bucket per caller, answered with 429 and ``Retry-After``.

The caller is its bearer token when it sends an ``Authorization`` header, else its IP address. Buckets
live in this process: with several API replicas behind a balancer each enforces its own share, so a
caller may place up to (replicas x rate). That is acceptable for its purpose, which is to stop one
client flooding the plant with orders, not to meter exactly.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request

from orchestrator.settings import Settings

# Past this many callers, idle ones (whose bucket has refilled) are forgotten: memory stays bounded
# even when a hostile client rotates through addresses.
MAX_CALLERS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """``burst`` tokens per caller, refilled at ``per_minute`` per minute; one token per request."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """Take a token for ``caller``: 0.0 when allowed, else the seconds until a token is available."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= MAX_CALLERS:
                    self._forget_idle(now)
                bucket = self._buckets[caller] = _Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_CALLERS:  # all busy: forget the longest-quiet half rather than grow
            for key in sorted(self._buckets, key=lambda k: self._buckets[k].updated)[: MAX_CALLERS // 2]:
                del self._buckets[key]


def caller_key(request: Request) -> str:
    """Who is calling: a digest of the ``Authorization`` value when sent (never the token itself), else the IP."""
    authorization = request.headers.get("authorization")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    return "ip:" + (request.client.host if request.client else "unknown")


def _buckets(request: Request) -> TokenBuckets | None:
    state = request.app.state
    buckets: TokenBuckets | None = getattr(state, "order_buckets", None)
    if buckets is None:
        settings: Settings = state.settings
        if settings.order_rate_per_minute <= 0:
            return None
        buckets = state.order_buckets = TokenBuckets(settings.order_rate_per_minute, settings.order_rate_burst)
    return buckets


def limit_order_placement(request: Request) -> None:
    """FastAPI dependency of ``POST /api/orders``: 429 with ``Retry-After`` once the caller's bucket is empty."""
    buckets = _buckets(request)
    if buckets is None:
        return
    wait = buckets.take(caller_key(request))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        settings: Settings = request.app.state.settings
        raise HTTPException(
            429,
            f"too many orders from this caller: at most {settings.order_rate_per_minute:g} per minute "
            f"(bursts of {settings.order_rate_burst}); retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


def limit_signups(request: Request) -> None:
    """FastAPI dependency of ``POST /api/customers``: 429 once an address opened too many accounts."""
    state = request.app.state
    buckets: TokenBuckets | None = getattr(state, "signup_buckets", None)
    settings: Settings = state.settings
    if settings.signup_rate_per_minute <= 0:
        return
    if buckets is None:
        buckets = state.signup_buckets = TokenBuckets(settings.signup_rate_per_minute, settings.signup_burst)
    wait = buckets.take("ip:" + (request.client.host if request.client else "unknown"))
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(429, f"too many new accounts from this address; retry in {seconds} s",
                            headers={"Retry-After": str(seconds)})


RATE_LIMITED = {429: {"description": "too many orders from this caller; retry after ``Retry-After`` seconds"}}
"""OpenAPI ``responses`` entry for a rate-limited route."""
