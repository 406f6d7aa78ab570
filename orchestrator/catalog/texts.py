"""Translated catalog and plant texts: which languages a catalog may translate into, and the ``Texts`` value.

The catalog is written in English; an element may add an ``i18n`` block with the same texts in another
language (``i18n: {zh-CN: {label: 外机颜色}}``). ``Texts`` keeps those translations as an immutable
lang -> field -> text lookup; a missing translation means "show the English text".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

BASE_LANGUAGE = "en"  # the language the catalog itself is written in
TRANSLATION_LANGUAGES: tuple[str, ...] = ("zh-CN",)  # languages an i18n block may give


def translation_language(tag: str | None) -> str | None:
    """Map a language tag (``zh``, ``zh-Hans-CN``, ``en-GB``) onto ``en`` or a translation language, else None."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return BASE_LANGUAGE
    return None


@dataclass(frozen=True, slots=True)
class Texts:
    """An element's translations: ``(language, field, text)`` entries, looked up by language and field."""

    entries: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def of(cls, translations: Mapping[str, Mapping[str, str]]) -> Texts:
        """From ``{lang: {field: text}}`` (empty texts are left out: they fall back to English)."""
        return cls(
            tuple((lang, name, text) for lang, fields in translations.items() for name, text in fields.items() if text)
        )

    def get(self, lang: str | None, name: str) -> str | None:
        """The ``name`` text in ``lang``, or None when it is not translated."""
        return next((text for entry_lang, field, text in self.entries if entry_lang == lang and field == name), None)

    def text(self, lang: str | None, name: str, english: str) -> str:
        """The ``name`` text in ``lang``, falling back to the ``english`` one."""
        return self.get(lang, name) or english

    @property
    def languages(self) -> frozenset[str]:
        """The languages with at least one translated text."""
        return frozenset(lang for lang, _, _ in self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


NO_TEXTS = Texts()  # an element without translations


class _TextsDoc(Protocol):
    def model_dump(self, *, exclude_none: bool) -> dict[str, Any]: ...


def texts_of(i18n: Mapping[str, _TextsDoc] | None) -> Texts:
    """``Texts`` from a parsed ``i18n`` block (language -> doc of translated fields)."""
    if not i18n:
        return Texts()
    return Texts.of({lang: doc.model_dump(exclude_none=True) for lang, doc in i18n.items()})


def untranslated_fields(texts: Texts, present: Iterable[str]) -> list[tuple[str, str]]:
    """``(lang, field)`` pairs translating a field the English element does not have."""
    have = set(present)
    return [(lang, name) for lang, name, _ in texts.entries if name not in have]
