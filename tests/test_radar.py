"""The radar's matching: the fast paths give exactly what folding every name and text would."""

import random
import re
import unicodedata
from datetime import date

import pytest

from digest.config import Radar
from digest.papers import Paper
from digest.radar import fold, radar_hits

D = date(2026, 6, 16)


def reference_fold(text: str) -> str:
    """The plain definition: decompose, drop combining marks, case-fold, collapse whitespace."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def reference_hits(paper: Paper, radar: Radar) -> tuple[str, ...]:
    """Every name folded, the text folded, each keyword a whole-word pattern (plural s, hyphen or space)."""
    names = {reference_fold(a) for a in paper.authors}
    text = reference_fold(f"{paper.title} {paper.abstract}")
    hits = [a for a in radar.authors if reference_fold(a) in names]
    for k in radar.keywords:
        pattern = r"(?<!\w)" + re.escape(reference_fold(k)).replace(r"\ ", r"[\s\-]+") + r"s?(?!\w)"
        if re.search(pattern, text):
            hits.append(k)
    return tuple(hits)


def paper(title: str = "A paper", authors: tuple[str, ...] = (), abstract: str = "") -> Paper:
    return Paper(id="arXiv:1", title=title, authors=authors, abstract=abstract, url="", day=D, sources=(), topics=())


@pytest.mark.parametrize("authors,keywords,title,abstract,names,expected", [
    (("Jorg Muller",), (), "", "", ("JÖRG\u00a0 MÜLLER",), ("Jorg Muller",)),             # accents, case, spaces
    (("Jörg Müller",), (), "", "", ("Jo\u0308rg Mu\u0308ller",), ("Jörg Müller",)),     # decomposed accents
    (("Ｙang Ｌi",), (), "", "", ("Yang Li",), ("Ｙang Ｌi",)),                             # full-width letters
    (("Strauss",), (), "", "", ("STRAUß",), ("Strauss",)),                             # ß case-folds to ss
    (("Li Yang", "Yang Li"), (), "", "", ("Ming Li", "Li Yang"), ("Li Yang",)),       # whole names, radar order
    (("Chiwun Yang",), (), "", "", ("Chiwun\x00Yang",), ()),                          # NUL is no space
    (("Chiwun Yang", "Chiwun Yang"), (), "", "", ("chiwun yang",), ("Chiwun Yang", "Chiwun Yang")),
    (("王小明",), (), "", "", ("王小明",), ("王小明",)),
    ((), ("Schrödinger",), "The SCHRO\u0308DINGER bridge", "", (), ("Schrödinger",)),
    ((), ("Schrodinger",), "Schrödinger bridges", "", (), ("Schrodinger",)),           # plural on an accented word
    ((), ("efficient",), "The ﬁrst eﬃcient method", "", (), ("efficient",)),           # ligatures decompose
    ((), ("optimal transport",), "", "Optimal\u00a0\u00a0transport and optimal-transport", (), ("optimal transport",)),
    ((), ("optimal transport",), "Optimal", "transport", (), ("optimal transport",)),  # across title and abstract
    ((), ("optimal transport",), "", "optimal—transport", (), ()),                     # an em dash is no hyphen
    ((), ("state of the art",), "", "State-of-the-art results", (), ("state of the art",)),
    ((), ("state-of-the-art",), "", "State of the art results", (), ()),               # a hyphen asks for one
    ((), ("RNA",), "", "mRNA and RNAse", (), ()),                                      # whole words only
    ((), ("RNA",), "", "RNAs, and rna.", (), ("RNA",)),
    ((), ("model", "RNA"), "", "An RNA model", (), ("model", "RNA")),                  # keywords in radar order
    (("Ada Lovelace",), ("engine",), "Engines", "", ("ada lovelace",), ("Ada Lovelace", "engine")),
])
def test_radar_hits_on_hard_cases(authors, keywords, title, abstract, names, expected):
    p = paper(title, names, abstract)
    radar = Radar(authors, keywords)
    assert radar_hits(p, radar) == expected == reference_hits(p, radar)


def test_no_combining_mark_below_u0300():
    # fold looks for marks only in runs of characters from U+0300 on.
    assert not any(unicodedata.combining(chr(code)) for code in range(0x300))
    assert unicodedata.combining("\u0300")


def test_fold_of_long_mixed_text_equals_the_reference():
    text = "We study the Schro\u0308dinger – equation’s ﬁne “structure”, İstanbul ΣΑΣ ß\u00a0\u3000 Ａ中文 " * 40
    assert fold(text) == reference_fold(text)


def test_radar_given_lists_still_matches():
    assert radar_hits(paper("Optimal transport", ("A B",)), Radar(["a b"], ["optimal transport"])) == \
        ("a b", "optimal transport")  # type: ignore[arg-type]


# Characters that make folding hard: decompositions to ASCII, case folds that grow, marks, odd whitespace.
ALPHABET = [*"abcyz ABYZ-s", "é", "e\u0301", "ß", "ss", "İ", "i\u0307", "Σ", "ς", "σ", "ﬁ", "fi", "Ｙ", "\u00a0",
            "\u3000", "\x1c", "\t", "\n", "¨", "\u0301", "\u2010", "K", "ſ", "Ö", "o", "\x00", "ǅ", "ŉ",
            "\U0001d400", "\U00020000", "中"]


def test_radar_hits_equal_the_reference_on_random_text():
    rng = random.Random(8)

    def text(longest: int) -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest)))

    matched = 0
    for _ in range(20000):
        radar = Radar(tuple(text(5) for _ in range(rng.randint(0, 2))), tuple(text(6) for _ in range(rng.randint(0, 2))))
        p = paper(text(8), tuple(text(6) for _ in range(rng.randint(0, 3))), text(12))
        expected = reference_hits(p, radar)
        assert radar_hits(p, radar) == expected, (radar, p.title, p.authors, p.abstract)
        matched += bool(expected)
        sample = text(10)
        assert fold(sample) == reference_fold(sample), sample
    assert matched > 1000  # the draw does reach matches, not only misses


def test_the_fold_data_scan_skips_only_unassigned_planes():
    import unicodedata

    from digest.radar import _assigned
    skipped = set(range(0x110000)) - set(_assigned())
    assert skipped and all(unicodedata.category(chr(c)) == "Cn" for c in skipped)
