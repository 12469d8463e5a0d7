"""Math typeset at build time: each span of the one math rule (clean.MATH_DELIMITERS) becomes MathML Core.

Pages then carry no math script and read with JavaScript off (Chromium renders MathML Core since 109). The
converter is math-core (Rust, MIT, ~30 µs a formula); its output is markup derived from a feed's text, so it is
rebuilt here from an allow-list of MathML Core elements and attributes, with every length clamped: no link, no
style, no class or id, no event handler, nothing larger than a few em. A formula the converter refuses (unknown
command, broken braces), too long, or turned into too many elements is shown as written, as text.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markupsafe import escape
from math_core import LatexToMathML

from ..clean import MATH_DELIMITERS, split_math

MAX_TEX = 500        # characters of one formula's TeX: longer ones are shown as written
MAX_ELEMENTS = 400   # MathML elements one formula may become (macro expansion abuse is shown as written)
# Characters of a formula's text from which it may be wider than a phone's card (~19 em of math at 390 px, a
# character ~0.6 em with an operator's spacing): such a formula is written inside a scroll box (style.css
# .math-wide), which the page script lets the keyboard reach (axe: scrollable-region-focusable). Not a tabindex here:
# HTML allows none on <math>, nor inside a link, where most titles are (there the link is the scroll box).
WIDE_CHARS = 20

_CONVERTER = LatexToMathML(max_expansions=100, fancy_error=False)

# MathML Core's presentation elements, without annotation-xml (which may hold HTML) and maction; menclose
# (`\boxed`) is not Core, and a browser lays it out as an mrow.
MATHML_TAGS = frozenset("math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt "
                        "mroot mstyle mtable mtr mtd mpadded mphantom mmultiscripts mprescripts none menclose".split())
_FLAG = re.compile(r"true|false")
# Attributes kept, each with the values it may have; a length is (lowest, highest) in em, clamped into range.
_LENGTHS: dict[str, tuple[float, float]] = {
    "width": (-1.0, 3.0), "height": (0.0, 1.5), "depth": (0.0, 1.0), "lspace": (-1.0, 3.0), "rspace": (-1.0, 3.0),
    "voffset": (-1.0, 1.0), "minsize": (0.0, 3.0), "maxsize": (0.0, 3.0), "linethickness": (0.0, 0.3),
}
_VALUES: dict[str, re.Pattern[str]] = {
    "display": re.compile(r"block|inline"), "mathvariant": re.compile(r"normal"), "scriptlevel": re.compile(r"[012]"),
    "form": re.compile(r"prefix|infix|postfix"), "notation": re.compile(r"[a-z]+(?: [a-z]+){0,5}"),
    **{flag: _FLAG for flag in "displaystyle stretchy symmetric largeop movablelimits fence separator accent "
                                "accentunder".split()},
}
# MathML Core takes displaystyle and scriptlevel on any element, HTML's validator only where MathML 3 did: an mrow
# carrying them is written as the mstyle it lays out as, other elements lose them (`\dfrac` reads as `\frac`).
_STYLE_ON = {"displaystyle": {"mstyle", "mtable"}, "scriptlevel": {"mstyle"}}
_LENGTH = re.compile(r"(-?(?:\d+(?:\.\d*)?|\.\d+))(em|ex|px|pt|mu)?")
_IN_EM = {"em": 1.0, None: 1.0, "ex": 0.5, "px": 1 / 16, "pt": 0.1, "mu": 1 / 18}


def _length(name: str, value: str) -> str | None:
    """The length clamped into the attribute's range, in em (a unitless one is a multiple of the em), or None."""
    found = _LENGTH.fullmatch(value.strip())
    if not found:
        return None
    low, high = _LENGTHS[name]
    em = float(found.group(1)) * _IN_EM[found.group(2)]
    return value if low <= em <= high else f"{min(max(em, low), high):g}em"


def _attribute(name: str, value: str | None) -> str | None:
    """The attribute's value if the allow-list keeps it (clamped if a length), else None."""
    if value is None:
        return None
    if name in _LENGTHS:
        return _length(name, value)
    pattern = _VALUES.get(name)
    return value if pattern is not None and pattern.fullmatch(value) else None


