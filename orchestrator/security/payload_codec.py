"""Encrypting every Temporal payload, so workflow histories hold no personal data in the clear.

Order inputs carry body measurements and update arguments carry configurations; the Temporal server
stores them in its history. This codec encrypts each payload whole (data and metadata) under the newest
data key and names the key in the metadata. Payloads without the encrypted encoding pass through
unchanged, so histories recorded before encryption still decode and replay.
"""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from orchestrator.security.crypto import FieldCipher

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class EncryptionCodec(PayloadCodec):
    """Fernet-encrypts payloads under the cipher's newest key; decodes under any of its keys."""

    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Each payload serialised and encrypted, tagged with the encoding and the key id."""
        return [
            Payload(metadata={"encoding": ENCODING, KEY_ID: self.cipher.current_key_id.encode()},
                    data=self.cipher.encrypt(p.SerializeToString()))
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypted payloads decrypted; any other payload returned as it is (plain, older histories)."""
        out: list[Payload] = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)
                continue
            decoded = Payload()
            decoded.ParseFromString(self.cipher.decrypt(p.data))
            out.append(decoded)
        return out


__all__ = ["ENCODING", "KEY_ID", "EncryptionCodec"]
