"""Publisher platforms read through the generic family: the abstract a reader sees, the authors, and which items
are dropped and why. Real files from ../shared/corpus/real/ (skipped when absent); the platforms none of them
shows (ScienceDirect, Wiley/INFORMS/SAGE on Atypon, MDPI, Science on HighWire) as small inline fixtures in the
shapes those platforms serve."""

import sys
from datetime import date
from pathlib import Path

import pytest

import build
from digest.archive import Archive
from digest.sources import read_feed
from digest.sources.feed import Entry, Parsed
from digest.sources.platforms import is_placeholder

REAL = Path(__file__).parent.parent.parent / "shared" / "corpus" / "real"
DAY = "2026-06-19"


def real(name: str) -> bytes:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return path.read_bytes()


def read(body: bytes | str, family: str = "generic") -> Parsed:
    return read_feed(body.encode() if isinstance(body, str) else body, "src", family)


def by_title(parsed: Parsed) -> dict[str, Entry]:
    return {e.title: e for e in parsed.entries}


def rss(*items: str, ns: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            f'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/"{ns}><channel><title>A journal</title>'
            f'<link>https://example.org/</link><description>Latest articles</description>{"".join(items)}'
            f'</channel></rss>\n')


# ScienceDirect (rss.sciencedirect.com/publication/science/<ISSN>): the description is the article's
# "Publication date / Source / Author(s)" block, in <p>s today and <br>-separated in the shape issue 15 quotes;
# older feeds put the abstract after it. No dc:creator: the block is the only author list.
def sciencedirect_item(title: str, pii: str, description: str) -> str:
    return (f"<item><title><![CDATA[{title}]]></title>"
            f"<link>https://www.sciencedirect.com/science/article/pii/{pii}?dgcid=rss_sd_all</link>"
            f"<description><![CDATA[{description}]]></description>"
            f"<pubDate>Fri, 19 Jun 2026 00:00:00 GMT</pubDate><guid isPermaLink=\"false\">{pii}</guid></item>")


SCIENCEDIRECT = rss(
    sciencedirect_item("Peer tutoring in online statistics courses", "S0360131526001234",
                       "<p>Publication date: Available online 19 June 2026</p><p><b>Source:</b> Computers &amp; "
                       "Education</p><p>Author(s): Ana Lima, Bruno Costa, Zoë Weber</p>"),
    sciencedirect_item("Groundwater recharge under irrigated maize", "S0022169426005678",
                       "Publication date: Available online 18 June 2026<br>Source: Journal of Hydrology<br>"
                       "Author(s): Chen Wei, Maria Rossi"),
    sciencedirect_item("Soil carbon after a decade of cover crops", "S0016706126000042",
                       "Publication date: August 2026<br/><b>Source:</b> Geoderma, Volume 460<br/>Author(s): "
                       "Jonas Berg<br/>Cover crops raised topsoil carbon by 8% over ten years in 40 fields."),
    sciencedirect_item("Corrigendum to “Peer tutoring in online courses” [Computers &amp; Education 210 (2026) "
                       "104950]", "S0360131526009999",
                       "<p>Publication date: Available online 19 June 2026</p><p><b>Source:</b> Computers &amp; "
                       "Education</p><p>Author(s): Ana Lima</p>"),
)


def test_sciencedirect_block_gives_the_authors_and_is_never_the_abstract():
    parsed = read(SCIENCEDIRECT)
    entries = by_title(parsed)
    tutoring = entries["Peer tutoring in online statistics courses"]
    assert tutoring.abstract == "" and tutoring.authors == ("Ana Lima", "Bruno Costa", "Zoë Weber")
    recharge = entries["Groundwater recharge under irrigated maize"]
    assert recharge.abstract == "" and recharge.authors == ("Chen Wei", "Maria Rossi")
    older = entries["Soil carbon after a decade of cover crops"]
    assert older.abstract == "Cover crops raised topsoil carbon by 8% over ten years in 40 fields."
    assert older.authors == ("Jonas Berg",)
    assert parsed.listed == 4 and parsed.dropped == {"notice": 1}   # the corrigendum
    assert not any("Publication date" in e.abstract or "Source:" in e.abstract for e in parsed.entries)


