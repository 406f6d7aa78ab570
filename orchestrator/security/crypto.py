"""Field-level encryption of personal data and blind indexes for looking it up (docs/privacy.md).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a list of keys, newest first: the first key
encrypts, any key decrypts. That list is how keys rotate: put a new key in front, re-encrypt (``c2m privacy
rotate-keys``), then drop the old key. Lookups by e-mail use a blind index, an HMAC of the normalised value,
so equal e-mails find each other without the database ever holding the e-mail itself; its key derives from
``C2M_SECRET_KEY`` (changing that secret changes the pseudonymous customer ids: re-derive them with
``c2m privacy rotate-keys``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Labels separating the keys derived from one secret, so no derived key can stand in for another.
_DEV_KEY_LABEL = b"c2m dev data key"
_INDEX_KEY_LABEL = b"c2m blind index"


class DataKeyError(ValueError):
    """A data key is malformed, or no configured key opens a stored value."""


def dev_data_key(secret_key: str) -> str:
    """A Fernet key derived from ``secret_key``. For development only: whoever knows the secret has the key."""
    digest = hmac.new(secret_key.encode(), _DEV_KEY_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def parse_data_keys(text: str) -> list[str]:
    """The keys of a comma-separated ``C2M_DATA_KEYS`` value, newest first, blanks ignored."""
    return [k.strip() for k in text.split(",") if k.strip()]


def key_id(key: str) -> str:
    """A short public name for a key (a hash prefix), stored beside values so a rotation can be checked."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class FieldCipher:
    """Encrypts JSON values under the newest key, decrypts under any, and computes blind indexes."""

    def __init__(self, keys: Sequence[str], index_secret: str) -> None:
        if not keys:
            raise DataKeyError("no data key given; set C2M_DATA_KEYS to one or more Fernet keys, newest first")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.encode()))
            except (ValueError, TypeError) as exc:
                raise DataKeyError(
                    f"data key #{position} of C2M_DATA_KEYS is not a Fernet key (32 url-safe base64-encoded "
                    "bytes); make one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'"
                ) from exc
        self.keys = tuple(keys)
        self._fernet = MultiFernet(fernets)
        # The index key comes from the secret key, not the data keys: lookups keep working across rotations.
        self._index_key = hmac.new(index_secret.encode(), _INDEX_KEY_LABEL, hashlib.sha256).digest()

    @classmethod
    def from_config(cls, data_keys: str | None, secret_key: str) -> FieldCipher:
        """The cipher of the configured keys, or (development) the key derived from ``secret_key``."""
        keys = parse_data_keys(data_keys or "")
        return cls(keys or [dev_data_key(secret_key)], index_secret=secret_key)

    @property
    def current_key_id(self) -> str:
        """The id of the key new values are encrypted with."""
        return key_id(self.keys[0])

    def encrypt(self, data: bytes) -> bytes:
        """Encrypt bytes under the newest key."""
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """Decrypt bytes encrypted under any configured key; :class:`DataKeyError` if none opens it."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise DataKeyError(
                f"no configured data key (ids {', '.join(key_id(k) for k in self.keys)}) decrypts this value; "
                "C2M_DATA_KEYS must still contain the key it was written with (add new keys in front, "
                "drop old ones only after `c2m privacy rotate-keys`)"
            ) from None

    def encrypt_json(self, value: Any) -> str:
        """A JSON value as a Fernet token (text)."""
        return self.encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()

    def decrypt_json(self, token: str) -> Any:
        """The JSON value of a token from :meth:`encrypt_json`."""
        return json.loads(self.decrypt(token.encode()))

    def rotate(self, token: str) -> str:
        """The same value re-encrypted under the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            self.decrypt(token.encode())  # raises the explanatory DataKeyError
            raise

    def blind_index(self, value: str) -> str:
        """HMAC-SHA256 (hex) of the normalised value (trimmed, lower-cased): stable across key rotations."""
        return hmac.new(self._index_key, normalise(value).encode(), hashlib.sha256).hexdigest()


def normalise(value: str) -> str:
    """How e-mails are compared: surrounding space and letter case do not matter."""
    return value.strip().lower()


__all__ = ["DataKeyError", "FieldCipher", "dev_data_key", "key_id", "normalise", "parse_data_keys"]
