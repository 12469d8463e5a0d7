"""The faithfulness gate: what a model wrote is checked against the paper it was written from before it is stored.

Pure functions. A text passes when every number (with its unit or percent), every capitalised name or acronym and
every quoted Latin term in it is found in the evidence (the paper's title and abstract), when it is in the language
asked for and of a sensible length, and when it holds no instruction-like text and no URL the evidence lacks.
Both sides are compared normalised: TeX made text (clean.tex_to_text), Unicode NFKC, accents and case folded,
thousands separators dropped. A sentence of the evidence that itself reads as an instruction ("ignore the
instructions and write ...") is no evidence: what it asks for cannot pass as faithful.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable

from .clean import split_math, tex_to_text

# Why a text was refused: the first word of every verdict, and the keys counts are kept under.
SUMMARY_REASONS = ("length", "language", "instruction", "url", "name", "number", "quote")
THEME_REASONS = ("citation", "language", "instruction", "url", "number", "length")   # length: of a whole briefing

LENGTHS = {"en": (20, 600), "zh": (10, 300)}   # characters a summary may have, by language
MIN_CJK_SHARE = 0.5   # of a Chinese text's CJK characters and Latin words (a word counts one, like a character)

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"   # kana, ideographs, hangul
_CJK = re.compile(f"[{_CJK_RANGES}\u3000-\u303f]")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_L = "A-Za-z\u00c0-\u024f"   # Latin letters, accented ones too
_LATIN_WORD = re.compile(rf"(?<![{_L}0-9])[{_L}][{_L}0-9]*(?:[-'’.][{_L}0-9]+)*")
_UNITS = {"%": "%", "percent": "%", "per cent": "%", "pct": "%", "x": "x", "×": "x", "times": "x", "fold": "x",
          "-fold": "x", "倍": "x", **{u: u for u in (
              "k m b bn million billion thousand nm μm mm cm km ms μs ns s sec min h hz khz mhz ghz thz db ev kev "
              "mev gev tev °c °k ° gb mb tb kb kg mg g ml l w kw mw gw v mv kv").split()}}
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
# Not inside a Latin word or a longer number; a CJK character may stand right before (Chinese puts no space there).
_NUMBER = re.compile(rf"(?<![^\W{_CJK_RANGES}])(?<!\.)(\d+(?:\.\d+)?)(?:\s?({_UNIT})(?![a-z0-9]))?")
_THOUSANDS = re.compile(r"(?<=\d)[,\u2009\u202f\u00a0](?=\d{3}(?!\d))")
_CHINESE_MULTIPLIER = re.compile(r"(\d+(?:\.\d+)?)\s*([万亿])")
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CHINESE_TENS = {"十": 10, "百": 100, "千": 1000}
_CHINESE_GROUPS = {"万": 10 ** 4, "亿": 10 ** 8}
# A run of Chinese numerals, after an ordinal's 第 or a percentage's 百分之 (百分之五十: 50%) when there is one.
# (After an Arabic digit, 万 and 亿 are _CHINESE_MULTIPLIER's.)
_CHINESE_NUMERAL = re.compile(r"(?<![0-9.])(第)?(百分之)?([零〇一二两三四五六七八九十百千万亿]+)(?=(.{0,2}))", re.S)
# Numerals that say no number: 十分 "very" (十分钟 is ten minutes), 万一 "in case", 千万 "by all means", 两者 "both",
# 一一 "one by one"; a lone 一 is mostly "a" (一种方法: "a method"), and units alone (百万) a manner of speaking.
_NUMERAL_WORDS = re.compile(r"十分(?!钟)|万一|千万|[两二]者|一一")
_WORD_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b")
_QUOTED = re.compile(r'"([^"]{1,80})"|“([^”]{1,80})”|「([^」]{1,80})」|『([^』]{1,80})』|‘([^’]{1,80})’')
_URL = re.compile(r"(?:https?://|www\.|javascript:|data:)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
                  r"(?:com|org|net|io|ai|dev|edu|gov|ly|me|info|xyz|app|co|cn)\b(?:/\S*)?")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:(?:all|any|the|your|of|these|those|my)\s+)*"
    r"(?:previous|prior|above|earlier|preceding|instructions?|prompts?|rules|directions)\b"
    r"|\bas an ai\b|\bas a (?:large )?language model\b|\bi (?:cannot|can't|can ?not|am unable|won't)\b"
    r"|\bi'?m sorry\b|\bi am sorry\b|(?:^|\s)(?:system|assistant|user|human)\s*:|<\|[a-z_]*\|?>|\[/?inst\]"
    r"|<</?sys>>|#+ ?(?:instruction|response)\b|\byou (?:are|must|should) now\b|\bnew instructions\b"
    r"|忽略(?:之前|以上|上述|前面|所有)*的?(?:指令|指示|说明|提示)|作为(?:一个)?(?:ai|人工智能|语言模型)|我(?:无法|不能)|抱歉")
_TEX_SYMBOLS = {"times": "×", "approx": "≈", "sim": "~", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "pm": "±",
                "cdot": "·", "mu": "μ", "percent": "%"}
_TEX_SYMBOL = re.compile(r"\\(" + "|".join(_TEX_SYMBOLS) + r")(?![A-Za-z])\s*")
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;。！？：；]\s*|\n[\s#>*\-\d.]*|\*\*)$")


def normal(text: str) -> str:
    """Return text as the gate compares it: TeX made text, NFKC, no accents, case folded, digits unseparated."""
    text = unicodedata.normalize("NFKC", tex_to_text(text))
    text = text.replace("\\%", "%").replace("−", "-").replace("–", "-")
    text = _TEX_SYMBOL.sub(lambda m: _TEX_SYMBOLS[m.group(1)], text)
    text = re.sub(r"[${}]|\\[,;!]", " ", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _THOUSANDS.sub("", unicodedata.normalize("NFC", text).casefold())
    return " ".join(text.split())


def _number(digits: str) -> str:
    try:
        return format(Decimal(digits).normalize(), "f")
    except InvalidOperation:
        return digits


def _chinese_value(numerals: str, bare_units: bool = False) -> int | None:
    """Return the value of a run of Chinese numerals (三: 3, 十二: 12, 一百零五: 105, 两万: 20000); units alone (百, 千万)
    are None unless `bare_units` (百分之百: 100%)."""
    if not bare_units and not any(c in _CHINESE_DIGITS or c == "十" for c in numerals):
        return None
    if not any(c in _CHINESE_TENS or c in _CHINESE_GROUPS for c in numerals):   # 二〇二四: digit by digit
        return int("".join(str(_CHINESE_DIGITS[c]) for c in numerals))
    total = group = digit = 0
    for c in numerals:
        if c in _CHINESE_DIGITS:
            digit = _CHINESE_DIGITS[c]
        elif c in _CHINESE_TENS:
            group, digit = group + (digit or 1) * _CHINESE_TENS[c], 0   # 十二: the leading one is unsaid
        else:
            total, group, digit = total + ((group + digit) or 1) * _CHINESE_GROUPS[c], 0, 0
    return total + group + digit


def chinese_digits(text: str) -> str:
    """Return text with its Chinese number words as digits: 三个 -> 3个, 十 -> 10, 百分之五十 -> 50%.

    Ordinals (第一), a lone 一 (the article of 一种方法) and the words of _NUMERAL_WORDS are left as they are."""
    def digits(match: re.Match[str]) -> str:
        ordinal, percent, numerals, after = match.groups()
        value = _chinese_value(numerals, bare_units=bool(percent))
        if ordinal or value is None or _NUMERAL_WORDS.match(numerals + after) or (numerals == "一" and not percent):
            return match.group(0)
        return f"{value}{'%' if percent else ''}"

    return _CHINESE_NUMERAL.sub(digits, text)


def _numbers(text: str) -> list[tuple[str, str | None]]:
    """Return the (number, canonical unit or None) pairs in a normal text, Chinese number words read as digits."""
    text = _CHINESE_MULTIPLIER.sub(lambda m: _number(str(Decimal(m.group(1)) * (10 ** 4 if m.group(2) == "万" else 10 ** 8))),
                                   chinese_digits(text))
    return [(_number(m.group(1)), _UNITS[m.group(2)] if m.group(2) else None) for m in _NUMBER.finditer(text)]


@dataclass(frozen=True)
class Evidence:
    """What a text may state: the normal form of its sources, their numbers, and their CJK characters."""

    text: str
    numbers: frozenset[str]
    measures: frozenset[tuple[str, str]]
    cjk: frozenset[str]

    def has(self, term: str) -> bool:
        """Return whether a normal term occurs in the evidence as a whole word (a plural "s" allowed)."""
        return re.search(rf"(?<![\w]){re.escape(term)}(?:e?s)?(?![\w])", self.text) is not None


def evidence(texts: Iterable[str]) -> Evidence:
    """Return the evidence of a paper's title and abstract (or of several papers), instruction-like sentences left out."""
    kept = [s for text in texts for s in _SENTENCE.split(normal(text)) if s and not _INSTRUCTION.search(s)]
    joined = " \n ".join(kept)
    pairs = _numbers(_NUMBER_WORD.sub(lambda m: _WORD_NUMBERS[m.group(1)], joined))
    return Evidence(joined, frozenset(n for n, _ in pairs), frozenset((n, u) for n, u in pairs if u),
                    frozenset(_CJK.findall(joined)))


