"""Pure text cleaning for feed fields: HTML to text, broken entities, TeX outside math (the one math rule), MathML,
bioRxiv's export artifacts, author lists."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser
from xml.etree import ElementTree
from urllib.parse import unquote, urlsplit

_SPACE = re.compile(r"\s+")
# Block-level tags become spaces so words on either side do not run together.
_BREAKING_TAGS = {"p", "br", "div", "li", "ul", "ol", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_DROPPED_TAGS = {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


# XML 1.0 allows tab, newline, carriage return and U+0020 on, less the surrogates and U+FFFE/U+FFFF;
# UTF-8 cannot encode a lone surrogate at all. Everything from a feed or a model passes this gate
# before it reaches content/, a page or a feed, so no output can be ill-formed or unwritable.
_NOT_XML_TEXT = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def is_xml_text(text: str) -> bool:
    """True when text holds only characters XML 1.0 and UTF-8 allow (xml_text would return it unchanged)."""
    return _NOT_XML_TEXT.search(text) is None


def xml_text(text: str) -> str:
    """Return text with every character that XML 1.0 or UTF-8 refuses removed (controls, surrogates, U+FFFE/F)."""
    return _NOT_XML_TEXT.sub("", text) if _NOT_XML_TEXT.search(text) else text


# Text a reader sees loses DEL and the C1 controls too: legal XML, but never meant as text (XML 1.0, 2.2,
# discourages them; cp1252's printable ones are mapped before this). The legacy arXiv RSS has `Schr\x7fodinger`.
_NOT_SHOWN_TEXT = re.compile("[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def shown_text(text: str) -> str:
    """Return text with what xml_text removes removed, and DEL and the C1 controls too (HTML forbids them)."""
    return _NOT_SHOWN_TEXT.sub("", text) if _NOT_SHOWN_TEXT.search(text) else text


def html_to_text(markup: str) -> str:
    """Return the visible text of an HTML fragment, scripts and styles dropped, entities decoded."""
    if "<" not in markup:  # no tags: what the parser would do is decode the entities (most arXiv abstracts)
        return html.unescape(markup) if "&" in markup else markup
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


# A second decoding pass: feeds often escape an entity twice or drop its semicolon
# (`&amp;gt90%`, `&microg/`, `&iumlve`), which one pass leaves as literal `&gt90%`.
_LEFTOVER_ENTITY = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]{1,31};?)")


def repair_entities(text: str) -> str:
    """Decode entity references left in already-decoded text, with or without their semicolon."""
    if "&" not in text:
        return text
    for _ in range(2):  # `&amp;amp;` needs two rounds
        fixed = _LEFTOVER_ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
        if fixed == text:
            break
        text = fixed
    return text


_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328", "r": "\u030a",
}
# \'e  \'{e}  {\'e}  \"{\i}  \c{c}  \v s
_TEX_ACCENT = re.compile(r"\{?\\([`'^\"~=.]|[uvHckr](?=[\s{]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij]|[A-Za-z]))\}?")
_TEX_LETTERS = {r"\ss": "ß", r"\o": "ø", r"\O": "Ø", r"\ae": "æ", r"\AE": "Æ", r"\l": "ł", r"\L": "Ł", r"\aa": "å", r"\AA": "Å"}
# `{\o}`, `\o{}`, or `\o ` whose space TeX swallows: `S\o ren` is Søren, `\aa ngstr\"om` ångström.
_TEX_LETTER = re.compile(r"\{(\\(?:ss|o|O|ae|AE|l|L|aa|AA))\}|(\\(?:ss|o|O|ae|AE|l|L|aa|AA))(?![A-Za-z])(?:\{\}| (?=[A-Za-z]))?")
# The one rule for math a reader sees: these delimiters, tried in this order (`$$` before `$`), as
# (left, right, display). The render writes exactly the spans the cleaning below leaves as written as MathML
# (digest/site/mathml.py); feeds keep them as TeX.
MATH_DELIMITERS: tuple[tuple[str, str, bool], ...] = (
    ("$$", "$$", True), ("\\[", "\\]", True), ("\\(", "\\)", False), ("$", "$", False),
)


def _math_span(left: str, right: str) -> str:
    # A span ends at its closer and never crosses another opener: `\(.+?\)` would scan to the end of the
    # text from each of many unclosed `\(`, quadratic in the text's length (a 99 KB abstract took 13 s).
    stop = "|".join(sorted({re.escape(left), re.escape(right)}, key=len, reverse=True))
    return f"{re.escape(left)}(?:(?!{stop}).)+{re.escape(right)}"


_MATH_SPAN = "|".join(_math_span(left, right) for left, right, _ in MATH_DELIMITERS)
_MATH = re.compile(f"({_MATH_SPAN})", re.S)
_MATH_OPENERS = tuple(dict.fromkeys(left for left, _, _ in MATH_DELIMITERS))


def has_math(text: str) -> bool:
    """Whether text holds a math span (one of MATH_DELIMITERS around something)."""
    return any(opener in text for opener in _MATH_OPENERS) and _MATH.search(text) is not None


def split_math(text: str) -> list[str]:
    """Return text in pieces: the odd ones its math spans (MATH_DELIMITERS), the even ones the prose around them."""
    return _MATH.split(text)


def _accent(match: re.Match) -> str:
    letter = match.group(2) or match.group(3)
    letter = {"\\i": "i", "\\j": "j"}.get(letter, letter)
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


# The text commands arXiv authors use in abstracts, read as the words they mark (plain text has no bold).
_TEXT_COMMANDS = "textbf|textit|textsl|textsc|texttt|textrm|textsf|textup|textmd|emph|underline|mbox"
_ARG = r"(?:[^{}]|\{[^{}]*\})*"   # an argument holding at most one level of braces: linear to match
_TEX_TEXT = re.compile(
    r"(?=[$\\h{~-])"   # what each alternative starts with: most positions fail here at once, ten times faster
    rf"(?:(?P<math>{_MATH_SPAN})"
    r"|(?P<link>https?://[^\s{}]+)"                                    # a URL's `~` and `--` are its own
    rf"|\\(?:{_TEXT_COMMANDS})\s*\{{(?P<arg>{_ARG})\}}"
    r"|\\url\s*\{(?P<url>[^{}\s]*)\}"
    rf"|\\href\s*\{{(?P<href>[^{{}}\s]*)\}}\s*\{{(?P<label>{_ARG})\}}"
    r"|\{\\(?:em|bf|it|sl|sc|tt|rm|sf)(?![A-Za-z])\s*(?P<old>[^{}]*)\}"   # `{\em word}`
    r"|\\(?P<escaped>[%&_#])"
    r"|(?P<dash>(?<![-<!])(?:(?<=\S)---?|---?(?![A-Za-z]))(?![->]))"   # not `--flag`, `<!--`, `-->`
    # a tie: `Fig.~2`, `$n$~points`; not `~60%`, `/~user` or a range `10~20`
    r"|(?P<tie>(?:(?<=[^\W\d]|[.,;:)\]}$])|(?<=\d)(?!~\d))~(?=[\w\\${(\[])))",
    re.S,
)


def _tex_text(match: re.Match) -> str:
    kind = match.lastgroup
    if kind in ("math", "link"):
        return match.group(0)
    if kind in ("arg", "old"):
        return _TEX_TEXT.sub(_tex_text, match.group(kind))
    if kind == "label":
        label, href = _TEX_TEXT.sub(_tex_text, match.group("label")).strip(), match.group("href")
        return f"{label} ({href})" if label and label != href else href
    if kind == "dash":
        return "\u2014" if match.group(0) == "---" else "\u2013"
    if kind == "tie":
        return " "
    return match.group(kind or 0)   # url, escaped


def tex_to_text(text: str) -> str:
    """Return text with the TeX outside math made readable; math spans (MATH_DELIMITERS) stay as written for KaTeX.

    Accents become letters (`Andr\\'e`, `\\"{o}`, `{\\ss}`); `\\textbf{x}`, `\\emph{x}`, `\\textit{x}`, `{\\em x}`
    and `\\url{x}` become x, `\\href{u}{t}` "t (u)"; `\\%`, `\\&`, `\\_`, `\\#` their character; `--` and `---`
    en and em dashes; a tie `~` (`Fig.~2`) a space; math written without delimiters a `$…$` span, or its
    symbols' characters (`\\mu-EMS`: μ-EMS; see _MATH_COMMANDS).
    """
    if "\\" not in text and "~" not in text and "--" not in text:
        return text
    if "\\" in text:
        pieces = split_math(text)
        for i in range(0, len(pieces), 2):  # even pieces lie outside math
            if "\\" not in pieces[i]:
                continue
            piece = _TEX_ACCENT.sub(_accent, pieces[i])
            piece = _TEX_LETTER.sub(lambda m: _TEX_LETTERS[m.group(1) or m.group(2)], piece)
            if "\\" in piece:
                piece = _BARE_MATH.sub(_bare_symbols if "$" in piece else _bare_math, piece)
            pieces[i] = piece
        text = "".join(pieces)
    return _TEX_TEXT.sub(_tex_text, text)


_GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon "
          "phi chi psi omega").split()
_GREEK_LETTERS = {name: unicodedata.lookup(f"GREEK SMALL LETTER {name.upper().replace('LAMBDA', 'LAMDA')}") for name in _GREEK}
_GREEK_LETTERS.update({name.capitalize(): letter.upper() for name, letter in _GREEK_LETTERS.items()})
# Math written without delimiters (older arXiv listings: `C^\\infty(X,E)`, `\\mu-EMS`, `{\\alpha}'`): a word
# holding a known math command and TeX's `_`, `^` or braces becomes a `$…$` span KaTeX typesets; a lone
# symbol command its character. A word with a command outside this set (an author's own macro, `\\ours`) stays
# as written: KaTeX could not typeset it either.
_MATH_SYMBOLS = dict(_GREEK_LETTERS, varepsilon="ε", vartheta="ϑ", varphi="φ", ell="ℓ", infty="∞", ast="∗",
                     sim="∼", approx="≈", le="≤", leq="≤", ge="≥", geq="≥", ne="≠", neq="≠", pm="±", times="×",
                     cdot="·", to="→", partial="∂", nabla="∇", ldots="…", cdots="⋯")
_MATH_COMMANDS = set(_MATH_SYMBOLS) | set("frac sqrt sum prod int log exp sin cos min max lim sup inf mathbb "
                                          "mathcal mathrm mathbf in subset cup cap otimes oplus".split())
_BARE_MATH = re.compile(r"(?<!\S)[^\s$]*\\[A-Za-z]+[^\s$]*?(?=[.,;:]?(?:\s|$))")
_COMMAND = re.compile(r"\\([A-Za-z]+)")


_BRACED_SYMBOL = re.compile(r"\{\\(" + "|".join(_MATH_SYMBOLS) + r")\}")


def _bare_math(match: re.Match, may_wrap: bool = True) -> str:
    """One word of prose holding a command: a `$…$` span, its symbols' characters, or as written (see above)."""
    word = _BRACED_SYMBOL.sub(lambda m: _MATH_SYMBOLS[m.group(1)], match.group(0))   # `SLE{\\kappa}`: SLEκ
    names = _COMMAND.findall(word)
    if not all(name in _MATH_COMMANDS for name in names):
        return match.group(0)
    if may_wrap and any(mark in word for mark in "_^{"):
        return f"${word}$"
    return _COMMAND.sub(lambda m: _MATH_SYMBOLS.get(m.group(1), m.group(0)), word)


