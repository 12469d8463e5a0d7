"""Find active content in a rendered site: scripts, event handlers, script URLs, third-party loads.

`site_problems(folder)` returns one line per problem over every .html, .xml and .opml file; an empty list
means a browser or feed reader would run nothing from the site's data. Used by the hostile-input tests.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from digest.site.mathml import MATHML_TAGS

URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "xlink:href", "background", "srcset", "cite"}
ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "form", "svg"}
# The build writes math as MathML (digest/site/mathml.py): inside <math> only MathML elements, and none of the
# attributes that link, load, restyle or name an element.
MATH_FORBIDDEN_ATTRS = {"href", "src", "style", "class", "id", "mathcolor", "mathbackground", "mathsize"}
# The site's own scripts, as the templates write them: an empty element loading a file of the site.
OWN_SCRIPT = re.compile(r'<script (?:type="module" )?src="([^"<>]*)"(?: (?:defer|async))*></script>')
# Browsers drop ASCII tab, newline and other controls inside a URL's scheme: `java\tscript:` runs.
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def bad_url(value: str) -> str | None:
    """Return why a URL in an attribute is active or loads from elsewhere, or None."""
    url = _CONTROL.sub("", value).lower()
    if re.match(r"^(javascript|vbscript|data|file|about|blob|filesystem):", url):
        return f"script or data URL {value!r}"
    return None


def is_external(value: str) -> bool:
    """True for a URL that points at another host (absolute or scheme-relative)."""
    url = _CONTROL.sub("", value).lower()
    return url.startswith("//") or bool(re.match(r"^[a-z][a-z0-9+.-]*:", url))


def is_own(value: str, own_prefix: str) -> bool:
    """True for a URL of the site itself: relative, root-relative, or under the site's base_url."""
    return not is_external(value) or bool(own_prefix) and value.startswith(own_prefix)


class _Checker(HTMLParser):
    def __init__(self, where: str, own_prefix: str) -> None:
        super().__init__(convert_charrefs=True)
        self.where, self.own_prefix, self.problems, self.csp = where, own_prefix, [], None
        self.in_math = 0

    def handle_endtag(self, tag: str) -> None:
        if tag == "math" and self.in_math:
            self.in_math -= 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)
        self.handle_endtag(tag)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self._math(tag, values)
        own_code = tag == "script" and values.get("src") and is_own(values["src"], self.own_prefix)
        own_form = tag == "form" and is_own(values.get("action") or "", self.own_prefix)
        if tag in ACTIVE_TAGS and not (own_code or own_form):
            self.problems.append(f"{self.where}: <{tag}> element")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"{self.where}: event handler attribute {name}={value!r} on <{tag}>")
            if name in URL_ATTRS and (why := bad_url(value)):
                self.problems.append(f"{self.where}: <{tag} {name}>: {why}")
            if name == "style" and re.search(r"url\(|expression\(", value, re.I):
                self.problems.append(f"{self.where}: style attribute loading {value!r}")
        # Anything the page loads (not a link the reader follows) must come from the site itself.
        loads = values.get("src") if tag in ("img", "script", "audio", "video", "source", "track", "input") else None
        if tag == "link" and values.get("rel") not in ("alternate", "canonical"):
            loads = values.get("href")
        if loads and not is_own(loads, self.own_prefix):
            self.problems.append(f"{self.where}: <{tag}> loads from another host: {loads!r}")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"{self.where}: meta refresh")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = values.get("content")


    def _math(self, tag: str, values: dict[str, str]) -> None:
        if tag == "math":
            self.in_math += 1
        if not self.in_math:
            return
        if tag not in MATHML_TAGS:
            self.problems.append(f"{self.where}: <{tag}> inside <math>")
        for name in values:
            if name in MATH_FORBIDDEN_ATTRS or name.startswith(("xlink", "on")):
                self.problems.append(f"{self.where}: <{tag} {name}> inside <math>")


def html_problems(markup: str, where: str, own_prefix: str = "") -> tuple[list[str], str | None]:
    """Return (problems, Content-Security-Policy) of one HTML document or fragment."""
    checker = _Checker(where, own_prefix)
    checker.feed(markup)
    checker.close()
    problems = checker.problems
    others = OWN_SCRIPT.sub(lambda m: "" if is_own(m.group(1), own_prefix) else m.group(0), markup)
    if re.search(r"<\s*/?\s*script", others, re.I):
        problems.append(f"{where}: the text '<script' appears unescaped")
    return problems, checker.csp


