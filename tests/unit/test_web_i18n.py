"""Page languages: every message exists in both languages, and the reader's choice is honoured."""

from __future__ import annotations

import json
import re

import pytest

from orchestrator.web.i18n import LANGUAGES, LOCALES_DIR, choose_language, messages, translator


def test_every_message_exists_in_every_language() -> None:
    english = set(messages("en"))
    for lang in LANGUAGES:
        keys = set(messages(lang))
        assert keys == english, f"{lang}: missing {sorted(english - keys)}, extra {sorted(keys - english)}"


def test_message_keys_start_with_their_file_name() -> None:
    for path in LOCALES_DIR.glob("*/*.json"):
        wrong = [k for k in json.loads(path.read_text(encoding="utf-8")) if not k.startswith(path.stem + ".")]
        assert not wrong, f"{path}: keys must start with {path.stem + '.'!r}: {wrong}"


def test_placeholders_match_between_languages() -> None:
    english = messages("en")
    for lang in LANGUAGES:
        for key, text in messages(lang).items():
            assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", english[key])), (lang, key)


def test_chinese_messages_are_chinese() -> None:
    untranslated = [k for k, v in messages("zh-CN").items()
                    if v == messages("en")[k] and re.search(r"[a-z]{4,}", v)]
    assert len(untranslated) <= len(messages("zh-CN")) // 10, f"left in English: {untranslated}"


@pytest.mark.parametrize(("query", "cookie", "accept", "expected"), [
    ("zh-CN", None, "en-GB", "zh-CN"),
    (None, "zh-CN", "en", "zh-CN"),
    (None, None, "zh-Hans-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    (None, None, "fr-FR,en;q=0.5", "en"),
    (None, None, "de", "en"),
    ("xx", None, None, "en"),
])
def test_choose_language(query: str | None, cookie: str | None, accept: str | None, expected: str) -> None:
    assert choose_language(query, cookie, accept) == expected


def test_translator_falls_back_to_english_then_to_the_key() -> None:
    t = translator("zh-CN")
    assert t("common.shop") == "商城"
    assert t("no.such.key") == "no.such.key"
    assert translator("en")("common.error", message="boom") == "Something went wrong: boom"
