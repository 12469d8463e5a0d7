"""The checks the W3C Feed Validation Service makes that matter for our feeds, run offline over a built site.

No maintained Python 3 release of the W3C validator (feedvalidator) installs from PyPI, so these are its rules
as it states them, written out again: ids "must be a full and valid URL" (a registered scheme; `tag:` after
RFC 4151; `urn:` with a namespace; http with a host), Atom dates in RFC 3339 and RSS dates in RFC 822 with the
right weekday, the elements each format requires, unique entry ids, links that resolve (through xml:base) to
the feed itself for `self`, a language code, an RSS <link> that is a full URL, entry HTML without scripts, and
an OPML body with outlines that have their `text`, `title` and `xmlUrl`. Where the validator only warns (a
self link that does not match the feed's place, a scheme IANA does not list) this module calls it an error:
our feeds have no excuse. On top, what a validator cannot see from outside: each link into the site names a
file that the build wrote, and a card link's #fragment is a card on that page.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_tz
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

ATOM = "{http://www.w3.org/2005/Atom}"
XML = "{http://www.w3.org/XML/1998/namespace}"
URI_CHARS = re.compile(r"[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+")
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
TAG = re.compile(r"tag:([a-z0-9\-._]+?@)?[a-z0-9.\-]+?,\d{4}(-\d{2}(-\d{2})?)?:[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*"
                 r"(#[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*)?")
URN = re.compile(r"urn:[a-zA-Z0-9][a-zA-Z0-9-]{1,31}:([a-zA-Z0-9()+,.:=@;$_!*'\-]|%[0-9A-Fa-f]{2})+")
UUID_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
REGISTERED = {"http", "https", "tag", "urn", "mailto", "ftp", "doi", "info"}   # of IANA's, those a feed may hold
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d(:\d\d)? ([+-]\d{4}|UT|GMT|Z)")
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*")
ACTIVE = {"script", "style", "iframe", "object", "embed", "form", "base", "meta", "link"}
SITE = "https://site.invalid/"   # where a site without a base URL is taken to be, to resolve its relative links


def full_uri_problem(value: str) -> str | None:
    """Why value is not "a full and valid URL" as the W3C validator reads one (the rules of its rfc2396_full)."""
    scheme = SCHEME.match(value)
    if not scheme:
        return f"{value!r} is not a full URI (no scheme)"
    name = scheme.group(1).lower()
    if name == "tag":
        return None if TAG.fullmatch(value) else f"{value!r} is not a valid tag: URI (RFC 4151)"
    if name == "urn":
        if value.lower().startswith("urn:uuid:"):
            return None if UUID_URN.fullmatch(value) else f"{value!r} is not a valid urn:uuid"
        return None if URN.fullmatch(value) else f"{value!r} is not a valid URN"
    if not URI_CHARS.fullmatch(value):
        return f"{value!r} holds characters a URI may not"
    if name in ("http", "https", "ftp") and not re.match(r"\w+://[^/]", value):
        return f"{value!r} has no host"
    if name not in REGISTERED:
        return f"{value!r}: scheme {name!r} is not registered with IANA"
    return None


def rfc822_problem(value: str) -> str | None:
    if not RFC822.fullmatch(value or ""):
        return f"{value!r} is not an RFC 822 date"
    parsed = parsedate_tz(value)
    if parsed is None or datetime(*parsed[:3]).strftime("%a") != value[:3]:
        return f"{value!r} names the wrong day of the week"
    return None


def rfc3339_problem(value: str | None) -> str | None:
    if not value or not RFC3339.fullmatch(value):
        return f"{value!r} is not an RFC 3339 date-time"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"{value!r} is not a date"
    return None


class _Html(HTMLParser):
    """The elements, attributes and links of an entry's HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE:
            self.problems.append(f"entry HTML holds <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"entry HTML holds an {name} handler")
            if name in ("href", "src") and value is not None:
                if value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"entry HTML links {value!r}")
                self.hrefs.append(value)


