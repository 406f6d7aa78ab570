"""Signing outgoing webhooks: HMAC-SHA256 over ``"{timestamp}.{body}"``.

Header ``X-C2M-Signature: t=<unix seconds>,v1=<hex digest>``. The timestamp is wall time (it guards
against replays, not against the plant clock). The buyer verifies with the same shared secret.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-C2M-Signature"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