# Atypon, as Wiley serves it (onlinelibrary.wiley.com/feed/<ISSN>/most-recent): the description is only
# "Journal, EarlyView.", dc:description and content:encoded hold a table-of-contents blurb, an "Abstract"
# heading and the abstract; prism:section names the article type.
def wiley_item(title: str, doi: str, section: str, blurb: str, abstract: str, creators: str) -> str:
    heading = f"\n\n\n\nAbstract\n{abstract}\n" if abstract else ""
    html_heading = f"&lt;br/&gt;\n&lt;h2&gt;Abstract&lt;/h2&gt;\n&lt;p&gt;{abstract}&lt;/p&gt;" if abstract else ""
    return (f"<item><link>https://onlinelibrary.wiley.com/doi/{doi}?af=R</link>"
            f"<pubDate>Fri, 19 Jun 2026 04:48:21 -0700</pubDate><guid isPermaLink=\"false\">{doi}</guid>"
            f"<title>{title}</title><description>ChemBioChem, EarlyView. </description>"
            f"<dc:description>\n{blurb}{heading}</dc:description>"
            f"<content:encoded>&lt;img src=\"https://onlinelibrary.wiley.com/cms/asset/toc.png\" alt=\"{title}\"/&gt;\n"
            f"&lt;p&gt;{blurb}&lt;/p&gt;\n{html_heading}</content:encoded>"
            f"<dc:creator>\n{creators}\n</dc:creator><category>{section}</category><dc:title>{title}</dc:title>"
            f"<dc:identifier>{doi}</dc:identifier><prism:doi>{doi}</prism:doi><prism:section>{section}</prism:section>"
            f"</item>")


WILEY = rss(
    wiley_item("A lipase resolves sec-alcohols without chromatography", "10.1002/cbic.202600394", "Research Article",
               "An acid-washable acyl donor makes the resolution chromatography-free.",
               "The reported chemoenzymatic strategy uses vinyl 3-(dimethylamino)propanoate as an irreversible acyl "
               "donor; an acidic work-up gives both products with excellent enantioselectivity.",
               "Beata Zdun, \nPaweł Borowiecki"),
    wiley_item("Issue Information", "10.1002/cbic.202600001", "Issue Information", "Cover and contents.", "", ""),
    wiley_item("Correction to “A lipase resolves sec-alcohols”", "10.1002/cbic.202600500", "Correction",
               "", "", ""),
    wiley_item("Cover Picture: Enzymes in a cage", "10.1002/cbic.202600002", "Cover Picture", "The cover shows a cage.",
               "", "Ada Cover"),
)


def test_wiley_abstract_is_the_text_after_its_heading_not_the_toc_blurb():
    parsed = read(WILEY)
    [paper] = parsed.entries
    assert paper.abstract.startswith("The reported chemoenzymatic strategy") and "acid-washable" not in paper.abstract
    assert "EarlyView" not in paper.abstract and paper.authors == ("Beata Zdun", "Paweł Borowiecki")
    assert paper.section == "Research Article"
    assert parsed.dropped == {"front_matter": 2, "notice": 1}


