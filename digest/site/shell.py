"""A page template rendered once as a frame, with a marker where each of its parts stands, then filled per page.

A weekday's ~70 numbered day pages differ only in a few parts (their title, cards, place among the day's pages and
pager), yet a whole render of day.html and base.html cost ~3.5 ms a page, most of it in what every page of the day
shares: the masthead, the language switch, the tools, the data-pages list. The parts are the template's own blocks:
the frame is a child template overriding each of them with a marker (templates/day_frame.html), and a page is the
frame's text with its parts rendered alone, by the same block code a whole render runs, in the page's context.
tests/test_shell.py compares filled pages with whole renders.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jinja2 import Environment
from jinja2.runtime import Context
from markupsafe import Markup

Block = Callable[[Context], Iterator[str]]


class PageShell:
    """A frame template's pages: its parent rendered with the frame's blocks (the parts) left as markers, then
    filled with each page's parts."""

    def __init__(self, env: Environment, frame: str):
        self.frame_template = env.get_template(frame)
        self.parts = frozenset(self.frame_template.blocks)
        # A marker no page text can hold: drawn per process, so no feed's or setting's text can forge one.
        nonce = secrets.token_hex(8)
        self.marker = lambda name: Markup(f"[{nonce}:{name}]")
        self.split = re.compile(rf"\[{nonce}:(\w+)\]").split
        # Each block's definitions below the frame, nearest first (a part's super() and self.<block>() call them):
        # known once the frame has been rendered, which binds them as a whole render does.
        self.blocks: dict[str, list[Block]] | None = None

    def frame(self, context: Mapping[str, Any]) -> list[str]:
        """The page rendered with `context`, split into its text between parts and the parts' names:
        [text, name, text, name, ..., text]. Whatever is not a part must be the same for every page it fills."""
        frame = self.frame_template.new_context({**context, "part": self.marker})
        text = "".join(self.frame_template.root_render_func(frame))   # Template.render's own steps
        if self.blocks is None:
            if missing := sorted(name for name in self.parts if len(frame.blocks[name]) < 2):
                raise ValueError(f"{self.frame_template.name}: no block {', '.join(missing)} in the page it frames")
            self.blocks = {name: found[1:] if name in self.parts else found for name, found in frame.blocks.items()}
        return self.split(text)

    def fill(self, frame: list[str], context: Mapping[str, Any]) -> str:
        """The page the framed template renders whole with `context`: the frame's text, its parts rendered alone."""
        assert self.blocks is not None, "a frame is rendered before it is filled"
        page = self.frame_template.new_context(dict(context))
        page.blocks = {name: list(found) for name, found in self.blocks.items()}
        rendered: dict[str, str] = {}
        out = frame.copy()
        for i in range(1, len(out), 2):
            name = out[i]
            if name not in rendered:
                rendered[name] = "".join(page.blocks[name][0](page))
            out[i] = rendered[name]
        return "".join(out)
