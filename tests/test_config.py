import re
from pathlib import Path

import pytest

from digest.config import load_config
from digest.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
site:
  title: Lab Digest
  languages: [en, zh]
topics:
  cs.LG: {en: Machine Learning, zh: 机器学习}
sources:
  - id: arxiv-cs-lg
    label: arXiv (CS.LG)
    url: https://rss.arxiv.org/rss/cs.LG
    topic: cs.LG
"""


def write(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path, text):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.problems


def test_shipped_configs_load():
    config = load_config(ROOT / "sources.yaml")
    assert [s.id for s in config.sources][:2] == ["arxiv-cs-lg", "arxiv-cs-cv"]
    assert {s.family for s in config.sources} == {"arxiv", "biorxiv", "plos", "nature"}
    assert all(s.topic in config.topics for s in config.sources)
    demo = load_config(ROOT / "demo" / "sources.yaml")
    assert [s.id for s in demo.sources] == [s.id for s in config.sources]


def test_good_config_and_defaults(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.site.title == "Lab Digest"
    assert config.site.batch_size == 20
    assert config.sources[0].family == "arxiv"
    assert config.topics["cs.LG"].name("zh") == "机器学习"


@pytest.mark.parametrize("change, expected", [
    (("title: Lab Digest", "titel: Lab Digest"), r"sources.yaml:2: site.titel: unknown key"),
    (("https://rss.arxiv.org/rss/cs.LG", "feeds/lab.xml"), None),
    (("https://rss.arxiv.org/rss/cs.LG", "ftp://x.org/feed"), r"sources.yaml:9: sources\[0\].url: expected an http\(s\) URL, got 'ftp://x.org/feed'"),
    (("topic: cs.LG\n", "topic: cs.XX\n"), r"sources.yaml:10: sources\[0\].topic: unknown topic 'cs.XX'"),
    (("[en, zh]", "[en, fr]"), r"sources.yaml:3: site.languages: unknown language 'fr'"),
    (("  title: Lab Digest", "  batch_size: many"), r"sources.yaml:2: site.batch_size: expected a whole number, got text 'many'"),
    (("    label: arXiv (CS.LG)\n", ""), r"sources.yaml:7: sources\[0\]: missing label"),
    (("  - id: arxiv-cs-lg", "  - id: ArXiv LG"), r"sources.yaml:7: sources\[0\].id: 'ArXiv LG': use lower-case"),
])
def test_each_mistake_is_one_line_naming_key_and_line(tmp_path, change, expected):
    text = GOOD.replace(*change)
    if expected is None:  # a relative path is a local feed file, which is allowed
        load_config(write(tmp_path, text))
        return
    found = problems(tmp_path, text)
    assert len(found) == 1, found
    assert re.match(expected, found[0]), found[0]


def test_duplicate_ids_and_every_problem_reported(tmp_path):
    text = GOOD + """\
  - {id: arxiv-cs-lg, label: Again, url: "https://x.org/f", topic: nope}
  - {id: other, label: X, url: "https://x.org/g", topic: cs.LG, colour: red}
"""
    found = problems(tmp_path, text)
    assert any("sources.yaml:11: sources[1].id: duplicate source id 'arxiv-cs-lg'" == p for p in found), found
    assert any(p.startswith("sources.yaml:11: sources[1].topic: unknown topic 'nope'") for p in found), found
    assert any(p.startswith("sources.yaml:12: sources[2].colour: unknown key") for p in found), found


def test_yaml_syntax_error_names_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("languages: [en, zh]", "languages: [en, zh"))
    assert len(found) == 1 and re.match(r"sources.yaml:\d+: not valid YAML", found[0])


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert "cannot read the config file" in caught.value.problems[0]


def test_build_exits_2_with_one_line_per_problem(tmp_path, capsys):
    import build
    path = write(tmp_path, GOOD.replace("topic: cs.LG\n", "topic: cs.XX\n").replace("titl", "tit1"))
    code = build.main(["fetch", "--config", str(path), "--content", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 2 and all(line.startswith("sources.yaml:") for line in err)
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("extra, expected", [
    ("    subjects: [bioinformatics]\n", r"sources.yaml:11: sources\[0\].subjects: subjects filter the bioRxiv/medRxiv details API"),
    ("    replacements: hide\n", r"sources.yaml:11: sources\[0\].replacements: expected one of: list, ignore, got 'hide'"),
    ("    fallback: ftp://x.org/feed\n", r"sources.yaml:11: sources\[0\].fallback: expected an http\(s\) URL"),
    ("    subjects: bioinformatics\n", r"sources.yaml:11: sources\[0\].subjects: expected a list of strings"),
])
def test_source_options_are_checked(tmp_path, extra, expected):
    [problem] = problems(tmp_path, GOOD + extra)
    assert re.match(expected, problem), problem


def test_stale_window_may_be_zero_but_not_negative(tmp_path):
    assert load_config(write(tmp_path, "fetch: {stale_window: 0}\n" + GOOD)).fetch.stale_window == 0
    [problem] = problems(tmp_path, "fetch: {stale_window: -5}\n" + GOOD)
    assert problem == "sources.yaml:1: fetch.stale_window: expected a non-negative number, got -5"


def test_biorxiv_api_source(tmp_path):
    text = GOOD + """  - id: bio
    label: bioRxiv
    url: https://api.biorxiv.org/details/biorxiv
    topic: cs.LG
    subjects: [bioinformatics, Cell Biology]
    fallback: https://connect.biorxiv.org/biorxiv_xml/bioinformatics
    replacements: ignore