# The converter's markup, token by token: a tag with its attributes, or text. Anything else (a `<` that opens
# no tag, an attribute without quotes) stops the rebuild and the formula is shown as written.
_TOKEN = re.compile(r'<(/?)([a-z][a-z0-9-]*)((?:\s+[a-zA-Z:-]+="[^"<>]*")*)\s*(/?)>|([^<>]+)')
_ATTR = re.compile(r'([a-zA-Z:-]+)="([^"]*)"')


@lru_cache(maxsize=4096)   # a few tags with a few attributes make most formulas
def _start_tag(tag: str, attrs: str) -> tuple[str, str]:
    """The element's name as written and its start tag, with only the attributes the allow-list keeps."""
    pairs = _ATTR.findall(attrs)
    if tag == "mrow" and any(name in _STYLE_ON for name, _ in pairs):
        tag = "mstyle"
    kept = [(name, _attribute(name, html.unescape(value))) for name, value in pairs
            if tag in _STYLE_ON.get(name, (tag,))]
    return tag, f"<{tag}" + "".join(f' {name}="{escape(value)}"' for name, value in kept if value is not None) + ">"


def _rebuilt(markup: str) -> str | None:
    """The converter's markup written anew from the allow-list, every text escaped (a wide formula in its scroll
    box); None if it is not one bounded <math> element."""
    out: list[str] = []
    names: list[str] = []       # the converter's names of the elements open, innermost last
    open_tags: list[str] = []   # and the names they are written with
    elements, at, chars = 0, 0, 0
    for token in _TOKEN.finditer(markup):
        if token.start() != at:
            return None
        at = token.end()
        closing, tag, attrs, empty, text = token.groups()
        if text is not None:
            if open_tags:
                text = html.unescape(text) if "&" in text else text
                chars += len(text.strip())
                out.append(html.escape(text))
        elif tag not in MATHML_TAGS:   # `\textbf` gives <mtext><b>x</b></mtext>: its text stays, the tag goes
            continue
        elif closing:   # the innermost element of that name, and any left open inside it, close
            if tag not in names:
                return None
            while names.pop() != tag:
                out.append(f"</{open_tags.pop()}>")
            out.append(f"</{open_tags.pop()}>")
        else:
            elements += 1
            written, start = _start_tag(tag, attrs)
            out.append(start)
            if empty:
                out.append(f"</{written}>")
            else:
                names.append(tag)
                open_tags.append(written)
    if at != len(markup) or elements > MAX_ELEMENTS or not out or not out[0].startswith("<math"):
        return None
    markup = "".join(out + [f"</{tag}>" for tag in reversed(open_tags)])
    return f'<span class="math-wide">{markup}</span>' if chars >= WIDE_CHARS else markup


def _as_text(span: str) -> str:
    return f'<span class="tex">{escape(span)}</span>'


@lru_cache(maxsize=1 << 15)   # formulas recur (`$O(n)$`, `$\alpha$`): each distinct one is converted once
def math_html(span: str) -> str:
    """MathML for one math span as clean.split_math gives it (delimiters included), or the span as text."""
    for left, right, display in MATH_DELIMITERS:
        if span.startswith(left) and span.endswith(right) and len(span) > len(left) + len(right):
            tex = span[len(left):-len(right)]
            break
    else:
        return _as_text(span)
    if len(tex) > MAX_TEX:
        return _as_text(span)
    try:
        markup = _CONVERTER.convert_with_local_state(tex, displaystyle=display)
    except Exception:   # noqa: BLE001 - LatexError, or whatever else a hostile formula provokes: shown as written
        return _as_text(span)
    return _rebuilt(markup) or _as_text(span)


def _pieces(text: str) -> list[str]:
    """split_math's pieces; one piece, at once, for a text without `$` or `\\` (a regex pass costs ~30 µs an abstract)."""
    return split_math(text) if "$" in text or "\\" in text else [text]


def text_html(text: str) -> str:
    """Return plain text as HTML: escaped, with each math span (clean.MATH_DELIMITERS) as MathML."""
    pieces = _pieces(text)
    if len(pieces) == 1:
        return escape(text)
    return "".join(math_html(piece) if i % 2 else escape(piece) for i, piece in enumerate(pieces))


def markup_math(markup: str) -> str:
    """Return sanitised HTML with the math spans of its text as MathML (a span holding a tag stays as it is)."""
    pieces = _pieces(markup)
    for i in range(1, len(pieces), 2):
        if "<" not in pieces[i] and ">" not in pieces[i]:
            pieces[i] = math_html(html.unescape(pieces[i]))
    return "".join(pieces)
