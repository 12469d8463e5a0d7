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


@pytest.mark.parametrize("url", ["https://arxiv.org/abs/2606.1", "http://www.nature.com/articles/x?y=1#z",
                                 "https://User:pw@Example.ORG:8080/p", "https://[::1]:8/x", "https://doi.org",
                                 "https://host.example?q", "https://host.example#f", "HTTPS://WWW.Host.Example/",
                                 "ftp://files.example/x", "https://a.example\t/b", "not a url", ""])
def test_host_is_urlsplits_hostname(url):
    """host() finds the authority itself and asks urlsplit once per site: the same name as urlsplit's for each link."""
    from urllib.parse import urlsplit
    assert cards.host(url) == (urlsplit(url).hostname or url).removeprefix("www.")