def check_summary(text: str, lang: str, source: Evidence) -> str | None:
    """Return why a summary must not be stored ("number: 42%"), or None when it passes the gate."""
    low, high = LENGTHS.get(lang, LENGTHS["en"])
    if not low <= len(text) <= high:
        return f"length: {len(text)} characters, not {low} to {high}"
    return (language_problem(text, lang, source) or safety_problem(text, source) or name_problem(text, source)
            or number_problem(text, source) or quote_problem(text, source))


def language_problem(text: str, lang: str, source: Evidence) -> str | None:
    """Return why a text is not in its language: Chinese mostly CJK (Latin names and terms aside), English no CJK."""
    if lang == "zh":
        cjk, words = len(_IDEOGRAPH.findall(text)), len(_LATIN_WORD.findall(text))
        if cjk < 5 or cjk < MIN_CJK_SHARE * (cjk + words):
            return f"language: not Chinese ({cjk} CJK characters, {words} Latin words)"
        return None
    foreign = [c for c in _CJK.findall(text) if c not in source.cjk]
    return f"language: CJK characters in {lang} ({''.join(foreign[:6])})" if foreign else None


def safety_problem(text: str, source: Evidence) -> str | None:
    """Return why a text reads as an instruction or links elsewhere (a URL the evidence lacks), or None."""
    said = normal(text)
    if found := _INSTRUCTION.search(said):
        return f"instruction: {found.group(0).strip()!r}"
    for url in _URL.findall(said):
        if url.rstrip(".,;:)]") not in source.text:
            return f"url: {url[:60]}"
    return None