# Atypon as INFORMS and SAGE serve it (pubsonline.informs.org/action/showFeed?type=etoc&feed=rss&jc=mnsc,
# journals.sagepub.com/action/showFeed?...): "Journal, Ahead of Print. <br/>" then the abstract, in the description.
INFORMS = rss(
    "<item><title>Pricing with strategic returns</title>"
    "<link>https://pubsonline.informs.org/doi/abs/10.1287/mnsc.2026.01729?af=R</link>"
    "<description>Management Science, Ahead of Print. <br/>We study a retailer whose customers may return a purchase; "
    "optimal prices fall as return costs rise.</description>"
    "<dc:title>Pricing with strategic returns</dc:title><dc:creator>Lena Park</dc:creator>"
    "<dc:creator>Omar Haddad</dc:creator><dc:date>2026-06-19T07:00:00Z</dc:date></item>",
    "<item><title>A journal issue of its own</title>"
    "<link>https://journals.sagepub.com/doi/abs/10.1177/01492063261461518?ai=2b4&amp;mi=ehikzz&amp;af=R</link>"
    "<description>Journal of Management, Volume 52, Issue 6, Page 2001-2030, July 2026. <br/></description>"
    "<dc:creator>Ivo Marek</dc:creator><dc:date>2026-06-19T07:00:00Z</dc:date></item>",
)


# ACS (pubs.acs.org/action/showFeed?type=axatoc&feed=rss&jc=jacsat): a TOC graphic, the journal and the DOI.
ACS = ("<item><title>Copper-catalysed C–H amination at room temperature</title>"
       "<link>https://pubs.acs.org/doi/10.1021/jacs.6c01234?af=R</link>"
       '<description><![CDATA[<p><img alt="TOC Graphic" src="https://pubs.acs.org/cms/10.1021/jacs.6c01234/asset/'
       'images/medium/ja6c01234_0005.gif" /></p><div><cite>Journal of the American Chemical Society</cite></div>'
       "<div>DOI: 10.1021/jacs.6c01234</div>]]></description><dc:creator>Mei Tanaka</dc:creator>"
       "<dc:date>2026-06-19T07:00:00Z</dc:date></item>")


def test_atypon_journal_line_is_dropped_and_a_description_of_only_that_line_is_no_abstract():
    entries = by_title(read(INFORMS[:INFORMS.index("</channel>")] + ACS + "</channel></rss>\n"))
    assert entries["Copper-catalysed C–H amination at room temperature"].abstract == ""
    pricing = entries["Pricing with strategic returns"]
    assert pricing.abstract == ("We study a retailer whose customers may return a purchase; optimal prices fall as "
                                "return costs rise.")
    assert pricing.authors == ("Lena Park", "Omar Haddad")
    assert entries["A journal issue of its own"].abstract == ""


# MDPI (www.mdpi.com/rss/journal/<name>, RSS 1.0): titles lead with "Journal, Vol. N, Pages N:",
# content:encoded holds that line, a DOI line and an "Authors:" line before the abstract, and sometimes
# only a placeholder while the description holds the abstract.
MDPI_ABSTRACT = ("Cover crops reduced nitrate leaching by 35% across three seasons while keeping maize yields level, "
                 "in a field trial on sandy soils.")


def mdpi_item(number: int, content: str, description: str) -> str:
    title = f"Cover crops and nitrate leaching {number}"
    link = f"https://www.mdpi.com/2073-4395/16/6/{number}"
    return (f'<item rdf:about="{link}"><title>Agronomy, Vol. 16, Pages {number}: {title}</title><link>{link}</link>'
            f"<description>{description}</description><content:encoded><![CDATA[{content}]]></content:encoded>"
            f"<dc:title>{title}</dc:title><dc:creator>Ana Lima</dc:creator><dc:creator>Bruno Costa</dc:creator>"
            f"<dc:identifier>doi: 10.3390/agronomy1606{number:04d}</dc:identifier><dc:date>{DAY}</dc:date>"
            f"<prism:section>Article</prism:section><prism:doi>10.3390/agronomy1606{number:04d}</prism:doi></item>")


def mdpi_content(number: int, abstract: str) -> str:
    return (f"<p><b>Agronomy</b>, Vol. 16, Pages {number}: Cover crops and nitrate leaching {number}</p>"
            f'<p>Agronomy <a href="https://www.mdpi.com/2073-4395/16/6/{number}">doi: 10.3390/agronomy1606{number:04d}'
            f"</a></p><p>Authors:\n    Ana Lima\n    Bruno Costa\n    </p><p>{abstract}</p>")