class SiteFeeds:
    """Checks the feeds and OPML files of a site/ folder built with base_url ("" for none)."""

    def __init__(self, site: Path, base_url: str = ""):
        self.site, self.base = site, (base_url.rstrip("/") + "/") if base_url else SITE
        self.problems: list[str] = []

    def url_of(self, rel: str) -> str:
        return self.base + rel

    def problem(self, rel: str, message: str) -> None:
        self.problems.append(f"{rel}: {message}")

    def local(self, rel: str, url: str, fragment_wanted: bool = False) -> None:
        """A link into the site must name a file the build wrote (a folder: its index.html), its #id a card."""
        if not url.startswith(self.base):
            return
        parts = urlsplit(url)
        path = unquote(url[len(self.base):].split("#", 1)[0].split("?", 1)[0])
        target = self.site / path / "index.html" if path == "" or path.endswith("/") else self.site / path
        if not target.is_file():
            self.problem(rel, f"{url} names no file of the site")
        elif parts.fragment and fragment_wanted:
            wanted = unquote(parts.fragment)
            if f'id="{wanted}"' not in target.read_text(encoding="utf-8").replace("&#34;", '"'):
                self.problem(rel, f"{url}: no card #{wanted} on that page")

    def check(self) -> list[str]:
        for path in sorted(self.site.rglob("*.xml")):
            rel = path.relative_to(self.site).as_posix()
            if rel == "sitemap.xml":
                continue
            try:
                root = ElementTree.parse(path).getroot()
            except ElementTree.ParseError as exc:
                self.problem(rel, f"not well-formed XML: {exc}")
                continue
            if root.tag == f"{ATOM}feed":
                self.atom(rel, root)
            elif root.tag == "rss":
                self.rss(rel, root)
            else:
                self.problem(rel, f"neither Atom nor RSS: <{root.tag}>")
        for path in sorted(self.site.rglob("*.opml")):
            self.opml(path.relative_to(self.site).as_posix(), ElementTree.parse(path).getroot())
        return self.problems

    def atom(self, rel: str, feed: ElementTree.Element) -> None:
        lang = feed.get(f"{XML}lang")
        if not lang or not LANGUAGE.fullmatch(lang):
            self.problem(rel, f"xml:lang {lang!r} is not a language tag")
        base = urljoin(self.url_of(rel), feed.get(f"{XML}base") or "")
        for name in ("id", "title", "updated"):
            if len(feed.findall(f"{ATOM}{name}")) != 1:
                self.problem(rel, f"the feed needs exactly one <{name}>")
        self.id_and_date(rel, feed)
        links = {link.get("rel", "alternate"): urljoin(base, link.get("href", "")) for link in feed.findall(f"{ATOM}link")}
        if links.get("self") != self.url_of(rel):
            self.problem(rel, f"self link {links.get('self')!r} is not the feed's address {self.url_of(rel)!r}")
        if "alternate" not in links:
            self.problem(rel, "no alternate link")
        else:
            self.local(rel, links["alternate"])
        ids: set[str] = set()
        feed_author = feed.find(f"{ATOM}author") is not None
        for entry in feed.findall(f"{ATOM}entry"):
            self.entry(rel, entry, base, ids, feed_author)

    def id_and_date(self, rel: str, element: ElementTree.Element) -> str:
        uid = element.findtext(f"{ATOM}id") or ""
        if (why := full_uri_problem(uid)) is not None:
            self.problem(rel, f"id: {why}")
        if (why := rfc3339_problem(element.findtext(f"{ATOM}updated"))) is not None:
            self.problem(rel, f"updated: {why}")
        return uid

    def entry(self, rel: str, entry: ElementTree.Element, base: str, ids: set[str], feed_author: bool) -> None:
        uid = self.id_and_date(rel, entry)
        if uid in ids:
            self.problem(rel, f"entry id {uid!r} twice")
        ids.add(uid)
        if not (entry.findtext(f"{ATOM}title") or "").strip():
            self.problem(rel, f"entry {uid}: no title")
        if entry.find(f"{ATOM}author") is None and not feed_author:
            self.problem(rel, f"entry {uid}: no author")
        published, updated = entry.findtext(f"{ATOM}published"), entry.findtext(f"{ATOM}updated") or ""
        if published is not None and (rfc3339_problem(published) or published > updated):
            self.problem(rel, f"entry {uid}: published {published!r} is not a date before updated {updated!r}")
        links = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        if not links and entry.find(f"{ATOM}content") is None:
            self.problem(rel, f"entry {uid}: neither an alternate link nor content")
        for link in links:
            self.local(rel, urljoin(base, link.get("href", "")))
        content = entry.find(f"{ATOM}content")
        if content is not None and content.get("type") == "html":
            self.html(rel, content.text or "", base)

    def html(self, rel: str, text: str, base: str) -> None:
        parser = _Html()
        parser.feed(text)
        parser.close()
        for why in parser.problems:
            self.problem(rel, why)
        for href in parser.hrefs:
            self.local(rel, urljoin(base, href), fragment_wanted=True)

    def rss(self, rel: str, rss: ElementTree.Element) -> None:
        channel = rss.find("channel")
        if rss.get("version") != "2.0" or channel is None:
            self.problem(rel, "not an RSS 2.0 document with a <channel>")
            return
        for name in ("title", "link", "description"):
            if not (channel.findtext(name) or "").strip():
                self.problem(rel, f"the channel needs a <{name}>")
        if (why := full_uri_problem(channel.findtext("link") or "")) is not None:
            self.problem(rel, f"link: {why}")
        self.local(rel, channel.findtext("link") or "")
        if not re.fullmatch(r"[a-zA-Z]{2}(-[a-zA-Z]{2})?", channel.findtext("language") or ""):
            self.problem(rel, f"language {channel.findtext('language')!r} is not an ISO 639 code")
        selves = [link.get("href") for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
        if selves != [self.url_of(rel)]:
            self.problem(rel, f"atom:link self {selves} is not the feed's address")
        if channel.find("lastBuildDate") is not None and (why := rfc822_problem(channel.findtext("lastBuildDate") or "")):
            self.problem(rel, f"lastBuildDate: {why}")
        guids: set[str] = set()
        for item in channel.findall("item"):
            self.item(rel, item, guids)

    def item(self, rel: str, item: ElementTree.Element, guids: set[str]) -> None:
        guid = item.find("guid")
        uid = guid.text or "" if guid is not None else ""
        if uid in guids:
            self.problem(rel, f"guid {uid!r} twice")
        guids.add(uid)
        if guid is not None and guid.get("isPermaLink", "true") != "false" and full_uri_problem(uid):
            self.problem(rel, f"guid {uid!r} must be a full URL unless isPermaLink is false")
        if not (item.findtext("title") or item.findtext("description")):
            self.problem(rel, f"item {uid}: neither a title nor a description")
        if (link := item.findtext("link")) is not None:
            if (why := full_uri_problem(link)) is not None:
                self.problem(rel, f"item link: {why}")
            self.local(rel, link)
        if (why := rfc822_problem(item.findtext("pubDate") or "")) is not None:
            self.problem(rel, f"item {uid} pubDate: {why}")
        self.html(rel, item.findtext("description") or "", self.base)

    def opml(self, rel: str, opml: ElementTree.Element) -> None:
        if opml.tag != "opml" or opml.get("version") not in ("1.0", "1.1", "2.0"):
            self.problem(rel, "not an OPML document of version 1.0, 1.1 or 2.0")
        body = opml.find("body")
        if opml.find("head") is None or body is None or body.find("outline") is None:
            self.problem(rel, "an OPML document needs a <head> and a <body> with an outline")
            return
        for outline in body.iter("outline"):
            if outline.get("text") is None:
                self.problem(rel, "an outline without text")
            if outline.get("type", "").lower() == "rss" and not (outline.get("xmlUrl") and outline.get("title")):
                self.problem(rel, f"an rss outline needs xmlUrl and title: {outline.attrib}")
            for name in ("htmlUrl", "url"):
                if outline.get(name) is not None and (why := full_uri_problem(outline.get(name) or "")):
                    self.problem(rel, f"{name}: {why}")
            if rel == "feeds.opml":   # the site's own feeds: each one a file of the site
                self.local(rel, urljoin(self.url_of(rel), outline.get("xmlUrl") or ""))


def feed_problems(site: Path, base_url: str = "") -> list[str]:
    """Return what the W3C validator's rules (and the site's own files) find wrong with a site's feeds."""
    return SiteFeeds(site, base_url).check()
