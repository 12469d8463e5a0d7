import pytest

from digest.clean import (MATH_DELIMITERS, arxiv_id_from_text, clean_text, clip, doi_from_text, first_sentences, has_math,
                          repair_entities, repair_export_artifacts, safe_url, split_arxiv_description, split_authors,
                          tex_to_text)


@pytest.mark.parametrize("raw, text", [
    ("accuracy &gt90% overall", "accuracy >90% overall"),
    ("5 &microg/mL", "5 µg/mL"),
    ("na&iumlve Bayes", "naïve Bayes"),
    ("AT&amp;amp;T", "AT&T"),
    ("p&lt;0.001", "p<0.001"),
    ("Fish &amp; Chips", "Fish & Chips"),
    ("no entities here", "no entities here"),
])
def test_repair_entities(raw, text):
    assert repair_entities(raw) == text


@pytest.mark.parametrize("markup, text", [
    ("<p>One.</p><p>Two.</p>", "One. Two."),
    ("a<br>b", "a b"),
    ("keep <b>bold</b> words", "keep bold words"),
    ("x <script>alert(1)</script> y", "x y"),
    ('<a href="javascript:alert(2)">click</a> <img src=x onerror=alert(3)>', "click"),
    ("We get &amp;gt90% with 5 &amp;microg/mL na&amp;iumlve", "We get >90% with 5 µg/mL naïve"),
    ("  lots \n\n of\tspace ", "lots of space"),
])
def test_clean_text_from_html(markup, text):
    assert clean_text(markup) == text


def test_clean_text_plain_keeps_angle_brackets_of_math():
    assert clean_text("if $a<b$ then &amp; more", is_html=False) == "if $a<b$ then & more"


def test_clean_text_plain_drops_inline_markup():
    assert clean_text("<i>Drosophila</i> larvae and H<sub>2</sub>O", is_html=False) == "Drosophila larvae and H2O"


@pytest.mark.parametrize("raw, text", [
    (r"Andr\'e Martins", "André Martins"),
    (r"J\"org M\"uller", "Jörg Müller"),
    (r"Fran\c{c}ois", "François"),
    (r"{\'E}mile", "Émile"),
    (r"Stra{\ss}e", "Straße"),
    (r"Du\v{s}an", "Dušan"),
    (r"bound $\'x + \"y$ kept", r"bound $\'x + \"y$ kept"),
    (r"S\o ren Kierkegaard", "Søren Kierkegaard"),         # TeX swallows the space after a control word
    (r"\AA ngstr\"om and Gro\ss{}e", "Ångström and Große"),
    (r"S{\o} ren", "Sø ren"),                               # but not after a braced one
    (r"Ma{\l}gorzata \L ukasz", "Małgorzata Łukasz"),
    (r"Erd\H{o}s and R\'{e}nyi, Pe\~na, \'{\i}", "Erdős and Rényi, Peña, í"),
    (r"Bj\o, done", "Bjø, done"),
])
def test_tex_accents(raw, text):
    assert tex_to_text(raw) == text


# The TeX rule (digest/clean.py MATH_DELIMITERS and tex_to_text): math in any of the four delimiters stays as
# written, for KaTeX; the text commands outside it read as text.
@pytest.mark.parametrize("raw, text", [
    # math: every delimiter KaTeX is given, left exactly as written (accents, commands, ties and dashes inside)
    (r"inline $\'x + \textbf{v}~--y$ kept", r"inline $\'x + \textbf{v}~--y$ kept"),
    (r"display $$\sum_{i=1}^n \emph{x}_i$$ kept", r"display $$\sum_{i=1}^n \emph{x}_i$$ kept"),
    (r"paren \(a--b\) and bracket \[ \gamma(s,\pi\otimes\chi) \]", r"paren \(a--b\) and bracket \[ \gamma(s,\pi\otimes\chi) \]"),
    (r"$$a$$ then $b$", r"$$a$$ then $b$"),
    # text commands become their words
    (r"\textbf{adaptability}, and \textit{the probability}", "adaptability, and the probability"),
    (r"it is \emph{anytime} optimal", "it is anytime optimal"),
    (r"\textbf{bold \emph{and} more}", "bold and more"),
    (r"{\em old style} and {\bf bold}", "old style and bold"),
    (r"\texttt{code}, \textsc{Caps}, \underline{under}", "code, Caps, under"),
    (r"\textbf{size $n$ graphs}", "size $n$ graphs"),
    (r"code: \url{https://github.com/a/b_c~d}", "code: https://github.com/a/b_c~d"),
    (r"see \href{https://x.org/p}{our page}", "see our page (https://x.org/p)"),
    (r"\href{https://x.org/p}{https://x.org/p}", "https://x.org/p"),
    (r"46.62\% censored, R\&D, snake\_case, \#1", "46.62% censored, R&D, snake_case, #1"),
    # ties and dashes
    (r"probability~1, Fig.~2 and $n$~points", "probability 1, Fig. 2 and $n$ points"),
    ("nearly ~60% of /~user", "nearly ~60% of /~user"),
    ("sizes 10~20 and 5~mm", "sizes 10~20 and 5 mm"),
    ("Jensen--Shannon, pages 180--200, a---b", "Jensen\u2013Shannon, pages 180\u2013200, a\u2014b"),
    ("limit -- the graphon", "limit \u2013 the graphon"),
    ("run --help or <!-- x --> and ---- rule", "run --help or <!-- x --> and ---- rule"),
    ("see https://x.org/a--b~c", "see https://x.org/a--b~c"),
    (r"Erd\H{o}s--R\'enyi", "Erd\u0151s\u2013R\u00e9nyi"),
    # math written without delimiters (older arXiv listings): a word of known math commands becomes a span,
    # a lone symbol its character; an author's own macro stays as written (KaTeX could not typeset it)
    (r"vectors in C^\infty(X,E), and type F_\infty.", r"vectors in $C^\infty(X,E)$, and type $F_\infty$."),
    (r"the \mu-EMS algorithm, a complex \Delta and (SLE{\kappa}) in {\alpha}'", "the \u03bc-EMS algorithm, a complex \u0394 and (SLE\u03ba) in \u03b1'"),
    (r"step size \rho_l\sim\frac{1}{l} at", r"step size $\rho_l\sim\frac{1}{l}$ at"),
    (r"Rectified Flow ({\ours}) and +\la_1 u", r"Rectified Flow ({\ours}) and +\la_1 u"),
    (r"costs $5 and \alpha_1 or \beta", "costs $5 and \u03b1_1 or \u03b2"),
])
def test_tex_to_text(raw, text):
    assert tex_to_text(raw) == text
    assert tex_to_text(text) == text     # cleaning what is clean changes nothing