MDPI = ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
        '<channel rdf:about="https://www.mdpi.com/rss/journal/agronomy"><title>Agronomy</title>'
        "<link>https://www.mdpi.com/journal/agronomy</link><description>Latest open access articles</description>"
        "</channel>"
        + mdpi_item(1601, mdpi_content(1601, MDPI_ABSTRACT), MDPI_ABSTRACT)
        + mdpi_item(1602, "Abstract", MDPI_ABSTRACT)
        + mdpi_item(1603, mdpi_content(1603, "Abstract"), MDPI_ABSTRACT)
        + "</rdf:RDF>\n")


def test_mdpi_abstract_comes_from_behind_its_lead_lines_and_a_placeholder_never_wins():
    entries = read(MDPI).entries
    assert [e.title for e in entries] == [f"Cover crops and nitrate leaching {n}" for n in (1601, 1602, 1603)]
    for entry in entries:
        assert entry.abstract == MDPI_ABSTRACT, entry.title
        assert entry.authors == ("Ana Lima", "Bruno Costa")


# HighWire (Science's and PNAS's older feeds, bioRxiv's RDF): the description is the abstract, two
# dc:identifiers, `?rss=1` links; a short front-section item repeats its title as its description.
HIGHWIRE = ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
            '<channel rdf:about="http://science.sciencemag.org"><title>Science current issue</title>'
            "<link>http://science.sciencemag.org</link><description>Science RSS feed</description></channel>"
            '<item rdf:about="http://science.sciencemag.org/cgi/content/short/372/6540/eabf0001?rss=1">'
            "<title>Coral heat tolerance is inherited</title>"
            "<link>http://science.sciencemag.org/cgi/content/short/372/6540/eabf0001?rss=1</link>"
            "<description>Offspring of heat-tolerant corals survived marine heatwaves twice as often, showing that "
            "tolerance is heritable.</description><dc:creator>Okafor, C. N., Li, X.</dc:creator>"
            f"<dc:date>{DAY}T10:00:00-07:00</dc:date><dc:identifier>info:doi/10.1126/science.abf0001</dc:identifier>"
            "<dc:identifier>hwp:resource-id:sci;372/6540/eabf0001</dc:identifier>"
            "<prism:section>Report</prism:section></item>"
            '<item rdf:about="http://science.sciencemag.org/cgi/content/short/372/6540/600-b?rss=1">'
            "<title>Reefs at risk</title>"
            "<link>http://science.sciencemag.org/cgi/content/short/372/6540/600-b?rss=1</link>"
            "<description>Reefs at risk</description><dc:creator>Jones, A.</dc:creator>"
            f"<dc:date>{DAY}T10:00:00-07:00</dc:date><dc:identifier>info:doi/10.1126/science.372.6540.600-b"
            "</dc:identifier><prism:section>Perspective</prism:section></item>"
            '<item rdf:about="http://science.sciencemag.org/cgi/content/short/372/6540/601-a?rss=1">'
            "<title>Corals inherit heat tolerance</title>"
            "<link>http://science.sciencemag.org/cgi/content/short/372/6540/601-a?rss=1</link>"
            "<description>Heat tolerance in corals passes from parents to offspring.</description>"
            f"<dc:date>{DAY}T10:00:00-07:00</dc:date><prism:section>This Week in Science</prism:section></item>"
            '<item rdf:about="http://science.sciencemag.org/cgi/content/short/372/6540/610?rss=1">'
            "<title>Funding cuts hit field stations</title>"
            "<link>http://science.sciencemag.org/cgi/content/short/372/6540/610?rss=1</link>"
            "<description>Budget cuts are closing field stations across three continents, researchers warn."
            f"</description><dc:creator>Smith, J.</dc:creator><dc:date>{DAY}T10:00:00-07:00</dc:date>"
            "<prism:section>News</prism:section></item>"
            "</rdf:RDF>\n")


