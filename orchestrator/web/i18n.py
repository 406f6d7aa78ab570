"""Page languages: English and Simplified Chinese, chosen by ``?lang=``, a cookie or Accept-Language.

Messages live in ``locales/<lang>/<page>.json`` as flat ``key -> text`` maps with ``{name}`` placeholders;
keys start with their file's name (``track.eta`` lives in ``track.json``).
A missing translation falls back to English, then to the key itself, so a page never shows nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "zh-CN": "中文"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "c2m_lang"


@cache
def messages(lang: str) -> Mapping[str, str]:
    """The message map of one language (read once)."""
    data: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.json")):
        data.update(json.loads(path.read_text(encoding="utf-8")))
    return data


def normalise(tag: str | None) -> str | None:
    """Map a language tag (``zh``, ``zh-Hans-CN``, ``en-GB``) onto a supported language, or None."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    return None


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: an explicit ``?lang=`` wins, then the cookie, then the browser's preference."""
    for candidate in (query, cookie):
        if (lang := normalise(candidate)) is not None:
            return lang
    for part in (accept_language or "").split(","):
        if (lang := normalise(part.split(";")[0])) is not None:
            return lang
    return DEFAULT_LANGUAGE


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` for one language, falling back to English and then to the key."""
    own, english = messages(lang), messages(DEFAULT_LANGUAGE)

    def t(key: str, **values: object) -> str:
        text = own.get(key) or english.get(key) or key
        return text.format(**values) if values else text

    return t
