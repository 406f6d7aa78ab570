"""Masking personal data and credentials in log records: e-mails, phone numbers, values of personal keys,
API keys and tokens.

Code should not log personal data at all; this filter is the safety net for what slips through (an
exception message quoting a request, a library logging a body). It rewrites the record's message and
arguments before any handler formats them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
#: Keys whose values are personal wherever they appear (customer fields; personal options are added).
PERSONAL_KEYS = frozenset({"name", "email", "phone", "address"})

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers: an optional +, then at least 7 digits with spaces, dots, dashes or brackets between them.
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ().-]{5,}\d(?![\w.])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Credentials: an API key keeps its public key id (which key was used), never its secret; tokens in a URL
# (a tracking link's ?token=, a stream's ?access_token=) and bearer headers are masked whole.
_API_KEY = re.compile(r"\b(c2m_[0-9a-f]{12}_)[A-Za-z0-9_-]{20,}")
_URL_TOKEN = re.compile(r"\b((?:access_)?token=)[^&\s\"']+")
_BEARER = re.compile(r"(Bearer\s+)(?!c2m_[0-9a-f]{12}_\*)[^\s\"',]+", re.IGNORECASE)


class PersonalDataMask(logging.Filter):
    """Replaces e-mails, phone numbers and ``key: value`` pairs of personal keys with ``***``."""

    def __init__(self, personal_keys: Iterable[str] = ()) -> None:
        super().__init__()
        keys = sorted(PERSONAL_KEYS | set(personal_keys), key=len, reverse=True)
        alternatives = "|".join(re.escape(k) for k in keys)
        # key=value, key: value, "key": "value", 'key': 'value' (a dict's repr or JSON), quoted or bare value.
        self._pair = re.compile(
            rf"""(?P<key>["']?\b(?:{alternatives})\b["']?\s*[:=]\s*)(?P<value>"[^"]*"|'[^']*'|[^\s,;}}\]]+)""",
            re.IGNORECASE,
        )
        self._keys = frozenset(k.lower() for k in keys)

    def mask(self, text: str) -> str:
        """The text with personal values replaced by ``***``."""
        text = _API_KEY.sub(lambda m: m.group(1) + MASK, text)
        text = _URL_TOKEN.sub(lambda m: m.group(1) + MASK, text)
        text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
        text = self._pair.sub(lambda m: m.group("key") + MASK, text)
        text = _EMAIL.sub(MASK, text)
        return _PHONE.sub(_phone_mask, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            # Format once with the arguments, then mask the result: a value can sit in either part.
            try:
                message = record.msg % record.args if isinstance(record.msg, str) else str(record.msg)
            except (TypeError, ValueError, KeyError):
                message = f"{record.msg} {record.args!r}"
            record.msg, record.args = self.mask(message), None
        elif isinstance(record.msg, str):
            record.msg = self.mask(record.msg)
        elif isinstance(record.msg, Mapping):
            record.msg = self.mask(repr(self._mask_mapping(record.msg)))
        return True

    def _mask_mapping(self, value: Mapping[Any, Any]) -> dict[Any, Any]:
        return {k: MASK if str(k).lower() in self._keys else v for k, v in value.items()}


def _phone_mask(match: re.Match[str]) -> str:
    # Dates and counts also run digits together: mask only 7+ digits that are not an ISO date.
    text = match.group()
    digits = sum(c.isdigit() for c in text)
    return MASK if digits >= 7 and not _DATE.match(text) else text


__all__ = ["MASK", "PERSONAL_KEYS", "PersonalDataMask"]
