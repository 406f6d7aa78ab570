"""API keys: ``c2m_<key id>_<secret>``. Only a hash of the secret is stored; the key id finds the row.

Secrets are 32 random bytes, so a single SHA-256 is enough (no password stretching is needed for
high-entropy secrets) and a lookup costs one indexed read. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "c2m"
_SHAPE = re.compile(r"^c2m_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    """A freshly issued key: the token is shown once, the hash is what is kept."""

    key_id: str
    token: str
    secret_hash: str


def issue() -> NewKey:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, f"{PREFIX}_{key_id}_{secret}", hash_secret(secret))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split(token: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed token, else None."""
    match = _SHAPE.match(token.strip())
    return (match.group(1), match.group(2)) if match else None


def matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets of any length (the bootstrap admin token, tracking tokens)."""
    return hmac.compare_digest(hash_secret(given), hash_secret(expected))