"""
    source = load_config(write(tmp_path, text)).sources[1]
    assert (source.family, source.subjects, source.replacements) == ("biorxiv", ("bioinformatics", "Cell Biology"), "ignore")


# Every mistake a forker editing sources.yaml can make: one line, naming the key and its line.
FORKER_MISTAKES = [
    # unknown keys, with a guess when one is close
    (("sources:", "source:"), r"sources.yaml:6: source: unknown key \(did you mean 'sources'\? expected one of: fetch, llm, radar, site, sources, topics\)$"),
    (("  title:", "  titel:"), r"sources.yaml:2: site.titel: unknown key \(did you mean 'title'\? expected one of: base_url, "),
    (("site:", "fetch:\n  timout: 3\nsite:"), r"sources.yaml:2: fetch.timout: unknown key \(did you mean 'timeout'\?"),
    (("    topic: cs.LG", "    topic: cs.LG\n    lable: x"), r"sources.yaml:11: sources\[0\].lable: unknown key \(did you mean 'label'\?"),
    (("    topic: cs.LG", "    topic: cs.LG\n    colour: red"), r"sources.yaml:11: sources\[0\].colour: unknown key \(expected one of: enabled, "),
    # bad URLs
    (("https://rss.arxiv.org/rss/cs.LG", "rss.arxiv.org/rss/cs.LG"),
     r"sources.yaml:9: sources\[0\].url: expected an http\(s\) URL, got 'rss.arxiv.org/rss/cs.LG': write https://rss.arxiv.org/rss/cs.LG"),
    (("https://rss.arxiv.org/rss/cs.LG", "htps://rss.arxiv.org/rss/cs.LG"), r"sources.yaml:9: sources\[0\].url: expected an http\(s\) URL, got 'htps://"),
    (("https://rss.arxiv.org/rss/cs.LG", "https:///rss"), r"sources.yaml:9: sources\[0\].url: expected an http\(s\) URL"),
    (("    url: https://rss.arxiv.org/rss/cs.LG\n", ""), r"sources.yaml:7: sources\[0\]: missing url$"),
    (("  title: Lab Digest", "  base_url: forker.github.io/hub"), r"sources.yaml:2: site.base_url: expected an absolute http\(s\) URL"),
    (("  title: Lab Digest", "  title: Lab Digest\n  repository: https://github.com/forker/hub"),
     r"sources.yaml:3: site.repository: expected a GitHub repository as owner/name, got 'https://github.com/forker/hub'$"),
    # duplicates
    (("sources:", "sources:\n  - {id: arxiv-cs-lg, label: Again, url: \"https://x.org/f\", topic: cs.LG}"),
     r"sources.yaml:8: sources\[1\].id: duplicate source id 'arxiv-cs-lg'$"),
    (("topics:", "sources: []\ntopics:"), r"sources.yaml:7: sources: duplicate key: it would silently replace the one on line 4$"),
    (("topics:", "site:\n  title: Again\ntopics:"), r"sources.yaml:4: site: duplicate key: it would silently replace the one on line 1$"),
    # unknown topic, language, family, time zone
    (("topic: cs.LG\n", "topic: cs.ML\n"), r"sources.yaml:10: sources\[0\].topic: unknown topic 'cs.ML' \(add it under topics:\)$"),
    (("[en, zh]", "[en, fr]"), r"sources.yaml:3: site.languages: unknown language 'fr' \(known: en, zh\)$"),
    (("  languages: [en, zh]", "  languages: [en, zh]\n  default_language: fr"), r"sources.yaml:4: site.default_language: 'fr' is not in site.languages$"),
    (("{en: Machine Learning, zh: 机器学习}", "{en: Machine Learning, fr: Apprentissage}"), r"sources.yaml:5: topics.cs.LG.fr: unknown language 'fr'"),
    (("  title: Lab Digest", "  heading: {de: Hallo}"), r"sources.yaml:2: site.heading.de: unknown language 'de'"),
    (("    topic: cs.LG", "    topic: cs.LG\n    family: springer"), r"sources.yaml:11: sources\[0\].family: unknown family 'springer'"),
    (("  title: Lab Digest", "  timezone: Europe/Paris-ish"), r"sources.yaml:2: site.timezone: unknown time zone 'Europe/Paris-ish'"),
    # wrong types
    (("[en, zh]", "en"), r"sources.yaml:3: site.languages: expected a list of strings, got text$"),
    (("  title: Lab Digest", "  batch_size: -3"), r"sources.yaml:2: site.batch_size: expected a positive number, got -3$"),
    (("    topic: cs.LG", "    topic: cs.LG\n    enabled: \"yes\""), r"sources.yaml:11: sources\[0\].enabled: expected true or false, got text 'yes'$"),
    (("  - id: arxiv-cs-lg", "  - id: off"), r"sources.yaml:7: sources\[0\].id: expected text, got true/false False \(YAML reads yes, no, on and off"),
    (("  - id: arxiv-cs-lg", "  - arxiv-cs-lg\n  - id: x"), r"sources.yaml:7: sources\[0\]: expected a mapping, got text$"),
    (("  cs.LG: {en: Machine Learning, zh: 机器学习}", "  - cs.LG"), r"sources.yaml:4: topics: expected a mapping of topic id to its names"),
    (("site:\n  title: Lab Digest\n  languages: [en, zh]\n", "site: Lab Digest\n"), r"sources.yaml:1: site: expected a mapping, got text$"),
    # YAML itself
    (("    topic: cs.LG", "\ttopic: cs.LG"), r"sources.yaml:10: not valid YAML: found character '\\t'"),
]


@pytest.mark.parametrize("change, expected", FORKER_MISTAKES, ids=[c[0][1][:30] for c in FORKER_MISTAKES])
def test_every_forker_mistake_is_one_clear_line(tmp_path, change, expected):
    assert change[0] in GOOD, change
    found = problems(tmp_path, GOOD.replace(*change, 1))
    assert len(found) == 1, found
    assert re.match(expected, found[0]), found[0]


def test_check_command_reports_a_mistake_and_exits_2(tmp_path, capsys):
    import build
    path = write(tmp_path, GOOD.replace("sources:", "source:"))
    assert build.main(["check", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("sources.yaml:6: source: unknown key (did you mean 'sources'?")


def test_a_local_folder_named_like_a_host_is_still_a_path(tmp_path):
    (tmp_path / "lab.example").mkdir()
    config = load_config(write(tmp_path, GOOD.replace("https://rss.arxiv.org/rss/cs.LG", "lab.example/feed.xml")))
    assert config.sources[0].url == "lab.example/feed.xml"


# Values that passed `check` and then broke a fetch (an HTTP header, a URL) or the site's paths (ids and
# topics name folders and URL segments). Each is one line naming the key, its line and the value.
UNSAFE_VALUES = [
    # contact and base_url go into the User-Agent header: printable ASCII, one line
    (("  title: Lab Digest", '  title: Lab Digest\n  contact: "José <j@x.org>"'),
     r"sources.yaml:3: site.contact: must be printable ASCII for the User-Agent header, got 'José <j@x.org>'$"),
    (("  title: Lab Digest", '  title: Lab Digest\n  contact: "j@x.org\\nX-Evil: 1"'),
     r"sources.yaml:3: site.contact: must be printable ASCII for the User-Agent header, got 'j@x.org\\nX-Evil: 1'$"),
    (("  title: Lab Digest", "  title: Lab Digest\n  base_url: |\n    https://forker.github.io/hub"),
     r"sources.yaml:3: site.base_url: expected a URL on one line, without control characters, got 'https://forker.github.io/hub\\n'$"),
    (("  title: Lab Digest", "  title: Lab Digest\n  base_url: https://forker.github.io:8o8o/hub"),
     r"sources.yaml:3: site.base_url: expected a host and an optional port from 0 to 65535, got 'https://forker.github.io:8o8o/hub'$"),
    (("  title: Lab Digest", "  title: Lab Digest\n  base_url: https://😀.example/"),
     r"sources.yaml:3: site.base_url: the host '😀.example' has no IDNA \(xn--\) form for HTTP: "),
    (("  title: Lab Digest", "  title: Lab Digest\n  base_url: https://forker.github.io/hub?v=2"),
     r"sources.yaml:3: site.base_url: expected the site's address without a \?query or #fragment, got 'https://forker.github.io/hub\?v=2'$"),
    (("site:", "llm:\n  base_url: \"http://127.0.0.1:11434/v1\\n\"\nsite:"),
     r"sources.yaml:2: llm.base_url: expected a URL on one line, without control characters, got 'http://127.0.0.1:11434/v1\\n'$"),
    (("site:", "llm:\n  api_key_env: \"OPENAI_API_KEY\\n\"\nsite:"),
     r"sources.yaml:2: llm.api_key_env: expected the name of an environment variable, got 'OPENAI_API_KEY\\n'$"),
    # source ids and topics name folders and URL segments: a safe set of characters, at most 64
    (("  - id: arxiv-cs-lg", "  - id: |\n      arxiv-cs-lg"),
     r"sources.yaml:7: sources\[0\].id: 'arxiv-cs-lg\\n': use lower-case letters, digits and dashes, at most 64$"),
    (("  - id: arxiv-cs-lg", "  - id: " + "a" * 300),
     r"sources.yaml:7: sources\[0\].id: 'a{300}': use lower-case letters, digits and dashes, at most 64$"),
    (("  cs.LG: {en: Machine Learning, zh: 机器学习}\n", "  cs.LG: {en: Machine Learning, zh: 机器学习}\n  \"cs.CV\\n\": {en: Vision}\n"),
     r"sources.yaml:6: topics.cs.CV\\n: 'cs.CV\\n': a topic id is at most 64 letters, digits, dots and dashes, "
     r"starting and ending with a letter or digit \(it names a folder and a URL segment\)$"),
    (("  cs.LG: {en: Machine Learning, zh: 机器学习}\n", "  cs.LG: {en: Machine Learning, zh: 机器学习}\n  " + "x" * 300 + ": {en: Long}\n"),
     r"sources.yaml:6: topics.x{300}: 'x{300}': a topic id is at most 64 letters"),
    (("  cs.LG: {en: Machine Learning, zh: 机器学习}\n", "  cs.LG: {en: Machine Learning, zh: 机器学习}\n  cs.: {en: CS}\n"),
     r"sources.yaml:6: topics.cs.: 'cs.': a topic id is at most 64 letters, digits, dots and dashes, starting and ending"),
    (("  cs.LG: {en: Machine Learning, zh: 机器学习}\n", "  cs.LG: {en: Machine Learning, zh: 机器学习}\n  cs.lg: {en: Again}\n"),
     r"sources.yaml:6: topics.cs.lg: 'cs.lg' and 'cs.LG' would share one folder where case is ignored \(macOS, Windows\): rename one$"),
    # feed URLs: httpx refuses a newline, an invalid port, a host with no IDNA form
    (("https://rss.arxiv.org/rss/cs.LG", '"https://rss.arxiv.org/rss/cs.LG\\n"'),
     r"sources.yaml:9: sources\[0\].url: expected a URL or path on one line, without control characters, got 'https://rss.arxiv.org/rss/cs.LG\\n'$"),
    (("https://rss.arxiv.org/rss/cs.LG", '"feeds/lab.xml\\n"'),
     r"sources.yaml:9: sources\[0\].url: expected a URL or path on one line, without control characters, got 'feeds/lab.xml\\n'$"),
    (("https://rss.arxiv.org/rss/cs.LG", "https://rss.arxiv.org/rss/cs LG"),
     r"sources.yaml:9: sources\[0\].url: expected a URL without spaces \(write a space as %20\), got 'https://rss.arxiv.org/rss/cs LG'$"),
    (("https://rss.arxiv.org/rss/cs.LG", "https://rss.arxiv.org:99999/rss/cs.LG"),
     r"sources.yaml:9: sources\[0\].url: expected a host and an optional port from 0 to 65535, got 'https://rss.arxiv.org:99999/rss/cs.LG'$"),
    (("https://rss.arxiv.org/rss/cs.LG", "https://bü_cher.example/feed"),
     r"sources.yaml:9: sources\[0\].url: the host 'bü_cher.example' has no IDNA \(xn--\) form for HTTP: "),
    (("    topic: cs.LG\n", "    topic: cs.LG\n    fallback: \"https://x.org/feed\\r\\n\"\n"),
     r"sources.yaml:11: sources\[0\].fallback: expected a URL or path on one line, without control characters, got 'https://x.org/feed\\r\\n'$"),
    (("    topic: cs.LG\n", "    topic: cs.LG\n    family: biorxiv\n    subjects: [\"bioinformatics\\n\"]\n"),
     r"sources.yaml:12: sources\[0\].subjects\[0\]: expected one line without control characters, got 'bioinformatics\\n'$"),
    # names shown on one line: the tab title, a card's badge
    (("  title: Lab Digest", '  title: "Lab\\nDigest"'), r"sources.yaml:2: site.title: expected one line without control characters, got 'Lab\\nDigest'$"),
    (("    label: arXiv (CS.LG)", "    label: |\n      arXiv (CS.LG)"),
     r"sources.yaml:8: sources\[0\].label: expected one line without control characters, got 'arXiv \(CS.LG\)\\n'$"),
    (("    label: arXiv (CS.LG)", '    label: " "'), r"sources.yaml:8: sources\[0\].label: expected a name, e.g. arXiv \(CS.LG\), got ' '$"),
]


@pytest.mark.parametrize("change, expected", UNSAFE_VALUES, ids=[e.split(": ", 2)[1] for _, e in UNSAFE_VALUES])
def test_a_value_unsafe_in_a_header_url_or_path_is_one_clear_line(tmp_path, change, expected):
    assert change[0] in GOOD, change
    found = problems(tmp_path, GOOD.replace(*change, 1))
    assert len(found) == 1, found
    assert re.match(expected, found[0]), found[0]


def test_real_ids_and_non_ascii_urls_are_accepted(tmp_path):
    topics = ["cs.LG", "q-bio.GN", "physics.comp-ph", "quant-ph", "math.PR", "bioinformatics", "t" * 64]
    text = GOOD.replace("  cs.LG: {en: Machine Learning, zh: 机器学习}\n",
                        "".join(f"  {t}: {{en: {t}}}\n" for t in topics))
    text = text.replace("  title: Lab Digest", "  title: Lab Digest\n  base_url: https://Bücher.example/über/\n"
                        "  contact: mailto:lab@xn--bcher-kva.example")
    text += "  - {id: " + "s" * 64 + ", label: Bücher, url: \"https://bücher.example/neu/über.xml\", topic: q-bio.GN}\n"
    config = load_config(write(tmp_path, text))
    assert list(config.topics) == topics
    # the site's address goes into links and the User-Agent: stored in the ASCII form HTTP sends
    assert config.site.base_url == "https://xn--bcher-kva.example/%C3%BCber/"
    assert config.sources[1].url == "https://bücher.example/neu/über.xml"   # httpx encodes a feed URL itself


def test_the_user_agent_is_a_valid_header_for_any_config_that_loads(tmp_path):
    import httpx2
    from digest.collect import fetch_settings
    config = load_config(write(tmp_path, GOOD.replace("  title: Lab Digest", "  base_url: https://bücher.example/hub/")))
    agent = fetch_settings(config).user_agent
    assert "https://xn--bcher-kva.example/hub/" in agent
    assert httpx2.Headers({"User-Agent": agent})["User-Agent"] == agent


@pytest.mark.parametrize("online", [[], ["--online"]])
def test_check_refuses_a_non_ascii_contact_before_any_fetch(tmp_path, capsys, online):
    import build
    path = write(tmp_path, GOOD.replace("  title: Lab Digest", '  title: Lab Digest\n  contact: "José <j@x.org>"'))
    assert build.main(["check", *online, "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "sources.yaml:3: site.contact: must be printable ASCII for the User-Agent header, got 'José <j@x.org>'\n"


@pytest.mark.parametrize("given, expected", [
    ("https://bücher.example/hub", "https://xn--bcher-kva.example/hub"),
    ("", ""),
])
def test_base_url_option_uses_the_config_rule(given, expected):
    import build
    assert build.parse_args(["--base-url", given]).base_url == expected


@pytest.mark.parametrize("given, message", [
    ("https://forker.github.io/hub\n", "expected a URL on one line, without control characters, got 'https://forker.github.io/hub\\n'"),
    ("https://forker.github.io/hub?v=2", "expected the site's address without a ?query or #fragment"),
])
def test_bad_base_url_option_is_a_usage_error(capsys, given, message):
    import build
    with pytest.raises(SystemExit):
        build.parse_args(["--base-url", given])
    assert f"--base-url: {message}" in capsys.readouterr().err
