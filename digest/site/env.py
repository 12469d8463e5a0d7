"""The Jinja environment (its filters, globals and compiled-template cache) and the interface's words for a page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..i18n import translator
from .cards import entry_html, topic_badges
from .foryou import FORYOU
from .layout import card_fragment
from .mathml import text_html
from .plan import week_path
from .writer import PACKAGE, TEMPLATES, code_version


def template_env() -> Environment:
    """Return the Jinja2 environment: autoescape on for HTML and XML, undefined names are errors."""
    # Compiling the templates costs a quarter of a one-day render: the compiled code is kept in the user's
    # temporary folder (Jinja's default, private to the user), in a folder of this checkout's own (two checkouts
    # of different code, a fork's worktrees, would otherwise remove each other's on every render), under a name
    # that changes with our code and templates, since Jinja's own key would not see a change to the options below.
    private = Path(FileSystemBytecodeCache().directory)
    for old in private.glob("academichub-*.cache"):   # the layout before the checkout's folder: never read again
        old.unlink(missing_ok=True)
    folder = private / f"academichub-{hashlib.blake2b(str(PACKAGE).encode(), digest_size=6).hexdigest()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    cache = FileSystemBytecodeCache(str(folder), pattern=f"{code_version()}-%s.cache")
    for old in folder.glob("*.cache"):   # an earlier version's, never read again
        if not old.name.startswith(f"{code_version()}-"):
            old.unlink(missing_ok=True)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "xml", "opml"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      bytecode_cache=cache, auto_reload=False)   # a render never sees a template change
    env.filters["fragment"] = card_fragment
    env.globals["entry"] = entry_html   # a Python function: a macro call per entry cost more than the page
    env.globals["topic_badges"] = topic_badges   # on every day, day-and-topic and archive row
    env.globals["week_path"] = week_path   # a day page's "This week" link (site/weeks.py)
    env.globals["foryou"] = FORYOU   # a full day's vectors file and how to read it (site/foryou.py)
    env.filters["text_html"] = lambda text: Markup(text_html(text))   # a feed's text, its math as MathML
    return env


class Ref(str):
    """A message argument that is itself a catalog key (a topic name), so the script can translate it."""

    key = ""

    @classmethod
    def to(cls, key: str, text: str) -> Ref:
        ref = cls(text)
        ref.key = key
        return ref


class UiText:
    """The interface's words in the page's language: `plain` text, or `tagged` for static/i18n/lang.js to swap."""

    def __init__(self, lang: str, topic_names: Mapping[str, str]):
        self.lang = lang
        self.plain = translator(lang)
        self.topic_names = topic_names
        self._fixed: dict[str, Markup] = {}

    def tagged(self, key: str, **values: Any) -> Markup:
        """A UI string in the default language, tagged so static/i18n/lang.js can show another language."""
        if not values:   # a fixed label: every card asks for the same few, so build each once
            if key not in self._fixed:
                self._fixed[key] = self.element("span", key)
            return self._fixed[key]
        return self.element("span", key, **values)

    def title(self, key: str, **values: Any) -> Markup:
        """The page's <title>, tagged like a UI string: the tab says the reader's language too."""
        return self.element("title", key, **values)

    def element(self, tag: str, key: str, **values: Any) -> Markup:
        if not values:
            return Markup(f'<{tag} data-i18n="{key}">{escape(self.plain(key))}</{tag}>')
        data = {k: "@" + v.key if isinstance(v, Ref) else v for k, v in values.items()}
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        # Single-quoted attribute: only & ' < need escaping, which keeps the JSON's quotes readable.
        payload = payload.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")
        text = escape(self.plain(key, **values))
        return Markup(f'<{tag} data-i18n="{key}" data-i18n-args=\'{payload}\'>{text}</{tag}>')

    def ref(self, key: str) -> Ref:
        """A message as another message's argument ("{page} · {site}"), translated with it."""
        return Ref.to(key, self.plain(key))

    def topic_name(self, topic: str) -> str:
        return self.topic_names.get(topic, topic)

    def topic_ref(self, topic: str) -> Ref:
        """A topic's name as a message argument the script translates (`topic.<id>` in the catalog)."""
        return Ref.to(f"topic.{topic}", self.topic_name(topic))
