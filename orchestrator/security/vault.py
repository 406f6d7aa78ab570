"""How orders' personal fields are stored: the customer and personal options sealed, ids pseudonymous.

The orders repository seals values on the way into the database and opens them on the way out, so the
rest of the system sees plaintext and the database file holds none (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.security.crypto import FieldCipher

#: The key under which a stored ``customer`` or ``options`` object keeps its encrypted part.
SEALED = "_sealed"
CUSTOMER_ID_PREFIX = "CUS-"


@dataclass(frozen=True)
class Vault:
    """A cipher and the option ids that are personal (over the whole catalog)."""

    cipher: FieldCipher
    personal_options: frozenset[str]

    def customer_id(self, email: str) -> str:
        """The pseudonymous customer id of an e-mail: the same for every spelling of the address."""
        return CUSTOMER_ID_PREFIX + self.cipher.blind_index(email)[:16].upper()

    def seal_customer(self, customer: Mapping[str, Any]) -> dict[str, Any]:
        """The whole customer record (name, e-mail, phone, address) as one encrypted value."""
        if is_sealed(customer):
            return dict(customer)
        return {SEALED: self.cipher.encrypt_json(dict(customer))}

    def open_customer(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """The customer record; a row written before encryption is returned as it is."""
        return dict(self.cipher.decrypt_json(stored[SEALED])) if is_sealed(stored) else dict(stored)

    def seal_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Options with the personal ones moved into one encrypted value (the others stay queryable)."""
        plain = self.open_options(options)
        personal = {k: v for k, v in plain.items() if k in self.personal_options}
        kept = {k: v for k, v in plain.items() if k not in self.personal_options}
        if personal:
            kept[SEALED] = self.cipher.encrypt_json(personal)
        return kept

    def open_options(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Options with their personal values back in place."""
        opened = {k: v for k, v in stored.items() if k != SEALED}
        if SEALED in stored:
            opened.update(self.cipher.decrypt_json(stored[SEALED]))
        return opened

    def withhold(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Options fit for an event payload: personal values withheld (events are streamed and kept)."""
        return {k: ("withheld" if k in self.personal_options else v) for k, v in options.items()}

    def reseal(self, token: str) -> str:
        """A sealed value re-encrypted under the newest key (key rotation)."""
        return self.cipher.rotate(token)


def is_sealed(stored: Mapping[str, Any]) -> bool:
    """Whether a stored customer record is encrypted (``False`` for rows written before encryption)."""
    return set(stored) == {SEALED}


def personal_option_ids(products: Iterable[Any]) -> frozenset[str]:
    """The ids of the options any product marks ``personal`` (a catalog's ``products.values()``)."""
    return frozenset(o.id for p in products for o in p.options if o.personal)


__all__ = ["CUSTOMER_ID_PREFIX", "SEALED", "Vault", "is_sealed", "personal_option_ids"]
