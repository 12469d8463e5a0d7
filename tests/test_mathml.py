"""Math at build time (digest/site/mathml.py): arXiv's formulas become MathML Core, hostile or broken TeX never
becomes active or page-covering markup, and what the converter refuses reads as the TeX that was written."""

import re
from html.parser import HTMLParser

import pytest

from digest.site.mathml import MATHML_TAGS, MAX_ELEMENTS, MAX_TEX, WIDE_CHARS, markup_math, math_html, text_html


class Elements(HTMLParser):
    """Every start tag of a fragment with its attributes, and its text, as a browser's tokenizer reads them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def names(markup: str) -> list[str]:
    return [tag for tag, _ in Elements(markup).tags]


@pytest.mark.parametrize("text, expected", [
    ("$O(n^2)$", "<math><mi>O</mi><mo stretchy=\"false\">(</mo><msup><mi>n</mi><mn>2</mn></msup>"
                 "<mo stretchy=\"false\">)</mo></math>"),
    ("$\\alpha$-stable", "<math><mi>α</mi></math>-stable"),
])
def test_typical_formulas_become_mathml(text, expected):
    assert text_html(text) == expected


def test_calligraphic_log_and_display_sums():
    big_o = text_html(r"runs in $\mathcal{O}(\log n)$ time")
    assert big_o.startswith("runs in <math>") and big_o.endswith("</math> time")
    assert "𝒪" in big_o and "<mi>log</mi>" in big_o and "$" not in big_o
    display = text_html(r"so $$\sum_{i=1}^n x_i$$ holds")
    assert display.startswith('so <math display="block"><munderover><mo')
    assert "∑" in display and "<msub><mi>x</mi><mi>i</mi></msub>" in display


def test_every_delimiter_of_the_one_rule_is_typeset_and_prose_is_escaped():
    html = text_html(r"a < b & \(x\) and \[y\] or $z$ 'q'")
    assert html == ("a &lt; b &amp; <math><mi>x</mi></math> and <math display=\"block\"><mi>y</mi></math> or "
                    "<math><mi>z</mi></math> &#39;q&#39;")
    assert text_html("no math, 5 < 6") == "no math, 5 &lt; 6"
    assert text_html("costs $5") == "costs $5"   # a lone dollar is prose


@pytest.mark.parametrize("tex", [r"$\frac{1$", r"$x^{$", r"$\end{matrix}$", r"$a_$"])
def test_broken_tex_reads_as_written(tex):
    assert math_html(tex) == f'<span class="tex">{tex}</span>'


@pytest.mark.parametrize("tex", [r"$\foo{x}$", r"$\mbox{x}$", r"$\rule{9999em}{9999em}$"])
def test_unknown_commands_read_as_written_not_as_an_error_box(tex):
    html = math_html(tex)
    assert html == f'<span class="tex">{tex}</span>'
    assert "error" not in html.lower() and "\x1b" not in html


@pytest.mark.parametrize("tex", [
    r"$\href{javascript:alert(1)}{x}$", r"$\style{background:url(https://evil.example/)}{x}$",
    r"$\class{skip}{x}$", r"$\htmlId{main}{x}$", r"$\htmlStyle{position:fixed}{x}$", r"$\htmlClass{a}{x}$",
    r"$\text{<script>alert(1)</script>}$", r"$<script>alert(1)</script>$", r"$\text{<img src=x onerror=alert(1)>}$",
    r"$\color{red}{x}\colorbox{red}{y}$", r"$\textbf{<b onmouseover=alert(1)>x</b>}$", r"$\url{javascript:alert(1)}$",
    r"$x\onclick{alert(1)}$", r"$\mathrm{\href{javascript:1}{x}}$", r"$\text{&lt;script&gt;}$",
])
def test_hostile_tex_never_becomes_active_markup(tex):
    html = text_html(tex + " tail")
    parsed = Elements(html)
    for tag, attrs in parsed.tags:
        assert tag in MATHML_TAGS or tag == "span" and attrs in ({"class": "tex"}, WIDE_BOX), (tag, html)
        for name, value in attrs.items():
            assert name not in ("href", "src", "style", "id") and not name.startswith(("on", "xlink")), html
            assert name != "class" or tag == "span" and value in ("tex", "math-wide"), html
    assert not re.search(r"<\s*/?\s*(script|img|a|b|style|svg)\b", html, re.I), html
    assert "javascript:" not in "".join(v or "" for _, a in parsed.tags for v in a.values())
    assert html.endswith(" tail")


def test_lengths_are_clamped_so_no_formula_covers_the_page():
    space = math_html(r"$\hspace{9999em}x\kern-9999em y\mkern99999mu z\quad w$")
    widths = re.findall(r'width="([^"]*)"', space)
    assert len(widths) == 3 and all(float(w.removesuffix("em")) <= 3 for w in widths), widths
    assert "9999" not in space and "style" not in space   # a negative space is a style (margin) here: dropped
    assert "<mspace width=\"1em\"></mspace>" in space                       # \quad stays as it was
    big = math_html(r"$\Bigg( \big) \displaystyle x$")
    assert all(float(v.removesuffix("em")) <= 3 for v in re.findall(r'(?:min|max)size="([^"]*)"', big)), big


WIDE_BOX = {"class": "math-wide"}


def test_a_formula_that_may_be_wider_than_a_phone_is_in_a_focusable_scroll_box():
    """From WIDE_CHARS characters of text, a formula is in a span that scrolls (and that the page script makes
    focusable: tests/test_browser_math.py); a short one, and one shown as written, is not."""
    short, wide = math_html(r"$O(n \log n)$"), math_html("$" + "+".join("x_%d" % i for i in range(WIDE_CHARS)) + "$")
    assert short.startswith("<math>") and "math-wide" not in short, short
    assert wide.startswith('<span class="math-wide"><math>') and wide.endswith("</math></span>"), wide
    assert Elements(wide).tags[0] == ("span", WIDE_BOX)
    displayed = math_html("$$" + "+".join("y_%d" % i for i in range(WIDE_CHARS)) + "$$")
    assert displayed.startswith('<span class="math-wide"><math display="block">'), displayed
    assert "math-wide" not in math_html("$" + "a" * (MAX_ELEMENTS + 1) + "$")   # as written: it wraps, never scrolls


def test_size_and_expansion_limits_show_the_formula_as_written():
    long = "$" + "+".join(f"x_{{{i}}}" for i in range(MAX_TEX // 4)) + "$"
    assert len(long) > MAX_TEX and math_html(long).startswith('<span class="tex">$x_{0}+')
    assert MAX_ELEMENTS + 3 <= MAX_TEX   # so the next formula passes the length limit and meets the element one
    assert math_html("$" + "a" * (MAX_ELEMENTS + 1) + "$").startswith('<span class="tex">')
    assert math_html("$" + "a" * 50 + "$").startswith('<span class="math-wide"><math>')
    loop = math_html(r"$\def\a{\a}\a$")
    assert loop == '<span class="tex">$\\def\\a{\\a}\\a$</span>'
    doubling = "".join(rf"\def\{chr(98 + i)}{{\{chr(97 + i)}\{chr(97 + i)}}}" for i in range(20))
    assert math_html(rf"$\def\a{{x}}{doubling}\{chr(98 + 19)}$").startswith('<span class="tex">')
    deep = math_html("$" + "{" * 3000 + "x" + "}" * 3000 + "$")
    assert deep.startswith('<span class="tex">')   # over MAX_TEX: never handed to the converter


def test_a_formula_shown_as_written_is_escaped():
    assert math_html(r"$\foo<b>$") == '<span class="tex">$\\foo&lt;b&gt;$</span>'


def test_sanitised_html_gets_mathml_in_its_text_only():
    html = "<p>We bound $a &lt; b$ in <a href=\"#arXiv:1\">01</a>; <strong>$x</strong> and y$ stay.</p>"
    out = markup_math(html)
    assert out.startswith("<p>We bound <math><mi>a</mi><mo>&lt;</mo><mi>b</mi></math> in <a href=\"#arXiv:1\">01</a>")
    assert "<strong>$x</strong> and y$" in out   # a span crossing a tag is left as it was
    assert markup_math("<p>none</p>") == "<p>none</p>"


# A wide sample of what arXiv abstracts hold (tests/test_browser_math.py also has the HTML checker read it).
ARXIV_SAMPLE = [r"\mathbb{R}^d", r"\operatorname{Tr}(A)", r"\left(\frac{a}{b}\right)", r"\sqrt[3]{x}", r"\binom{n}{k}",
                r"\tilde{O}(\sqrt{T})", r"\mathbb{E}[D]", r"\|x\|_2", r"\hat\theta", r"\epsilon > 0", r"x \in [0,1]",
                r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"\lim_{n\to\infty} a_n", r"\int_0^1 f(x)\,dx", r"10^{-3}",
                r"\mathrm{SU}(2)", r"\langle\psi|\phi\rangle", r"\overline{x}", r"\boxed{x}", r"A^\top", r"\le\ge\neq",
                r"\begin{cases} a & b \\ c & d\end{cases}", r"\begin{aligned} a &= b \\ c &= d\end{aligned}",
                r"\underbrace{x+y}_{n}", r"\mathbf{x}\boldsymbol{\alpha}", r"\xrightarrow{f}", r"\text{if } x", r"{}^{14}C",
                r"\frac{\partial f}{\partial x}", r"\tfrac12 \dfrac12", r"\cancel{x}", r"\phantom{x}", r"\!x",
                r"\displaystyle\sum_i x_i"]


def test_every_element_the_converter_makes_for_arxiv_math_is_allowed():
    """All of the sample typeset (none shown as written), all of it allowed."""
    for tex in ARXIV_SAMPLE:
        html = math_html(f"${tex}$")
        assert html.startswith("<math>"), (tex, html)
        assert set(names(html)) <= MATHML_TAGS, (tex, html)
