"""Signed webhooks: HMAC-SHA256 over ``"{timestamp}.{body}"``, sent as
``X-C2M-Signature: t=<unix seconds>,v1=<hex digest>``.

Suppliers sign the ASNs they post to us with the shared webhook secret; the receiver verifies the
signature and refuses stale ones (replays). The timestamp is wall time. Several ``v1`` entries may
be present (secret rotation): one match is enough. Pure functions: ``now`` is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "X-C2M-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class WebhookSignatureError(ValueError):
    """The webhook's signature does not prove that the sender holds the secret; refuse the request."""


class MalformedSignature(WebhookSignatureError):
    """The signature header is missing or not of the form ``t=<unix seconds>,v1=<hex>``."""


class StaleSignature(WebhookSignatureError):
    """The signature's timestamp is too far from now (a replay, or a badly wrong clock)."""


class BadSignature(WebhookSignatureError):
    """The signature does not match the body under the shared secret."""


def _seconds(now: datetime | float) -> int:
    return int(now.timestamp() if isinstance(now, datetime) else now)


def _body_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes | str, now: datetime | float) -> str:
    """The ``X-C2M-Signature`` header value for ``body`` sent at ``now`` (wall time)."""
    if not secret:
        raise ValueError("webhook secret is empty; configure C2M_WEBHOOK_SECRET")
    timestamp = _seconds(now)
    return f"t={timestamp},v1={_digest(secret, timestamp, _body_bytes(body))}"


def verify(
    secret: str,
    header: str | None,
    body: bytes | str,
    now: datetime | float,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Check a webhook's signature header against its exact body; raise a
    :class:`WebhookSignatureError` subclass saying what is wrong, return None when it is good."""
    if not secret:
        raise ValueError("webhook secret is empty; configure C2M_WEBHOOK_SECRET")
    if not header or not header.strip():
        raise MalformedSignature(f"missing {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or not value:
            raise MalformedSignature(f"{SIGNATURE_HEADER}: {part.strip()!r} is not key=value")
        if key == "t":
            if timestamp is not None:
                raise MalformedSignature(f"{SIGNATURE_HEADER}: more than one timestamp t=")
            if not value.isdigit():
                raise MalformedSignature(f"{SIGNATURE_HEADER}: timestamp t={value!r} is not Unix seconds")
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
        # Unknown schemes (v0, v2 ...) are ignored so that senders can add stronger ones later.
    if timestamp is None:
        raise MalformedSignature(f"{SIGNATURE_HEADER}: no timestamp t=")
    if not candidates:
        raise MalformedSignature(f"{SIGNATURE_HEADER}: no v1= signature")
    age = _seconds(now) - timestamp
    if abs(age) > tolerance_seconds:
        raise StaleSignature(
            f"{SIGNATURE_HEADER}: timestamp is {age:+d} s from now, beyond the {tolerance_seconds:.0f} s tolerance"
        )
    expected = _digest(secret, timestamp, _body_bytes(body)).encode()
    # Compare bytes: compare_digest refuses non-ASCII str, and a forged header may contain any text.
    if not any(hmac.compare_digest(expected, c.encode("utf-8", "replace")) for c in candidates):
        raise BadSignature(f"{SIGNATURE_HEADER}: signature does not match the body under the shared secret")