def _bare_symbols(match: re.Match) -> str:
    # Prose holding a lone `$` (a price): a new `$…$` span would pair with it, so only symbols become characters.
    return _bare_math(match, may_wrap=False)


# bioRxiv's export writes a lost paragraph break as `nn` glued between two sentences ("ecosystems.nnOne") and a
# Greek letter as its name in braces (`vip1{Delta}`). Only a sentence's end followed by `nn` and a capital is a
# lost break: `Jinn`, `nn.Module`, `CNNs` and `nnU-Net` are words.
_EXPORT_ARTIFACT = re.compile(r"(?<=[.!?])nn(?=[A-Z])|\{(" + "|".join(_GREEK_LETTERS) + r")\}")


def repair_export_artifacts(text: str) -> str:
    """Return text with bioRxiv's `nn` paragraph breaks made spaces and its `{Delta}` letters made characters."""
    if "{" not in text and not any(f"{end}nn" in text for end in ".!?"):   # most texts: no regex pass
        return text
    return _EXPORT_ARTIFACT.sub(lambda m: _GREEK_LETTERS[m.group(1)] if m.group(1) else " ", text)


def squash_space(text: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return " ".join(text.split())  # str.split() and re's \s agree on what is whitespace; this is faster


# Plain-text fields still carry inline markup (PLOS titles: `<i>Drosophila</i>`); only these known
# tags are dropped, so `$a<b$` in a formula survives. MathML's own elements too, where a fragment was not
# whole enough to become TeX.
_INLINE_TAG = re.compile(r"</?(?:i|b|em|strong|sub|sup|span|u|tt|sc|small|br|p|mml:[a-z]+|math|semantics|annotation|"
                         r"m(?:row|i|n|o|s|text|space|style|sub|sup|subsup|frac|sqrt|root|under|over|underover|table|tr|td|"
                         r"fenced|enclose|padded|phantom))(?:\s[^<>]*)?/?>", re.I)


# MathML (ScienceDirect titles: `<math><msub><mi>P</mi><mn>2</mn></msub></math>`) becomes `$P_{2}$`, typeset
# like any TeX; a fragment that is not well-formed becomes its text. A span never crosses another `<math`.
_MATHML = re.compile(r"<(?:mml:)?math\b[^>]*>(?:(?!<(?:mml:)?math\b).)*?</(?:mml:)?math\s*>", re.S | re.I)
_MATHML_LAYOUT = {"msub": "{%s}_{%s}", "msup": "{%s}^{%s}", "msubsup": "{%s}_{%s}^{%s}", "mfrac": "\\frac{%s}{%s}",
                  "mroot": "\\sqrt[%s]{%s}", "munder": "\\underset{%s}{%s}", "mover": "\\overset{%s}{%s}"}
_TEX_SPECIAL = {c: "\\" + c for c in "{}$%&#_"} | {"<": "\\lt ", ">": "\\gt ", "\\": "\\backslash ", "^": "\\hat{}"}


def _mathml_tex(node: ElementTree.Element) -> str:
    tag = node.tag.rpartition("}")[2].lower()
    if tag in ("annotation", "annotation-xml"):
        return ""
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        token = "".join(_TEX_SPECIAL.get(c, c) for c in "".join(node.itertext()).strip())
        return f"\\text{{{token}}}" if tag == "mtext" and token else token
    parts = [_mathml_tex(child) for child in node]
    layout = _MATHML_LAYOUT.get(tag)
    if layout and layout.count("%s") == len(parts):
        return layout % (tuple(reversed(parts)) if tag in ("mroot", "munder", "mover") else tuple(parts))
    joined = "".join(parts)
    return f"\\sqrt{{{joined}}}" if tag == "msqrt" else joined


def _mathml_to_tex(match: re.Match) -> str:
    markup = re.sub(r"<(/?)mml:", r"<\1", match.group(0))
    try:
        tex = _mathml_tex(ElementTree.fromstring(re.sub(r"\sxmlns(?::\w+)?=\"[^\"]*\"", "", markup)))
    except (ElementTree.ParseError, RecursionError):   # not XML, or nested past what a formula needs
        return html_to_text(markup)
    return f"${tex.strip()}$" if tex.strip() else ""


# A footnote mark linked from a word (`Title<a href="#fn1"><sup>1</sup></a>`) is no part of the text.
_FOOTNOTE_MARK = re.compile(r"<a\b[^<>]*>\s*<sup\b[^<>]*>[^<]*</sup>\s*</a>|<sup\b[^<>]*>\s*<a\b[^<>]*>[^<]*</a>\s*</sup>", re.I)


def _markup_to_tex(value: str, is_html: bool) -> str:
    """Return value with MathML made `$TeX$` (escaped again when value is HTML) and footnote marks dropped."""
    if "<sup" in value or "<SUP" in value:
        value = _FOOTNOTE_MARK.sub("", value)
    if "math" in value:
        value = _MATHML.sub(lambda m: html.escape(_mathml_to_tex(m), quote=False) if is_html else _mathml_to_tex(m), value)
    return value


# Raw feed fields are cut to this many characters before any cleaning, so a hostile or broken item
# costs bounded time; real abstracts are a few thousand characters (fetch.max_abstract keeps 10,000).
RAW_TEXT_CAP = 100_000


def clean_text(value: str, is_html: bool = True) -> str:
    """Return plain, single-spaced text from a feed field (HTML or plain): entities repaired, TeX read (tex_to_text)."""
    value = value[:RAW_TEXT_CAP]
    if "<" in value:
        value = _markup_to_tex(value, is_html)
    text = html_to_text(value) if is_html else _INLINE_TAG.sub("", value) if "<" in value else value
    return squash_space(shown_text(repair_export_artifacts(tex_to_text(repair_entities(text)))))


# A title longer than this is not a title (a feed that put its body there): kept cut, at a word.
TITLE_MAX = 1000


def clean_title(value: str, is_html: bool = True) -> str:
    """Return a feed item's title as clean_text does, at most TITLE_MAX characters."""
    return clip(clean_text(value, is_html), TITLE_MAX)


# An arXiv id: `2606.13504` (since 2007), `math/0601001` or `math.AG/0601001` (before).
ARXIV_ID = r"\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
_ARXIV_PREFIX = re.compile(
    rf"^\s*arXiv:(?P<id>{ARXIV_ID})(?:v(?P<version>\d+))?\s+"
    r"Announce Type:\s*(?P<announce>[a-z\-]+)\s*(?:Abstract:\s*)?",
    re.I,
)


def split_arxiv_description(text: str) -> tuple[str | None, int | None, str | None, str]:
    """Split arXiv's `arXiv:ID vN Announce Type: T Abstract: ...` into (id, version, announce, abstract)."""
    match = _ARXIV_PREFIX.match(text)
    if not match:
        return None, None, None, text.strip()
    version = match.group("version")
    return match.group("id"), int(version) if version else None, match.group("announce").lower(), text[match.end():].strip()


_ARXIV_ID = re.compile(rf"(?:arxiv\.org/(?:abs|pdf)/|arXiv:|oai:arXiv\.org:)({ARXIV_ID})(?:v(\d+))?", re.I)


def arxiv_id_from_text(text: str) -> tuple[str | None, int | None]:
    """Return (arXiv id, version) found in a link, guid or description, else (None, None)."""
    match = _ARXIV_ID.search(text or "")
    if not match:
        return None, None
    return match.group(1), int(match.group(2)) if match.group(2) else None


# A DOI is `10.<registrant>/<suffix>`; the suffix may hold any printable character, `;`, `()`, `<>` among them
# (`10.1002/(SICI)1097-4636(199812)43:4<393::AID-JBM5>3.0.CO;2-I`). The DOI Handbook has a DOI in a
# URL percent-encode `%`, `"`, `#`, `?` and space, so a literal `?` or `#` starts the link's query or fragment
# (`?af=R`, `?ai=2b4&mi=ehikzz&af=R`, `#abstract`): not part of the DOI.
# An end tag (`</p>`) ends it too: SICI DOIs hold `<`, but never `</`.
_DOI = re.compile(r"\b10\.\d{4,9}/(?:(?!</)[^\s\"'|\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff?#])+")
# Every escape but those of `%`, `?` and `#` is decoded: a DOI normalised twice stays the same.
_DOI_ESCAPE = re.compile(r"(?:%(?!25|3[fF]|23)[0-9A-Fa-f]{2})+")
_DOI_TRAILER = ".,;:"   # sentence punctuation after a DOI in running text or a link
_DOI_OPENER = {")": "(", "]": "[", ">": "<"}


def _unescape_doi(match: re.Match) -> str:
    return unquote(match.group(0), errors="strict")


def doi_from_text(text: str) -> str | None:
    """Return the DOI found in text in the one form every family, the archive's ids and deduplication use, or None.

    The DOI of a bare DOI, `doi:…`, `info:doi/…` or a doi.org or publisher link is cut at its link's
    query or fragment, percent-decoded, stripped of trailing punctuation and of a `)` `]` `>` it does not open,
    and lower-cased: the DOI Handbook makes DOIs case-insensitive."""
    match = _DOI.search(text or "")
    if not match:
        return None
    doi = match.group(0)
    if "%" in doi:
        try:
            doi = _DOI_ESCAPE.sub(_unescape_doi, doi)
        except UnicodeDecodeError:   # escapes that are not UTF-8: kept as written
            pass
        decoded = _DOI.match(doi)   # a decoded space or quote ends it
        if decoded is None:
            return None
        doi = decoded.group(0)
    while doi[-1] in _DOI_TRAILER or doi[-1] in _DOI_OPENER and doi.count(doi[-1]) > doi.count(_DOI_OPENER[doi[-1]]):
        doi = doi[:-1]
    return None if doi.endswith("/") else doi.lower()


_INITIALS = re.compile(r"(?:(?:[A-Z][a-z]?\.|[a-z]\.|[A-Z])[\s\-]*)+")  # "J.", "J. A.", "JA", "J.-P.", "Th.", "a."
_DOTTED_INITIALS = re.compile(r"(?:(?:[A-Z][a-z]?|[a-z])\.[\s\-]*)+")   # every initial with its point


def _is_initials(token: str) -> bool:
    # Undotted capitals are initials up to three ("JA"); longer runs are words ("NASA"). Dotted ones are
    # initials however many ("C. C. M. J."), and bioRxiv lower-cases some ("Zhang, a.").
    if _DOTTED_INITIALS.fullmatch(token):
        return token.count(".") <= 6
    return bool(_INITIALS.fullmatch(token)) and len(token.replace(".", "").replace(" ", "").replace("-", "")) <= 3


def split_authors(value: str) -> tuple[str, ...]:
    """Split an author string ("A, B and C", "Doe, J.; Roe, K.", "Smith, J. A., Li, X.") into names."""
    value = squash_space(value or "")
    if not value:
        return ()
    value = re.sub(r"\s*,?\s+(?:and|&)\s+", ", ", value)
    if ";" in value:
        parts = [n.strip() for n in value.split(";")]
        return tuple(_given_first(n) for n in parts if n)
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    names: list[str] = []
    for token in tokens:
        if names and _is_initials(token) and "," not in names[-1] and not _is_initials(names[-1]):
            names[-1] = f"{names[-1]}, {token}"  # "Smith", "J. A." belong together
        else:
            names.append(token)
    return tuple(_given_first(n) for n in names)


def _given_first(name: str) -> str:
    """Return "J. A. Smith" for "Smith, J. A." ("A. Zhang" for "zhang, a."); other names unchanged."""
    if "," in name:
        surname, _, given = (part.strip() for part in name.partition(","))
        if _is_initials(given):
            given = re.sub(r"\b[a-z]\.", lambda m: m.group(0).upper(), given)
            surname = surname.title() if surname.islower() else surname   # a list written all in lower case
        name = f"{given} {surname}"
    return squash_space(name)


def clean_authors(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Clean each name (entities, accents, space) and drop empties and duplicates, keeping order."""
    seen: dict[str, None] = {}
    for name in names:
        cleaned = clean_text(name, is_html=False).strip(" ,;")
        if cleaned and cleaned.lower() not in ("et al.", "et al", "and others"):
            seen.setdefault(cleaned, None)
    return tuple(seen)


_PLAIN_HTTP = re.compile(r"https?://[A-Za-z0-9.\-_~%!$&'()*+,;=:@]+(?:[/?#][^\"<> \x00-\x1f\x7f]*)?\Z")


def safe_url(url: str | None) -> str:
    """Return the URL if it is an absolute http(s) URL, else "" (no javascript:, data: or relative links)."""
    url = (url or "").strip()
    if url.isascii() and _PLAIN_HTTP.match(url):   # the usual link, without urlsplit: every card checks several
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if (parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c in url for c in "\"<> \n\t")
            and is_xml_text(url)):
        return url
    return ""


def clip(text: str, max_chars: int) -> str:
    """Return text cut to at most max_chars, at the last space when one lies in the second half, marked with "…".

    A text without a late space (one long word or URL, Chinese) is cut mid-word rather than shrunk to a stub.
    """
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[max_chars // 2:] else cut) + "…"




def link_hash_id(url: str) -> str:
    """Return a stable id for a paper known only by its link."""
    return "url:" + hashlib.sha256(url.strip().encode()).hexdigest()[:16]


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\\(])")


def first_sentences(text: str, max_chars: int = 320) -> str:
    """Return the first one or two sentences of text within max_chars, for an extractive summary."""
    text = text.strip()
    # Only the opening matters: look at a generous head, and at the whole text only if the head ran out.
    head = text[: 2 * max_chars]
    chosen, ran_out = _opening(head, max_chars)
    if ran_out and len(head) < len(text):
        chosen, _ = _opening(text, max_chars)
    return clip(chosen, max_chars)


def _opening(text: str, max_chars: int) -> tuple[str, bool]:
    """Return the leading sentences that fit max_chars (at least one), and whether the text's last one was reached.

    Sentences are found one break at a time: a summary needs the first two or three of a long abstract.
    """
    chosen, start = "", 0
    breaks = _SENTENCE_BREAK.finditer(text)
    while True:
        found = next(breaks, None)
        sentence = text[start:found.start()] if found else text[start:]
        candidate = f"{chosen} {sentence}".strip()
        if chosen and len(candidate) > max_chars:
            return chosen, found is None
        chosen = candidate
        if len(chosen) >= max_chars * 0.45 or found is None:
            return chosen, found is None
        start = found.end()
