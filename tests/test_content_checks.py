"""A hand-edited or damaged content/ costs one clear line naming file, record and field: never a traceback or a
wrong site. Each case damages a copy of the demo archive and is driven through the real build.py."""

import json
import shutil
from pathlib import Path

import pytest

import build
from digest.archive import Archive
from digest.errors import ArchiveError

D16, D17, STATE = "days/2026-06-16.json", "days/2026-06-17.json", "state.json"


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """The demo's two days fetched and summarised offline: a valid archive whose files each case damages."""
    out = tmp_path_factory.mktemp("valid")
    assert build.main(["--demo", "--content", str(out / "content"), "--site", str(out / "site")]) == 0
    return out / "content"


def paper(n, **fields):
    """Damage: set fields of the nth paper of the 16th (None deletes one); the line names it by its id."""
    def damage(files):
        record = files[D16]["papers"][n]
        for name, value in fields.items():
            record.pop(name) if value is None else record.__setitem__(name, value)
    return D16, damage


def state(damage):
    return STATE, damage


def set_source(**fields):
    def damage(files):
        files[STATE]["sources"]["arxiv-cs-lg"].update(fields)
    return damage


def duplicate(files):
    files[D16]["papers"].append(dict(files[D16]["papers"][3]))


def copied_day(files):
    files["days/2026-06-18.json"] = json.loads(json.dumps(files[D16]))   # a copy of the 16th under another name


def bad_update(files):
    files[D17]["updates"][0]["version"] = "3"


REFUSED = "a character XML 1.0 does not allow (a page or feed would be ill-formed); remove it"
# (case id, file, damage, the one line expected after "<content>/"): {P} stands for the damaged paper's id.
CASES = [
    ("title-number", *paper(0, title=123), "{file}: paper {P}: title: expected a string, got 123"),
    ("version-string", *paper(0, version="2"), '{file}: paper {P}: version: expected an integer, got "2"'),
    ("version-bool", *paper(0, version=True), "{file}: paper {P}: version: expected an integer, got true"),
    ("authors-string", *paper(1, authors="One Name"),
     '{file}: paper {P}: authors: expected a list of strings, got "One Name"'),
    ("authors-item", *paper(1, authors=["One Name", 2]),
     '{file}: paper {P}: authors: expected a list of strings, got ["One Name", 2]'),
    ("topics-string", *paper(2, topics="cs.LG"), '{file}: paper {P}: topics: expected a list of strings, got "cs.LG"'),
    ("summary-number", *paper(2, summary={"en": 5}),
     '{file}: paper {P}: summary: expected an object of strings, got {"en": 5}'),
    ("published-not-a-date", *paper(4, published="yesterday"),
     '{file}: paper {P}: published: expected a date (YYYY-MM-DD), got "yesterday"'),
    ("no-id", *paper(5, id=None), "{file}: paper #6: id: missing, expected a string"),
    ("control-character", *paper(0, title="Survival\u0007 Models"),
     "{file}: paper {P}: title: holds U+0007, " + REFUSED),
    ("lone-surrogate", *paper(1, abstract="Half a pair: \ud83d."),
     "{file}: paper {P}: abstract: holds U+D83D, " + REFUSED),
    ("noncharacter", *paper(2, authors=["Wei Zhang", "Jane\uffff Roe"]),
     "{file}: paper {P}: authors[1]: holds U+FFFF, " + REFUSED),
    ("tex-as-escape", *paper(3, summary={"en": "\beta decay"}),   # "\beta" typed into JSON is a backspace
     "{file}: paper {P}: summary.en: holds U+0008, " + REFUSED),
    ("paper-not-object", D16, lambda f: f[D16]["papers"].__setitem__(0, "arXiv:2606.13504"),
     '{file}: paper #1: expected an object, got "arXiv:2606.13504"'),
    ("duplicate-id", D16, duplicate,
     "{file}: paper {P}: listed twice in one day (two cards with one HTML id); keep one"),
    ("day-of-another-file", "days/2026-06-18.json", copied_day,
     "{file}: day: the file is named for 2026-06-18 but holds 2026-06-16; a day file holds its own day: "
     "fix the field or rename the file"),
    ("update-version-string", D17, bad_update, '{file}: update {U}: version: expected an integer, got "3"'),
    ("state-not-object", *state(lambda f: f.__setitem__(STATE, ["arxiv-cs-lg"])),
     '{file}: expected a JSON object, got ["arxiv-cs-lg"]; restore it from git'),
    ("state-newer-schema", *state(lambda f: f[STATE].update(schema=2)),
     "{file}: unknown schema 2 (this build reads schema 1): update AcademicHub, or restore the file from git"),
    ("state-no-schema", *state(lambda f: f[STATE].pop("schema")),
     "{file}: no schema (this build reads schema 1): update AcademicHub, or restore the file from git"),
    ("state-failures-string", *state(set_source(failures="3")),
     '{file}: source "arxiv-cs-lg": failures: expected an integer, got "3"'),
    ("state-last-run-number", *state(lambda f: f[STATE].update(last_run=20260617)),
     "{file}: last_run: expected a date (YYYY-MM-DD), got 20260617"),
    ("state-sources-list", *state(lambda f: f[STATE].update(sources=["arxiv-cs-lg"])),
     '{file}: sources: expected an object of sources, got ["arxiv-cs-lg"]'),
    ("state-source-string", *state(lambda f: f[STATE]["sources"].update({"arxiv-cs-lg": "ok"})),
     '{file}: source "arxiv-cs-lg": expected an object, got "ok"'),
    ("state-unknown-field", *state(set_source(failurs=2)),
     '{file}: source "arxiv-cs-lg": failurs: unknown field (known: url, etag, last_modified, checked, status, new, '
     'last_success, last_day, last_error, failures, dropped, items, versions, seen)'),
    ("state-control-character", *state(set_source(last_error="HTTP 503\u001b[0m")),
     "{file}: sources.arxiv-cs-lg.last_error: holds U+001B, " + REFUSED),
]


