"""A page template rendered once as a frame, with a marker where each of its parts stands, then filled per page.

A weekday's ~70 numbered day pages differ only in a few parts (their title, cards, place among the day's pages and
pager), yet a whole render of day.html and base.html cost ~3.5 ms a page, most of it in what every page of the day
shares: the masthead, the language switch, the tools, the data-pages list. The parts are the template's own blocks
(named by the caller): the frame is the template rendered through a child that overrides each of them with a
marker, and a page is the frame with its parts rendered alone, by the same block code a whole render runs, in the
page's context. tests/test_shell.py compares filled pages with whole renders.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, Template, nodes
from jinja2.runtime import Context



class PageShell:
    """A template's frame for pages that differ only in the blocks `parts`, and the filling of it."""

    def __init__(self, env: Environment, template: str, parts: Sequence[str]):
        self.template = env.get_template(template)
        self.chain = self.parents(env, template)   # the template's parents, nearest first (their blocks too)
        defined = {name for t in (self.template, *self.chain) for name in t.blocks}
        if missing := [p for p in parts if p not in defined]:
            raise ValueError(f"{template}: no block {', '.join(missing)} to fill")
        # A marker no page text can hold: drawn per process, so no feed's or setting's text can forge one.
        nonce = secrets.token_hex(8)
        self.split = re.compile(rf"\[{nonce}:(\w+)\]").split
        child = f'{{% extends "{template}" %}}' + "".join(
            f"{{% block {p} %}}[{nonce}:{p}]{{% endblock %}}" for p in parts)
        self.frame_template = env.from_string(child)

    @staticmethod
    def parents(env: Environment, name: str) -> list[Template]:
        """The templates `name` extends, nearest first (read from their sources: once per process)."""
        found: list[Template] = []
        while env.loader is not None:
            source = env.loader.get_source(env, name)[0]
            extends = env.parse(source).find(nodes.Extends)
            if extends is None or not isinstance(extends.template, nodes.Const):
                return found
            name = extends.template.value
            found.append(env.get_template(name))
        return found

    def frame(self, context: Mapping[str, Any]) -> list[str]:
        """The template rendered with `context`, split into its text between parts and the parts' names:
        [text, name, text, name, ..., text]. Whatever is not a part must be the same for every page it fills."""
        return self.split(self.frame_template.render(context))

    def fill(self, frame: list[str], context: Mapping[str, Any]) -> str:
        """The page the whole template renders with `context`, made of the frame and its parts rendered alone."""
        page = self.context(context)
        rendered: dict[str, str] = {}
        out = frame.copy()
        for i in range(1, len(out), 2):
            name = out[i]
            if name not in rendered:
                rendered[name] = "".join(page.blocks[name][0](page))
            out[i] = rendered[name]
        return "".join(out)

    def context(self, values: Mapping[str, Any]) -> Context:
        """A render context for the template's blocks alone, as its whole render makes it: each block name bound to
        the nearest definition first, its parents' after (what super() and self.<block>() call)."""
        page = self.template.new_context(dict(values))
        for parent in self.chain:
            for name, block in parent.blocks.items():
                page.blocks.setdefault(name, []).append(block)
        return page
