"""The interface's catalog (digest/i18n.py): complete in every language, plural messages with their forms, Chinese
punctuation and spacing as the module's rule says, and the catalog the browser gets (static/i18n/lang.js) the same."""

from __future__ import annotations

import json
import re
import string

import pytest

from digest.i18n import HTML_LANG, LANGUAGE_NAMES, MESSAGES, choose, translator
from digest.config import LANGUAGES
from digest.site.briefings import OFFLINE

HAN = r"\u3400-\u9fff"
FULL_WIDTH = r"\u3000-\u303f\uff00-\uffef"   # 、。「」（）：；，… as Chinese text writes them
CJK = f"[{HAN}{FULL_WIDTH}]"


def texts(message):
    """Every text of a message: the one text, or each plural form."""
    return [message] if isinstance(message, str) else list(message.values())


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_in_every_language():
    assert set(MESSAGES) == set(LANGUAGES) == set(HTML_LANG) == set(LANGUAGE_NAMES)
    for lang, table in MESSAGES.items():
        assert set(table) == set(MESSAGES["en"]), (lang, set(table) ^ set(MESSAGES["en"]))
        for key, message in table.items():
            assert all(t.strip() for t in texts(message)), (lang, key)


def test_every_language_fills_the_same_values():
    """A translation names the values its English does (a missing {count} would drop the number)."""
    for key, english in MESSAGES["en"].items():
        wanted = set().union(*map(fields, texts(english)))
        for lang, table in MESSAGES.items():
            for text in texts(table[key]):
                assert fields(text) == wanted, (lang, key, text)


def test_plural_messages_have_their_forms():
    plural = {key for key, message in MESSAGES["en"].items() if isinstance(message, dict)}
    assert {"paper_count", "day_count", "search_results", "filter_count", "search_author_results"} <= plural
    for key in plural:
        assert set(MESSAGES["en"][key]) == {"=1", "other"}, key
        assert all("{count}" in text for text in texts(MESSAGES["en"][key])), key
    for table in MESSAGES.values():
        for key, message in table.items():
            if isinstance(message, dict):
                assert "other" in message and all(re.fullmatch(r"=\d+|other", form) for form in message), key


@pytest.mark.parametrize("lang, count, expected", [
    ("en", 1, "1 paper"), ("en", 2, "2 papers"), ("en", 0, "0 papers"), ("en", 11, "11 papers"),
    ("zh", 1, "1篇论文"), ("zh", 2, "2篇论文"),
])
def test_plural_forms_by_count(lang, count, expected):
    assert translator(lang)("paper_count", count=count) == expected


def test_choose_takes_an_exact_form_else_other():
    forms = {"=1": "one", "=0": "none", "other": "many"}
    assert [choose(forms, n) for n in (0, 1, 2, "20+")] == ["none", "one", "many", "many"]
    assert choose("plain", 1) == "plain"


def test_chinese_punctuation_and_spacing():
    """Full-width colon after Chinese, no typed space between Chinese and anything (text-autospace spaces it);
    the offline briefing's words too."""
    for key, message in [*MESSAGES["zh"].items(), *OFFLINE["zh"].items()]:
        for text in (re.sub(r"<[^>]+>", "", t) for t in texts(message)):
            assert not re.search(f"{CJK} | {CJK}", text.replace(" · ", "·")), (key, text)   # a title's separator aside
            assert not re.search(f"[{HAN}]:", text), (key, text)
            assert not re.search(f"[{HAN}][,;?!]", text), (key, text)
    assert translator("zh")("labelled", label="作者", value="Ada") == "作者：Ada"
    assert translator("zh")("authors_label") == "作者："


def test_readers_see_no_developer_text():
    """Hints for the site's owner (commands, config keys) belong in the build's output and README, not the pages."""
    for lang in ("en", "zh"):
        for key in ("no_papers", "radar_none", "follows_none"):
            text = MESSAGES[lang][key]
            assert isinstance(text, str)
            assert not re.search(r"build\.py|sources\.yaml|radar:|`", text), (lang, key, text)


def test_the_browser_gets_the_same_catalog(demo_site):
    """static/i18n/lang.js carries each language's messages, plural forms as they are, and the site's texts."""
    script = (demo_site / "static/i18n/lang.js").read_text(encoding="utf-8")
    data = json.loads(re.search(r"var DATA = (\{.*\});", script).group(1))
    assert data["html"] == {"en": "en", "zh": "zh-Hans"}
    for lang, table in data["messages"].items():
        for key, message in MESSAGES[lang].items():
            assert table[key] == message, (lang, key)
    assert data["messages"]["zh"]["site.tagline"] == "学术情报 · 每日精选"
    assert data["messages"]["en"]["site.tagline"] == "Academic Intelligence · Curated Daily"
    assert not list(demo_site.glob("static/i18n/*.json")), "one catalog file, not one per language"