@pytest.mark.parametrize("text, math", [
    ("$x$", True), ("$$x$$", True), (r"\(x\)", True), (r"\[x\]", True),
    ("no math", False), ("a lone $5", False), (r"unclosed \( x", False), ("$$", False),
])
def test_has_math_knows_every_delimiter(text, math):
    assert has_math(text) is math


def test_the_delimiters_try_display_dollars_first():
    """KaTeX takes delimiters in order: `$` before `$$` would read `$$x$$` as two empty spans around x."""
    lefts = [left for left, _, _ in MATH_DELIMITERS]
    assert lefts.index("$$") < lefts.index("$")
    assert {left for left, _, display in MATH_DELIMITERS if display} == {"$$", "\\["}


@pytest.mark.parametrize("raw, text", [
    ("aquatic ecosystems.nnOne sentence summary", "aquatic ecosystems. One sentence summary"),
    ("remains unclear.nnResultsHere, we", "remains unclear. ResultsHere, we"),
    ("defects of yeast vip1{Delta} genotype and {alpha}-helix, {Omega}", "defects of yeast vip1\u0394 genotype and \u03b1-helix, \u03a9"),
    ("the Jinn of nn.Module in CNNs and nnU-Net", "the Jinn of nn.Module in CNNs and nnU-Net"),
    ("a set {Deltas} and {x}", "a set {Deltas} and {x}"),
])
def test_repair_export_artifacts(raw, text):
    assert repair_export_artifacts(raw) == text


@pytest.mark.parametrize("raw, is_html, text", [
    # ScienceDirect titles: MathML becomes TeX, typeset like any math
    ('Bounds on <math xmlns="http://www.w3.org/1998/Math/MathML" altimg="si1.svg"><mrow><msub><mi>P</mi><mn>2</mn>'
     '</msub><mo>&lt;</mo><mfrac><mn>1</mn><mi>n</mi></mfrac></mrow></math> graphs', False,
     r"Bounds on ${P}_{2}\lt \frac{1}{n}$ graphs"),
    ('<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn>'
     '</mml:msup></mml:math>-free', True, "${x}^{2}$-free"),
    ("<math><semantics><msqrt><mi>x</mi></msqrt><annotation encoding='application/x-tex'>\\sqrt x</annotation>"
     "</semantics></math> and <math><mroot><mi>y</mi><mn>3</mn></mroot><mtext>a&amp;b</mtext></math>", True,
     r"$\sqrt{x}$ and $\sqrt[3]{y}\text{a\&b}$"),
    ("x <math><mi>a</mi> and <mi>b</mi>", False, "x a and b"),            # not whole: its text, no markup
    ("<math><mi>a</mi><mo>&nbsp;</mo></math> z", True, "a z"),            # not XML: its text
    # a footnote mark is no part of a word
    ('Deep learning<a href="#fn1"><sup>1</sup></a> for all', True, "Deep learning for all"),
    ('Deep learning<sup><a href="#fn1">a</a></sup> for all', False, "Deep learning for all"),
    ("H<sub>2</sub>O and x<sup>2</sup>", True, "H2O and x2"),
])
def test_clean_text_markup_in_titles(raw, is_html, text):
    assert clean_text(raw, is_html) == text


def test_deeply_nested_mathml_is_read_as_text():
    nested = "<math>" + "<mrow>" * 5000 + "<mi>x</mi>" + "</mrow>" * 5000 + "</math>"
    assert clean_text(nested) == "x" and clean_text(nested, is_html=False) == "x"