def test_highwire_description_is_the_abstract_and_a_repeated_title_is_none():
    parsed = read(HIGHWIRE)
    entries = by_title(parsed)
    coral = entries["Coral heat tolerance is inherited"]
    assert coral.abstract.startswith("Offspring of heat-tolerant corals") and coral.authors == ("C. N. Okafor", "X. Li")
    assert entries["Reefs at risk"].abstract == ""
    assert parsed.dropped == {"editorial": 1, "front_matter": 1}   # the News piece; This Week in Science


@pytest.mark.parametrize("text, title, placeholder", [
    ("", "A title", True), ("Abstract", "Heat tolerance of Daphnia", True), ("  abstract. ", "Heat", True),
    ("Heat tolerance of Daphnia", "Heat tolerance of Daphnia", True),
    ("Standfirst: Heat tolerance of Daphnia", "Heat tolerance of Daphnia", True),
    ("(Cell 163, 95–107; September 24, 2015)", "Regulators of gut motility revealed by a gnotobiotic model", True),
    ("Warming lakes select for tolerance.", "Heat tolerance of Daphnia across forty lakes in Europe", False),
    ("Warming lakes select for tolerance: 90% of clones survived.", "Heat tolerance of Daphnia", False),
    ("Short. Then a list [x]", "A much longer title than the text that follows it here", False),
    ("WANG ET AL., PAGE 840", "A much longer title than the text that follows it here", True),
])
def test_placeholders(text, title, placeholder):
    assert is_placeholder(text, title) is placeholder


# Springer Nature journals added through the generic family (www.nature.com/ncomms.rss): the journal and DOI
# line before the standfirst, as a paragraph in content:encoded or as plain text in the description.
NATURE_COMMUNICATIONS = rss(
    "<item><title>Soil microbes buffer drought</title><link>https://www.nature.com/articles/s41467-026-01001-1</link>"
    "<content:encoded><![CDATA[<p>Nature Communications, Published online: 19 June 2026; <a href=\"https://doi.org/"
    "10.1038/s41467-026-01001-1\">doi:10.1038/s41467-026-01001-1</a></p>Drought-adapted soil microbes kept wheat "
    "roots growing through a month without rain.]]></content:encoded><dc:date>2026-06-19</dc:date></item>",
    "<item><title>Ice sheets and sea level</title><link>https://www.nature.com/articles/s41467-026-01002-2</link>"
    "<description>Nature Communications, Published online: 19 June 2026; doi:10.1038/s41467-026-01002-2 Ice sheets "
    "and sea level</description><dc:date>2026-06-19</dc:date></item>",
)


def test_springer_nature_journal_line_is_dropped_in_any_family():
    for family in ("generic", "nature"):
        entries = by_title(read(NATURE_COMMUNICATIONS, family))
        assert entries["Soil microbes buffer drought"].abstract == ("Drought-adapted soil microbes kept wheat roots "
                                                                    "growing through a month without rain.")
        assert entries["Ice sheets and sea level"].abstract == "", family   # only the title after the line
        assert entries["Soil microbes buffer drought"].abstract_kind == ("standfirst" if family == "nature"
                                                                         else "abstract")


def test_nature_real_week_keeps_27_research_articles_and_names_why_48_items_are_not_shown():
    parsed = read(real("nature-2024-07-18.rss"), "nature")
    assert parsed.listed == 75 and len(parsed.entries) == 27
    assert parsed.dropped == {"editorial": 44, "notice": 4}   # d41586 news pieces; four Author Corrections
    assert all("/s41586-" in e.url for e in parsed.entries)
    entries = by_title(parsed)
    # Three research articles' standfirst only repeats the title: no abstract, not "Standfirst: <title>".
    repeats = sorted(t for t, e in entries.items() if not e.abstract)
    assert repeats == ["A roadmap for affordable genetic medicines",
                       "Catalysis of an SN2 pathway by geometric preorganization",
                       "Inhomogeneous terminators on the exoplanet WASP-39 b"]
    sink = entries["The enduring world forest carbon sink"]
    assert sink.abstract.startswith("Data from boreal, temperate and tropical forests")
    assert sink.abstract_kind == "standfirst" and "Published online" not in sink.abstract
    assert all(e.abstract != e.title for e in parsed.entries)


