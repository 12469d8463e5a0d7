"""The card builder's escaping must be markupsafe's, whichever escaper it runs on."""

import pytest
from markupsafe import Markup
from markupsafe import escape as reference

from digest.site import cards


@pytest.mark.parametrize("value", ["plain", "<script>alert('x')</script>", 'a "quoted" & <b>bold</b>', "", "ünïcode ≤ 5",
                                   3, None, Markup("<em>kept</em>")])
def test_escape_matches_markupsafe(value):
    assert cards.escape(value) == str(reference(value))
    assert isinstance(cards.escape(value), str)


@pytest.mark.parametrize("text", ["plain", "<script>alert('x')</script>", 'a "quoted" & <b>bold</b>', "&amp; twice"])
def test_python_fallback_matches_markupsafe(text):
    assert cards._escape_text(text) == str(reference(text))
