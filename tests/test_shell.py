"""A day's numbered pages are filled into one frame of day.html (digest/site/shell.py): each must be the very page a
whole render of day.html gives, on a long day (the pager's gaps, the first and last numbered pages), a compact one,
with hostile text in the titles and settings, an absolute base URL (canonical links) and either default language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from digest.archive import Day, State
from digest.config import load_config
from digest.papers import Paper
from digest.site import render_site
from digest.site.shell import PageShell

ROOT = Path(__file__).resolve().parent.parent
OLD, NEW = date(2026, 6, 15), date(2026, 6, 16)
# Markup, template syntax and a forged frame marker: none may act, or move a page's parts.
HOSTILE = ['</title><script>alert(1)</script>', '{{ cards }} {% block pager %}', '[0123456789abcdef:cards]',
           'a & b "quoted" \'single\' <i>x</i>', '$\\frac{a}{b} < c$ 数学']


def paper(n: int, day: date) -> Paper:
    return Paper(id=f"arXiv:2606.{10000 + n}", title=f"{HOSTILE[n % len(HOSTILE)]} number {n}",
                 authors=("Chiwun Yang", f"Jane <b>Doe</b> {n}"), abstract=f"An abstract {HOSTILE[n % 3]}. Second.",
                 url=f"https://arxiv.org/abs/2606.{10000 + n}", day=day, sources=("arxiv-cs-lg",),
                 topics=("cs.LG",) if n % 2 else ("cs.CV", "cs.LG"), version=1, announce="new",
                 summary={"en": f"Summary {HOSTILE[n % 4]}", "zh": f"摘要 {n}"} if n % 3 else {},
                 summary_model="m", summary_prompt="p", summary_version=1)


def site(tmp: Path, lang: str, whole: bool, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The two days rendered with `lang` first; with `whole`, every numbered page rendered whole by Jinja instead."""
    config = load_config(ROOT / "demo" / "sources.yaml")
    config = replace(config, site=replace(config.site, page_size=4, full_days=1, default_language=lang,
                                          title='Hub <"&"> [0123456789abcdef:title]',
                                          base_url="https://example.org/hub/"))
    if whole:
        monkeypatch.setattr(PageShell, "fill", lambda shell, frame, context:
                            shell.frame_template.environment.get_template("day.html").render(context))
    days = [Day(OLD, tuple(paper(n, OLD) for n in range(1, 450))),   # compact: 200 entries a page
            Day(NEW, tuple(paper(n, NEW) for n in range(40, 90)))]
    out = tmp / ("whole" if whole else "shell")
    render_site(config, days, State(), out)
    monkeypatch.undo()
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numbered_pages_filled_into_a_frame_are_the_pages_a_whole_render_gives(tmp_path, monkeypatch, lang):
    shell, whole = site(tmp_path, lang, False, monkeypatch), site(tmp_path, lang, True, monkeypatch)
    pages = sorted(p.relative_to(shell) for p in shell.glob("????-??-??/page/*/index.html"))
    for iso, count in ((OLD.isoformat(), 2), (NEW.isoformat(), 8)):   # a compact day, and a full day's many pages
        assert len([p for p in pages if p.parts[0] == iso]) >= count, iso
    for rel in pages:
        assert (shell / rel).read_bytes() == (whole / rel).read_bytes(), rel
    page = (shell / NEW.isoformat() / "page" / "5" / "index.html").read_text(encoding="utf-8")
    assert page.count("<title") == 1 and "<script>alert" not in page and "[0123456789abcdef:" in page
    assert '<link rel="canonical" href="https://example.org/hub/2026-06-16/page/5/">' in page
    assert 'aria-current="page">5<' in page and "…" in page   # the pager's gaps: a long day's middle page


PAGE = ('<h1>{% block title %}{{ name }}{% endblock %}</h1>{% block same %}{{ same }}{% endblock %}'
        '<p>{% block body %}{{ self.title() }}: {{ body }}{% endblock %}</p>')
FRAME = '{% extends "page.html" %}{% block title %}{{ part("title") }}{% endblock %}{% block body %}{{ part("body") }}{% endblock %}'


def test_a_frame_is_filled_with_each_pages_parts_and_nothing_else():
    env = Environment(loader=DictLoader({"page.html": PAGE, "frame.html": FRAME}), autoescape=True)
    shell = PageShell(env, "frame.html")
    pages = [{"name": name, "body": body, "same": "<day>"} for name, body in
             [("one", "<b>1</b>"), ("[0123456789abcdef:body]", "two"), ("{{ same }}", "three")]]
    frame = shell.frame(pages[0])
    assert frame[1::2] == ["title", "body"] and "&lt;day&gt;" in frame[2]
    for page in pages:
        assert shell.fill(frame, page) == env.get_template("page.html").render(page)
    assert shell.fill(frame, pages[1]) == ("<h1>[0123456789abcdef:body]</h1>&lt;day&gt;"
                                           "<p>[0123456789abcdef:body]: two</p>")


def test_a_frame_refuses_a_part_the_page_it_frames_does_not_have():
    env = Environment(loader=DictLoader({"page.html": PAGE, "frame.html": FRAME + "{% block nowhere %}{% endblock %}"}))
    with pytest.raises(ValueError, match="frame.html: no block nowhere"):
        PageShell(env, "frame.html").frame({"name": "", "body": "", "same": ""})