def damaged(valid: Path, folder: Path, name: str, damage) -> tuple[Path, str]:
    """Copy the valid archive to folder, damage it; return the content folder and the damaged file's record id."""
    content = folder / "content"
    shutil.copytree(valid, content)
    files = {name: json.loads((content / name).read_text(encoding="utf-8")) for name in (D16, D17, STATE)}
    before = json.loads(json.dumps(files))
    damage(files)
    for key, data in files.items():
        if json.dumps(data) != json.dumps(before.get(key)):   # True == 1, but not in a file
            try:
                raw = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            except UnicodeEncodeError:   # a lone surrogate: UTF-8 has no bytes for it, a hand edit writes \ud83d
                raw = json.dumps(data, indent=1).encode("utf-8")
            (content / key).write_bytes(raw)
    ids = {"P": None, "U": None}
    if name in (D16, D17):
        old, new = before[name], files[name]
        ids["U"] = new["updates"][0]["id"] if new["updates"] else None
        for was, now in zip(old["papers"], new["papers"]):
            if json.dumps(was) != json.dumps(now):
                ids["P"] = now.get("id") if isinstance(now, dict) else None
                break
        else:
            ids["P"] = new["papers"][-1]["id"]   # the duplicate
    return content, ids


def expect(line: str, file: Path, ids: dict[str, str | None]) -> str:
    """Return the case's line with its file and record ids filled in (the lines hold JSON braces: no format())."""
    line = line.replace("{file}", str(file))
    for key, value in ids.items():
        line = line.replace("{" + key + "}", str(value))
    return line


def snapshot(content: Path) -> dict[str, bytes]:
    return {str(p.relative_to(content)): p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case,name,damage,line", CASES, ids=[c[0] for c in CASES])
def test_damaged_content_stops_render_with_one_line(valid, tmp_path, capsys, case, name, damage, line):
    content, ids = damaged(valid, tmp_path, name, damage)
    expected = expect(line, content / name, ids)
    files = snapshot(content)
    capsys.readouterr()
    code = build.main(["render", "--demo", "--content", str(content), "--site", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code != 0 and err.splitlines() == [expected] and "Traceback" not in err
    assert snapshot(content) == files   # the archive is left exactly as found


@pytest.mark.parametrize("case,name,damage,line", CASES, ids=[c[0] for c in CASES])
def test_verify_catches_damaged_content_before_a_commit(valid, tmp_path, capsys, case, name, damage, line):
    content, ids = damaged(valid, tmp_path, name, damage)
    capsys.readouterr()
    assert build.main(["verify", "--content", str(content), "--baseline", str(valid)]) == 1
    assert capsys.readouterr().err.splitlines() == [expect(line, content / name, ids)]


def test_the_valid_archive_passes_both(valid, tmp_path, capsys):
    """The baseline of every case above is sound: what fails there is the damage alone."""
    assert build.main(["verify", "--content", str(valid), "--baseline", str(valid)]) == 0
    assert build.main(["render", "--demo", "--content", str(valid), "--site", str(tmp_path / "site")]) == 0


@pytest.mark.parametrize("usage,line", [
    ([], "expected a JSON object, got []; restore it from git"),
    ({"schema": 2, "days": {}}, "unknown schema 2 (this build reads schema 1): update AcademicHub, or restore the "
                                "file from git"),
    ({"schema": 1, "days": []}, "days: expected an object of days, got []"),
    ({"schema": 1, "days": {"June 16": {}}}, 'day "June 16": expected a date (YYYY-MM-DD), got "June 16"'),
    ({"schema": 1, "days": {"2026-06-16": 3}}, "day 2026-06-16: expected an object of counts, got 3"),
    ({"schema": 1, "days": {"2026-06-16": {"requests": "3"}}},
     'day 2026-06-16: requests: expected an integer, got "3"'),
], ids=["not-object", "newer-schema", "days-list", "day-not-a-date", "counts-number", "count-string"])
def test_a_damaged_usage_file_is_one_line_naming_it(valid, tmp_path, capsys, usage, line):
    content = tmp_path / "content"
    shutil.copytree(valid, content)
    (content / "usage.json").write_text(json.dumps(usage))
    with pytest.raises(ArchiveError) as caught:
        Archive(content).read_usage()
    assert str(caught.value) == f"{content / 'usage.json'}: {line}"
    capsys.readouterr()
    assert build.main(["verify", "--content", str(content), "--baseline", str(valid)]) == 1
    assert capsys.readouterr().err.splitlines() == [str(caught.value)]


def test_a_backslash_in_text_is_not_taken_for_an_escape(valid, tmp_path):
    """TeX and quotes keep their backslashes: only what decodes to a refused character is refused."""
    content = tmp_path / "content"
    shutil.copytree(valid, content)
    path = content / D16
    data = json.loads(path.read_text(encoding="utf-8"))
    data["papers"][0]["abstract"] = 'A "quoted" \\beta, \\ufffe and \\u0007 as text, and \\\\b too.'
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    day = Archive(content).read_day(Archive(content).day_dates()[0])
    assert day.papers[0].abstract == data["papers"][0]["abstract"]
