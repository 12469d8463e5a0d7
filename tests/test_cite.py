"""Citations (digest/site/cite.py): BibTeX escaping and TeX, RIS lines, authors split, COinS, the PDF rule."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, quote, quote_plus

import pytest

from digest.papers import Paper, pdf_url
from digest.site.cards import escape
from digest.site.cite import (COINS_SAFE, bibtex, cite_texts, coins, coins_html_bytes, family_given, kev_value,
                              quoted_length, ris)

DAY = date(2026, 6, 17)


def paper(**fields) -> Paper:
    values = dict(id="arXiv:2606.14812", title="A Title", authors=("Jakob Andersson", "Tianyu Shi"), abstract="A.",
                  url="https://arxiv.org/abs/2606.14812", day=DAY, sources=("lg",), topics=("cs.LG", "cs.AI"),
                  version=2)
    values.update(fields)
    return Paper(**values)


def bib_fields(entry: str) -> dict[str, str]:
    """The fields of one BibTeX entry as written (one `name = {value},` a line), checking its frame."""
    assert re.fullmatch(r"@\w+\{[^,\s{}]+,\n(  \w+ = \{.*\},\n)+\}\n", entry), entry
    return dict(re.findall(r"^  (\w+) = \{(.*)\},$", entry, re.M))


def braces_balance(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\.", "", text):
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("name, expected", [
    ("Jakob Andersson", ("Andersson", "Jakob")),
    ("J. H. Yeo", ("Yeo", "J. H.")),
    ("Yeo J. H.", ("Yeo", "J. H.")),
    ("Yeo JH", ("Yeo", "JH")),
    ("Jean-Pierre Serre", ("Serre", "Jean-Pierre")),
    ("Ludwig van Beethoven", ("van Beethoven", "Ludwig")),
    ("Maria de la Cruz", ("de la Cruz", "Maria")),
    ("Shi, Tianyu", ("Shi", "Tianyu")),
    ("Plato", ("Plato", "")),
    ("ATLAS Collaboration", ("ATLAS Collaboration", "")),
    ("  Zoë   Weber ", ("Weber", "Zoë")),
])
def test_authors_split_into_family_and_given(name, expected):
    assert family_given(name) == expected


def test_bibtex_of_an_arxiv_paper():
    entry = bibtex(paper(), "arXiv (CS.LG)")
    assert entry.startswith("@misc{arXiv:2606.14812,\n")
    assert bib_fields(entry) == {"title": "A Title", "author": "Andersson, Jakob and Shi, Tianyu", "year": "2026",
                                 "eprint": "2606.14812", "archivePrefix": "arXiv", "primaryClass": "cs.LG",
                                 "url": "https://arxiv.org/abs/2606.14812"}


def test_bibtex_escapes_special_characters_and_keeps_math():
    title = r"50% of R&D #1 costs $\mathcal{O}(n^2)$ for snake_case ~ {braces} \ and ^"
    fields = bib_fields(bibtex(paper(title=title, authors=("O'Brien & Sons Collaboration",)), ""))
    assert fields["title"] == (r"50\% of R\&D \#1 costs $\mathcal{O}(n^2)$ for snake\_case \textasciitilde{} "
                               r"\{braces\} \textbackslash{} and \textasciicircum{}")
    assert fields["author"] == r"O'Brien \& Sons Collaboration"
    # A math span whose braces do not balance cannot close the field early: it is escaped like prose.
    broken = bib_fields(bibtex(paper(title="Bad $x}$ math"), ""))["title"]
    assert broken == r"Bad \$x\}\$ math" and braces_balance(broken)


def test_bibtex_of_a_journal_article_and_a_biorxiv_preprint():
    nature = paper(id="doi:10.1038/s41586-026-0001-x", url="https://www.nature.com/articles/s41586-026-0001-x",
                   doi="10.1038/s41586-026-0001-x", version=None, published=date(2026, 6, 10))
    entry = bibtex(nature, "Nature")
    assert entry.startswith("@article{doi:10.1038/s41586-026-0001-x,\n")
    fields = bib_fields(entry)
    assert fields["journal"] == "Nature" and fields["doi"] == "10.1038/s41586-026-0001-x" and "eprint" not in fields
    bio = paper(id="doi:10.1101/2026.06.15.646544", url="http://biorxiv.org/cgi/content/short/2026.06.15.646544v1",
                doi="10.1101/2026.06.15.646544", version=1)
    assert bibtex(bio, "bioRxiv").startswith("@misc{") and bib_fields(bibtex(bio, "bioRxiv"))["publisher"] == "bioRxiv"


def test_ris_record_lines():
    record = ris(paper(title="Multi\nline   title", published=date(2026, 6, 3)), "arXiv (CS.LG)")
    lines = record.split("\r\n")
    assert lines[-1] == "" and lines[-2] == "ER  - "   # CRLF after every line, ER last
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines[:-1]), lines
    assert lines[0] == "TY  - UNPB" and "TI  - Multi line title" in lines
    assert [line for line in lines if line.startswith("AU")] == ["AU  - Andersson, Jakob", "AU  - Shi, Tianyu"]
    assert "PY  - 2026" in lines and "DA  - 2026/06/03/" in lines and "AN  - arXiv:2606.14812" in lines
    assert "UR  - https://arxiv.org/abs/2606.14812" in lines and "KW  - cs.AI" in lines
    journal = ris(paper(id="doi:10.1/x", doi="10.1/x", url="https://j.example/x"), "Journal of X")
    assert journal.startswith("TY  - JOUR\r\n") and "DO  - 10.1/x\r\n" in journal and "T2  - Journal of X\r\n" in journal


def test_coins_is_an_openurl_context_object():
    kev = coins(paper(title="Tom & Jerry = 100%", authors=tuple(f"Author {i}" for i in range(30)),
                      doi="10.48550/arXiv.2606.14812"), "arXiv (CS.LG)")
    pairs = parse_qsl(kev)
    assert pairs[0] == ("ctx_ver", "Z39.88-2004") and ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal") in pairs
    assert ("rft.atitle", "Tom & Jerry = 100%") in pairs and ("rft.genre", "preprint") in pairs
    assert [v for k, v in pairs if k == "rft.au"] == [f"Author {i}" for i in range(10)]   # capped
    assert {v for k, v in pairs if k == "rft_id"} == {"info:doi/10.48550/arXiv.2606.14812", "info:arxiv/2606.14812",
                                                       "https://arxiv.org/abs/2606.14812"}
    assert not any(k == "rft.jtitle" for k, _ in pairs)   # a preprint server's label is no journal
    assert ("rft.jtitle", "Nature") in parse_qsl(coins(paper(id="doi:10.1/n", url="https://n.example/1"), "Nature"))
    # Only an http(s) link is named: a feed's javascript: link never reaches a page.
    assert "javascript" not in coins(paper(url="javascript:alert(1)"), "")


def test_the_pdf_rule_of_each_source_family():
    assert pdf_url(paper()) == "https://arxiv.org/pdf/2606.14812v2"
    assert pdf_url(paper(version=None)) == "https://arxiv.org/pdf/2606.14812"
    bio = paper(id="doi:10.1101/2026.06.15.646544", url="http://biorxiv.org/cgi/content/short/2026.06.15.646544v1",
                doi="10.1101/2026.06.15.646544", version=1)
    assert pdf_url(bio) == "https://www.biorxiv.org/content/10.1101/2026.06.15.646544v1.full.pdf"
    med = paper(id="doi:10.1101/2026.06.14.26124933", url="https://www.medrxiv.org/content/10.1101/2026.06.14.26124933v3",
                doi="10.1101/2026.06.14.26124933", version=3)
    assert pdf_url(med) == "https://www.medrxiv.org/content/10.1101/2026.06.14.26124933v3.full.pdf"
    assert pdf_url(paper(id="doi:10.1038/x", url="https://www.nature.com/articles/x", doi="10.1038/x")) is None


def test_cite_texts_hold_both_formats_by_id_in_order():
    papers = [paper(), paper(id="arXiv:2606.00001", title="Second")]
    texts = cite_texts((p, "arXiv") for p in papers)
    assert list(texts) == ["bibtex", "ris"] and list(texts["bibtex"]) == ["arXiv:2606.14812", "arXiv:2606.00001"]
    assert texts["bibtex"]["arXiv:2606.00001"] == bibtex(papers[1], "arXiv")
    assert texts["ris"]["arXiv:2606.14812"] == ris(papers[0], "arXiv")


TEXTS = ["", "plain", "a b+c&d=e/f:g~h_i.j-k", "Zoë Müller-Łukasiewicz", "王小明 & 李", "$\\alpha$ <b>\"'%#?",
         "emoji 🧬 tab\there", "x" * 500 + " ü"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("safe", ["/", ":/", ""])
def test_quoted_length_is_the_length_of_quote_and_quote_plus(text, safe):
    assert quoted_length(text, safe) == len(quote(text, safe=safe))
    assert quoted_length(text, safe, plus=True) == len(quote_plus(text, safe=safe))


@pytest.mark.parametrize("text", TEXTS + ["ctrl \x01\x7f", "a+b %20", "\u00e9" * 3, "~_.-:/ ", "\ud7ff\ue000\U0010ffff"])
def test_kev_value_is_quote_plus(text):
    assert kev_value(text) == quote_plus(text, safe=COINS_SAFE)


@pytest.mark.parametrize("fields", [
    {}, {"title": TEXTS[5], "authors": tuple(TEXTS[1:])},
    {"id": "doi:10.1371/journal.pcbi.1012345", "url": "https://journals.plos.org/x?id=1&b=2", "doi": "10.1371/a&b"},
    {"url": "javascript:alert(1)", "authors": ()}])
@pytest.mark.parametrize("venue", ["", "PLOS Computational Biology & Friends"])
def test_the_coins_size_a_card_weighs_is_the_coins_in_the_page(fields, venue):
    """layout.card_weight counts the COinS without building it: the count is the escaped attribute's size."""
    p = paper(**fields)
    assert coins_html_bytes(p, venue) == len(escape(coins(p, venue)).encode("utf-8"))