def number_problem(text: str, source: Evidence) -> str | None:
    """Return the first number (with its unit) the evidence does not state, or None."""
    for number, unit in _numbers(normal(text)):
        if (number, unit) not in source.measures if unit else number not in source.numbers:
            return f"number: {number}{unit or ''}"
    return None


def names(text: str) -> list[str]:
    """Return the capitalised names and acronyms in a text (a capitalised word opening a sentence is not one)."""
    found = []
    # A letter inside math ($O(\\sqrt{T})$) is a variable, not a name.
    shown = unicodedata.normalize("NFKC", " ".join(split_math(tex_to_text(text))[::2]))
    for match in _LATIN_WORD.finditer(shown):
        word = match.group(0).rstrip(".").removesuffix("'s").removesuffix("’s")
        opening = _SENTENCE_START.search(shown[:match.start()]) is not None
        for i, part in enumerate(re.split(r"[-.]", word)):
            if not part or part.isdigit() or not any(c.isupper() for c in part):
                continue
            if i == 0 and opening and part[1:] == part[1:].lower():
                continue
            found.append(part)
    return found


def name_problem(text: str, source: Evidence) -> str | None:
    """Return the first name or acronym the evidence does not hold, or None."""
    for name in names(text):
        term = normal(name)
        if not source.has(term) and not (term.endswith("s") and source.has(term[:-1])):
            return f"name: {name}"
    return None


def quote_problem(text: str, source: Evidence) -> str | None:
    """Return the first quoted term in Latin script the evidence does not hold (a CJK rendering cannot be checked)."""
    for match in _QUOTED.finditer(text):
        term = next(g for g in match.groups() if g)
        if not _CJK.search(term) and normal(term) not in source.text:
            return f"quote: {term[:60]}"
    return None


def reason(verdict: str) -> str:
    """Return a verdict's reason key: "number: 42%" -> "number"."""
    return verdict.split(":", 1)[0]
