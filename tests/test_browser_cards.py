"""A card's actions in a real headless Chromium: permalink and highlight, copy link, BibTeX/RIS downloads (one card,
a whole day, a day-and-topic page), the PDF link, the abstract in place (clamped with "more", whole with scripts
off), an LLM summary's provenance by keyboard with its prefilled report link, and "Updated versions" to cards.

The demo has no LLM summary: the provenance test renders a copy of its archive with summaries and a repository.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from browser_fixtures import serve_site

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DAY, BEFORE = "2026-06-17", "2026-06-16"


def day_papers(content: Path, day: str) -> list[dict]:
    return json.loads((content / "days" / f"{day}.json").read_text(encoding="utf-8"))["papers"]


def open_page(page, url: str):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page


def card(page, pid: str):
    return page.locator(f'article.card[id="{pid}"]')


def bib_fields(text: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+) = \{(.*)\},$", text, re.M))


def first_arxiv(content: Path) -> dict:
    return next(p for p in day_papers(content, DAY) if p["id"].startswith("arXiv:") and len(p["abstract"]) > 600)


def test_the_number_is_the_permalink_and_a_linked_card_is_highlighted(demo_build, site_url, page):
    content, _ = demo_build
    paper = day_papers(content, DAY)[2]
    open_page(page, f"{site_url}{DAY}/")
    number = card(page, paper["id"]).locator(".num a")
    assert number.get_attribute("href") == f"#{paper['id']}" and number.inner_text() == "03."
    assert not card(page, paper["id"]).evaluate("c => c.matches(':target')")
    number.click()
    assert page.url == f"{site_url}{DAY}/#{paper['id']}"
    highlighted = card(page, paper["id"]).evaluate("c => [c.matches(':target'), getComputedStyle(c).boxShadow]")
    assert highlighted[0] and highlighted[1] != "none"
    # Arriving from elsewhere by the link highlights it too.
    other = new = page.context.new_page()
    open_page(new, f"{site_url}{DAY}/#{paper['id']}")
    assert other.locator(":target").get_attribute("id") == paper["id"]


def test_copy_link_puts_the_cards_lasting_link_on_the_clipboard(demo_build, site_url, new_context):
    from playwright.sync_api import expect
    content, _ = demo_build
    paper = day_papers(content, DAY)[0]
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    for url in (f"{site_url}{DAY}/", site_url):   # the front page's cards are the day's first page: their link is that
        open_page(page, url)
        button = card(page, paper["id"]).locator(".actions button.copy")
        button.focus()
        page.keyboard.press("Enter")
        expect(card(page, paper["id"]).locator(".actions .done")).to_have_text("Link copied")
        assert page.evaluate("navigator.clipboard.readText()") == f"{site_url}{DAY}/#{paper['id']}"


def test_cite_downloads_a_cards_bibtex_and_ris(demo_build, site_url, new_context):
    content, _ = demo_build
    paper = first_arxiv(content)
    page = new_context(accept_downloads=True).new_page()
    open_page(page, f"{site_url}{DAY}/")
    actions = card(page, paper["id"]).locator(".actions")
    with page.expect_download() as caught:
        actions.locator('button.cite[data-format="bibtex"]').click()
    download = caught.value
    assert download.suggested_filename == paper["id"].replace(":", "_") + ".bib"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith(f"@misc{{{paper['id']},\n") and text.count("@") == 1
    fields = bib_fields(text)
    assert fields["title"] == paper["title"] and fields["eprint"] == paper["id"].removeprefix("arXiv:")
    assert fields["author"].split(" and ") == [", ".join(reversed(a.rsplit(" ", 1))) for a in paper["authors"]]
    with page.expect_download() as caught:
        actions.locator('button.cite[data-format="ris"]').click()
    lines = Path(caught.value.path()).read_bytes().decode("utf-8").split("\r\n")   # CRLF, as RIS asks
    assert caught.value.suggested_filename.endswith(".ris") and lines[0] == "TY  - UNPB" and lines[-2] == "ER  - "
    assert f"TI  - {paper['title']}" in lines and f"AN  - {paper['id']}" in lines
    assert [line[6:] for line in lines if line.startswith("AU  - ")] == [
        ", ".join(reversed(a.rsplit(" ", 1))) for a in paper["authors"]]


def test_cite_downloads_a_whole_day_and_a_day_and_topic_page(demo_build, site_url, new_context):
    content, site = demo_build
    papers = day_papers(content, DAY)
    page = new_context(accept_downloads=True).new_page()
    open_page(page, f"{site_url}{DAY}/")
    with page.expect_download() as caught:
        page.locator('#page-cite button[data-format="bibtex"]').click()
    text = Path(caught.value.path()).read_text(encoding="utf-8")
    assert re.findall(r"^@\w+\{([^,]+),$", text, re.M) == [p["id"] for p in papers]   # the whole day, in order
    assert caught.value.suggested_filename == f"{DAY}.bib"
    # A day-and-topic page cites its own entries only.
    topic = "cs.CV"
    listed = [p["id"] for p in papers if topic in p["topics"]]
    open_page(page, f"{site_url}{DAY}/{topic}/")
    with page.expect_download() as caught:
        page.locator('#page-cite button[data-format="ris"]').click()
    ris = Path(caught.value.path()).read_bytes().decode("utf-8")
    assert ris.count("TY  - ") == len(listed) == ris.count("ER  - ") and listed
    assert [line[6:] for line in ris.split("\r\n") if line.startswith("AN  - ")] == listed


def page_of(site: Path, pid: str) -> str:
    """The path of the day page (first or numbered) that holds a card."""
    for html in sorted((site / DAY).glob("**/index.html")):
        if re.search(f'<article class="card[^"]*" id="{re.escape(pid)}"', html.read_text(encoding="utf-8")):
            return html.parent.relative_to(site).as_posix() + "/"
    raise AssertionError(f"no card {pid}")


def test_pdf_links_follow_each_sources_rule(demo_build, site_url, page):
    content, site = demo_build
    by_kind: dict[str, dict] = {}
    for p in day_papers(content, DAY):
        kind = "arxiv" if p["id"].startswith("arXiv:") else "rxiv" if "rxiv.org" in p["url"] else "other"
        by_kind.setdefault(kind, p)
    assert set(by_kind) == {"arxiv", "rxiv", "other"}, "the demo's day has papers of all three kinds"

    def pdf(p):
        open_page(page, site_url + page_of(site, p["id"]))
        return card(page, p["id"]).locator(".actions a", has_text="PDF")

    arxiv, rxiv = by_kind["arxiv"], by_kind["rxiv"]
    assert pdf(arxiv).get_attribute("href") == f"https://arxiv.org/pdf/{arxiv['id'].removeprefix('arXiv:')}v{arxiv['version']}"
    assert card(page, arxiv["id"]).locator(".actions a", has_text="Abstract page").get_attribute("href") == arxiv["url"]
    host = "www.medrxiv.org" if "medrxiv" in rxiv["url"] else "www.biorxiv.org"
    assert pdf(rxiv).get_attribute("href") == f"https://{host}/content/{rxiv['doi']}v{rxiv['version']}.full.pdf"
    assert pdf(by_kind["other"]).count() == 0   # a journal's feed gives no PDF: no link is made up
    assert card(page, by_kind["other"]["id"]).locator(".actions a").count() == 1   # its page, still


def test_the_abstract_reads_in_place_clamped_with_more_and_whole_without_scripts(demo_build, site_url, new_context):
    from playwright.sync_api import expect
    content, _ = demo_build
    paper = first_arxiv(content)
    page = open_page(new_context().new_page(), f"{site_url}{DAY}/")
    text = card(page, paper["id"]).locator(".abstract p")
    overflow = "p => p.scrollHeight - p.clientHeight"
    assert text.evaluate(overflow) > 20 and page.locator("article.card .note").count() == 0
    assert page.locator("p.summary-kind").count() == 1   # the kind of summary is said once per page
    more = card(page, paper["id"]).locator(".actions button.more")
    expect(more).to_be_visible()
    more.click()
    assert more.get_attribute("aria-expanded") == "true" and text.evaluate(overflow) <= 1
    more.click()
    assert text.evaluate(overflow) > 20
    # With scripts off: the whole abstract, no toggle.
    off = new_context(java_script_enabled=False).new_page()
    off.goto(f"{site_url}{DAY}/")
    still = card(off, paper["id"]).locator(".abstract p")
    assert still.evaluate(overflow) <= 1 and still.inner_text() == paper["abstract"]
    assert card(off, paper["id"]).locator(".actions button").count() == 0


def test_updated_versions_link_to_their_cards(demo_build, site_url, page):
    open_page(page, f"{site_url}{DAY}/")
    link = page.locator("section.updates li a").first
    href = link.get_attribute("href")
    assert href.startswith(f"../{BEFORE}/#"), href
    pid = href.split("#", 1)[1]
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{site_url}{BEFORE}/#{pid}" and page.locator(":target").get_attribute("id") == pid


@pytest.fixture(scope="module")
def summarised_site(demo_build, tmp_path_factory) -> tuple[str, dict]:
    """The demo archive with LLM summaries on the day's papers, rendered with a repository to report to."""
    import build
    content, _ = demo_build
    base = tmp_path_factory.mktemp("summarised")
    shutil.copytree(content, base / "content")
    path = base / "content" / "days" / f"{DAY}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for p in data["papers"]:
        p.update(summary={"en": f"Summary of {p['title']}.", "zh": "中文摘要。"}, summary_model="test-model-7b",
                 summary_prompt="p3", summary_version=p["version"], summary_at="2026-06-18")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    config = yaml.safe_load((ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8"))
    config["site"]["repository"] = "forker/hub"
    (base / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    code = build.main(["render", "--config", str(base / "sources.yaml"), "--content", str(base / "content"),
                       "--site", str(base / "site")])
    assert code == 0
    return serve_site(base / "site"), data["papers"][0]


def test_a_summarys_provenance_by_keyboard_and_its_prefilled_report(summarised_site, page):
    from playwright.sync_api import expect
    url, paper = summarised_site
    open_page(page, f"{url}{DAY}/")
    assert "language model (test-model-7b)" in page.locator("p.summary-kind").inner_text()
    prov = card(page, paper["id"]).locator("details.prov")
    expect(prov.locator("p")).to_be_hidden()
    # By keyboard: Tab from the card's authors reaches the provenance's summary; Enter opens it.
    card(page, paper["id"]).locator(".authors a").last.focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('details.prov > summary')"):
            break
    assert page.evaluate("document.activeElement.closest('article').id") == paper["id"]
    assert page.evaluate("document.activeElement.matches('details.prov > summary')")
    page.keyboard.press("Enter")
    said = prov.locator("p")
    expect(said).to_be_visible()
    assert all(part in said.inner_text() for part in ("test-model-7b", "2026-06-18", "p3", "abstract only"))
    report = prov.locator("a.report")
    href = urlsplit(report.get_attribute("href"))
    assert (href.scheme, href.netloc, href.path) == ("https", "github.com", "/forker/hub/issues/new")
    asked = parse_qs(href.query)
    assert asked["title"] == [f"Wrong summary: {paper['id']}"]
    assert paper["id"] in asked["body"][0] and "test-model-7b" in asked["body"][0] and "p3" in asked["body"][0]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('report')")   # the link is next by keyboard
    # The summary comes first, then the abstract, labelled: nothing is repeated.
    body = card(page, paper["id"])
    assert body.locator(".summary").inner_text() == f"Summary of {paper['title']}."
    assert body.locator(".abstract > .k").inner_text() == "Abstract"
    assert body.locator(".abstract p").inner_text() == paper["abstract"]   # the paper's own text, unlabelled


def test_a_journals_standfirst_reads_inline(demo_build, site_url, page):
    from playwright.sync_api import expect
    content, site = demo_build
    nature = next(p for p in day_papers(content, DAY) if p["abstract_kind"] == "standfirst" and p["abstract"])
    open_page(page, site_url + page_of(site, nature["id"]))
    body = card(page, nature["id"])
    expect(body.locator(".abstract p")).to_be_visible()   # nothing to open first
    assert body.locator(".abstract > .k").inner_text() == "Standfirst" and body.locator("details").count() == 0
    assert body.locator(".abstract p").inner_text() == nature["abstract"]