def csp_problems(csp: str | None, where: str) -> list[str]:
    """Return why a Content-Security-Policy would allow inline script or any third-party host."""
    if not csp:
        return [f"{where}: no Content-Security-Policy"]
    directives = {part.split()[0].lower(): part.split()[1:] for part in csp.split(";") if part.split()}
    problems = []
    script = directives.get("script-src", directives.get("default-src"))
    if script is None:
        problems.append(f"{where}: CSP sets neither script-src nor default-src")
    elif any(s in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:") for s in script):
        problems.append(f"{where}: CSP script-src allows inline or foreign script: {script}")
    if directives.get("default-src") != ["'self'"]:
        problems.append(f"{where}: CSP default-src is not 'self' alone: {directives.get('default-src')}")
    for name, sources in directives.items():
        for source in sources:
            if source not in ("'self'", "'none'", "data:") or (source == "data:" and name != "img-src"):
                problems.append(f"{where}: CSP {name} allows {source}")
    if directives.get("object-src") != ["'none'"] or directives.get("base-uri") != ["'none'"]:
        problems.append(f"{where}: CSP must set object-src 'none' and base-uri 'none'")
    return problems


# The markup a feed entry's HTML is built of: anything else in it came from a feed or a model, unescaped.
ENTRY_MARKUP = {"p": {"lang"}, "a": {"href"}, "strong": set(), "em": set(), "small": set()}
# A week's entry (weeks/feed.xml) is its briefing's sanitised HTML: headings and lists besides, no other attribute.
BRIEFING_MARKUP = {**ENTRY_MARKUP, **{tag: set() for tag in ("ul", "ol", "li", "b", "i", "h3", "h4", "code",
                                                               "blockquote", "br", "hr")}}


class _EntryMarkup(HTMLParser):
    def __init__(self, where: str, markup: dict[str, set[str]]) -> None:
        super().__init__(convert_charrefs=True)
        self.where, self.markup, self.problems = where, markup, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = self.markup.get(tag)
        if allowed is None or any(name not in allowed for name, _ in attrs):
            self.problems.append(f"{self.where}: markup a reader would render: <{tag} {attrs}>")

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"{self.where}: a comment in entry HTML")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"{self.where}: a declaration in entry HTML")


def foreign_markup(markup: str, where: str) -> list[str]:
    """Return the elements and attributes of a feed entry's HTML that the entries' own markup does not use."""
    checker = _EntryMarkup(where, BRIEFING_MARKUP if where.startswith("weeks/") else ENTRY_MARKUP)
    checker.feed(markup)
    checker.close()
    return checker.problems


def xml_problems(data: bytes, where: str) -> list[str]:
    """Check a feed, OPML or sitemap: it parses, every link is http(s) or relative, and HTML-typed text is inert."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [f"{where}: not well-formed XML ({exc})"]
    problems = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1]
            if name.startswith("on"):
                problems.append(f"{where}: attribute {name} on <{tag}>")
            if name in ("href", "src", "xmlUrl", "htmlUrl", "url") and (why := bad_url(value)):
                problems.append(f"{where}: <{tag} {name}>: {why}")
        text = element.text or ""
        if tag in ("link", "loc", "guid") and not element.attrib and (why := bad_url(text)):
            problems.append(f"{where}: <{tag}>: {why}")
        # RSS descriptions and Atom html/xhtml content are HTML to a reader: they hold the entry's own markup
        # (paragraphs, emphasis, links: feeds.FeedItem.content) and nothing else; feed-born text stays text.
        if tag == "description" or element.attrib.get("type") in ("html", "xhtml"):
            found, _ = html_problems(text, f"{where} <{tag}>")
            problems += found + foreign_markup(text, f"{where} <{tag}>")
    return problems


def site_problems(site: Path, own_prefix: str = "") -> list[str]:
    """Return every problem in every .html, .xml and .opml file under site/ (empty = no active content)."""
    problems: list[str] = []
    for path in sorted(site.rglob("*")):
        where = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            found, csp = html_problems(path.read_text(encoding="utf-8"), where, own_prefix)
            problems += found + csp_problems(csp, where)
        elif path.suffix in (".xml", ".opml"):
            problems += xml_problems(path.read_bytes(), where)
    return problems