def test_cell_real_issue_drops_its_erratum_book_reviews_and_front_matter():
    parsed = read(real("cell-current-2015-11-06.rdf"))
    assert parsed.listed == 34 and len(parsed.entries) == 29
    # Erratum and Matters Arising (notices), two Book Reviews, "In This Issue" (front matter).
    assert parsed.dropped == {"notice": 2, "editorial": 2, "front_matter": 1}
    titles = {e.title for e in parsed.entries}
    assert "In This Issue" not in titles and "A Gut Feeling about You" not in titles
    assert "Regulators of Gut Motility Revealed by a Gnotobiotic Model of Diet-Microbiome Interactions Related to " \
           "Travel" not in titles   # the erratum, which repeats the corrected paper's title
    assert all(e.abstract for e in parsed.entries)


def test_biorxiv_real_highwire_rdf_keeps_every_abstract():
    parsed = read(real("biorxiv-plantbio-2019-08-27.rdf"), "biorxiv")
    assert len(parsed.entries) == 30 and parsed.dropped == {}
    assert all(len(e.abstract) > len(e.title) for e in parsed.entries)


def test_a_reader_sees_no_platform_block_on_the_card_and_no_summary_without_an_abstract(tmp_path, capsys):
    (tmp_path / "sd.xml").write_text(SCIENCEDIRECT, encoding="utf-8")
    (tmp_path / "wiley.xml").write_text(WILEY, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "topics: {misc: Misc}\nsources:\n"
        "  - {id: sd, label: Computers and Education, topic: misc, url: sd.xml}\n"
        "  - {id: wiley, label: ChemBioChem, topic: misc, url: wiley.xml}\n", encoding="utf-8")
    code = build.main(["--config", str(tmp_path / "sources.yaml"), "--content", str(tmp_path / "content"),
                       "--site", str(tmp_path / "site"), "--date", DAY])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 correction, retraction or reply" in out and "2 cover, contents or masthead" in out, out
    papers = {p.title: p for p in Archive(tmp_path / "content").read_day(date(2026, 6, 19)).papers}
    assert papers["Peer tutoring in online statistics courses"].authors == ("Ana Lima", "Bruno Costa", "Zoë Weber")
    page = (tmp_path / "site" / DAY / "index.html").read_text(encoding="utf-8")
    assert "Publication date" not in page and "EarlyView" not in page and "acid-washable" not in page
    cards = {c.split("</h2>", 1)[0].rsplit("rel=\"noopener\">", 1)[-1]: c for c in page.split("<article")[1:]}
    tutoring = cards["Peer tutoring in online statistics courses</a>"]
    assert 'class="summary"' not in tutoring and 'class="note"' not in tutoring and ">Ana Lima</a>" in tutoring
    lipase = cards["A lipase resolves sec-alcohols without chromatography</a>"]
    # no LLM summary: the abstract itself, once, and no extract of its opening before it
    assert '<div class="abstract"><p>The reported chemoenzymatic strategy' in lipase and 'class="summary"' not in lipase


def test_the_corpus_bench_counts_a_placeholder_shown_as_an_abstract():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import corpus  # bench/corpus.py
    from digest.papers import Paper
    for abstract in ("Publication date: Available online 19 June 2026 Source: Geoderma Author(s): Jonas Berg",
                     "Soil carbon", "Management Science, Ahead of Print. We study.", "Abstract"):
        card = Paper("doi:10.1/x", "Soil carbon", ("Jonas Berg",), abstract, "", date(2026, 1, 1), (), ())
        assert corpus.card_defects(card) == {"stub"}, abstract
    card = Paper("doi:10.1/x", "Soil carbon", ("Jonas Berg",), "Cover crops raised soil carbon.", "",
                 date(2026, 1, 1), (), ())
    assert corpus.card_defects(card) == set()