@pytest.mark.parametrize("raw, names", [
    ("Chiwun Yang, Jane Doe, Wei Zhang", ("Chiwun Yang", "Jane Doe", "Wei Zhang")),
    ("Jane Doe and Wei Zhang", ("Jane Doe", "Wei Zhang")),
    ("A. Author, B. Writer and C. Third", ("A. Author", "B. Writer", "C. Third")),
    ("Doe, J.; Roe, K.", ("J. Doe", "K. Roe")),
    ("Smith, J. A., Li, X., Okafor, C.", ("J. A. Smith", "X. Li", "C. Okafor")),
    ("van Dijk, H., Sato, M., Kumar, A. P.", ("H. van Dijk", "M. Sato", "A. P. Kumar")),
    ("Denby, K., Pieterse, C. C. M. J., Van Wees, S. C. M.", ("K. Denby", "C. C. M. J. Pieterse", "S. C. M. Van Wees")),
    ("Zhang, a., jiang, x., zhang, x.", ("A. Zhang", "X. Jiang", "X. Zhang")),        # bioRxiv's lower case
    ("Guo, T., Lin, H.-X., Wei, Th.", ("T. Guo", "H.-X. Lin", "Th. Wei")),
    ("Lee, JA, Kim, S.", ("JA Lee", "S. Kim")),
    ("de la Cruz, M., van der Berg, a.", ("M. de la Cruz", "A. van der Berg")),    # particles stay lower case
    ("", ()),
    ("   ", ()),
])
def test_split_authors(raw, names):
    assert split_authors(raw) == names


@pytest.mark.parametrize("raw, parts", [
    ("arXiv:2606.13504v1 Announce Type: new \nAbstract: Survival analysis.", ("2606.13504", 1, "new", "Survival analysis.")),
    ("arXiv:2606.10001v2 Announce Type: replace-cross Abstract: Text", ("2606.10001", 2, "replace-cross", "Text")),
    ("arXiv:math/0601001v3 Announce Type: cross Abstract: Old id", ("math/0601001", 3, "cross", "Old id")),
    ("Plain description", (None, None, None, "Plain description")),
])
def test_split_arxiv_description(raw, parts):
    assert split_arxiv_description(raw) == parts


@pytest.mark.parametrize("raw, found", [
    ("https://arxiv.org/abs/2606.13504", ("2606.13504", None)),
    ("oai:arXiv.org:2606.13504v3", ("2606.13504", 3)),
    ("https://example.org/paper", (None, None)),
])
def test_arxiv_id_from_text(raw, found):
    assert arxiv_id_from_text(raw) == found


@pytest.mark.parametrize("raw, doi", [
    ("doi:10.1101/2026.06.12.645123", "10.1101/2026.06.12.645123"),
    ("info:doi/10.1371/journal.pcbi.1013456", "10.1371/journal.pcbi.1013456"),
    ("https://doi.org/10.1038/S41586-026-09612-3.", "10.1038/s41586-026-09612-3"),
    ("no doi", None),
])
def test_doi_from_text(raw, doi):
    assert doi_from_text(raw) == doi


@pytest.mark.parametrize("url, ok", [
    ("https://arxiv.org/abs/1", True),
    ("http://example.org/x?y=1", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False),
    ("/relative/path", False),
    ('https://x.org/"onmouseover="alert(1)', False),
    ("", False),
    # the fast path for plain links and urlsplit must agree at their edges
    ("http://a", True),
    ("HTTPS://arxiv.org/abs/1", True),
    ("https://[::1]/x", True),
    ("https://[::1/x", False),         # urlsplit refuses the broken IPv6 host
    ("https://ü.example/x", True),
    ("https://", False),
    ("https:///x", False),
    ("https://x.org/a b", False),
    ("https://x.org/<b>", False),
    ("https://a@b.org:8080/c?d=1#e", True),
])
def test_safe_url(url, ok):
    assert safe_url(url) == (url if ok else "")


def test_first_sentences_keeps_whole_sentences_within_limit():
    text = "First sentence is here. Second one follows it. " + "Third sentence is much longer " * 10 + "."
    summary = first_sentences(text, max_chars=80)
    assert summary == "First sentence is here. Second one follows it."
    assert len(first_sentences("word " * 200, max_chars=100)) <= 100


@pytest.mark.parametrize("text, limit, clipped", [
    ("short text", 20, "short text"),
    ("exactly ten", 11, "exactly ten"),
    ("one two three four five six", 15, "one two three…"),
    ("averyveryverylongwordwithoutspaces", 10, "averyvery…"),
    ("word " * 1000, 100, ("word " * 19).strip() + "…"),
    ("ab " + "x" * 30, 20, "ab " + "x" * 16 + "…"),          # the only space is early: cut mid-word, not to "ab…"
    ("模型 " + "中" * 30, 12, "模型 " + "中" * 8 + "…"),
    ("one two three four", 18, "one two three four"),
])
def test_clip(text, limit, clipped):
    assert clip(text, limit) == clipped
    assert len(clip(text, limit)) <= limit
