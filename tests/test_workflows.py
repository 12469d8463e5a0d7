"""The GitHub Actions workflows: linted offline, and the daily job's build steps run here for real.

The local run takes the `run:` blocks of the build job exactly as written, fills in the `${{ }}`
expressions a runner would, and runs them with bash against a copy of the project whose
sources.yaml is the demo's, cloned (shallow, as actions/checkout does) from a bare "origin". The site
cache is played too: a job that succeeded leaves its site/, and the next checkout starts with it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
DAILY = yaml.safe_load((WORKFLOWS / "daily.yml").read_text(encoding="utf-8"))
BOT = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
PAGES_URL = "https://forker.github.io/academichub"

# Steps that use an action (or install packages) are stood in for by the test; the rest run as written.
SIMULATED = {"checkout", "python", "install", "pages", "site-cache", "upload"}
RUN = ["baseline", "build", "verify", "commit", "size"]


def on(workflow: dict) -> dict:
    """Return a workflow's triggers (PyYAML reads the bare key `on` as True)."""
    return workflow.get("on", workflow.get(True))


def tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    assert path, f"{name} is not installed: pip install -r requirements.txt"
    return path


def test_actionlint_is_clean():
    # actionlint also lints every run: block with shellcheck when it is on PATH (.ci/run installs it).
    result = subprocess.run([tool("actionlint"), "-color=false"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_is_clean():
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "plain", str(WORKFLOWS)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_daily_schedule_dispatch_concurrency_and_permissions():
    triggers = on(DAILY)
    minute, hour, *_ = triggers["schedule"][0]["cron"].split()
    assert minute not in ("0", "00", "*") and hour.isdigit() and 1 <= int(hour) <= 6  # after arXiv, off the hour
    assert triggers["workflow_dispatch"]["inputs"]["date"]["required"] is False
    assert DAILY["concurrency"]["cancel-in-progress"] is False
    assert DAILY["permissions"] == {}
    jobs = DAILY["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "write", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] == "build" and jobs["deploy"]["environment"]["name"] == "github-pages"
    tests = yaml.safe_load((WORKFLOWS / "tests.yml").read_text(encoding="utf-8"))
    assert set(on(tests)) == {"push", "pull_request"} and tests["permissions"] == {"contents": "read"}
    assert tests["jobs"]["test"]["steps"][-1]["run"] == "bash .ci/run"


def test_actions_are_current_node24_majors():
    wanted = {"actions/checkout": "v7", "actions/setup-python": "v7", "actions/configure-pages": "v6",
              "actions/cache": "v6", "actions/upload-pages-artifact": "v5", "actions/deploy-pages": "v5"}
    used = re.findall(r"uses:\s*([\w./-]+)@(\S+)", "".join(p.read_text() for p in WORKFLOWS.glob("*.yml")))
    assert used and all(wanted.get(name) == ref for name, ref in used), used
    assert {name for name, _ in used} == set(wanted)


def test_llm_settings_are_passed_but_optional():
    build = next(s for s in DAILY["jobs"]["build"]["steps"] if s.get("id") == "build")
    assert build["env"]["OPENAI_API_KEY"] == "${{ secrets.OPENAI_API_KEY }}"
    assert build["env"]["OPENAI_BASE_URL"] == "${{ vars.OPENAI_BASE_URL }}"
    assert build["env"]["OPENAI_MODEL"] == "${{ vars.OPENAI_MODEL }}"


def test_content_is_pushed_by_the_bot_and_never_forced():
    commit = next(s for s in DAILY["jobs"]["build"]["steps"] if s.get("id") == "commit")
    assert commit["env"]["GIT_AUTHOR_NAME"] == commit["env"]["GIT_COMMITTER_NAME"] == "github-actions[bot]"
    pushes = [line for line in commit["run"].splitlines() if "git push" in line]
    assert pushes and not any(re.search(r"--force|\s-f\b|\+HEAD", line) for line in pushes)
    checkout = next(s for s in DAILY["jobs"]["build"]["steps"] if s.get("id") == "checkout")
    assert checkout["with"]["persist-credentials"] is False  # the build step never holds the token


# ---- the build job, run locally -------------------------------------------------------------------


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


class Runner:
    """Plays the GitHub runner for the build job: a fresh clone per run, the same env a runner sets."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.origin = tmp / "origin.git"
        home = tmp / "home"
        home.mkdir()
        # No git identity but the one the workflow sets: a runner has none either.
        self.env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(home),
                    "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8", "GITHUB_REF_NAME": "main",
                    "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "forker/academichub"}
        self.runs = 0
        self.cache = tmp / "site-cache"   # what actions/cache holds: the site/ of the last job that succeeded
        seed = tmp / "seed"
        anywhere = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", ".venv", "*.pyc")

        def ignore(folder: str, names: list[str]) -> set[str]:
            # The built site and the archive at the top only: digest/site/ is the render stage's code.
            return anywhere(folder, names) | ({"site", "content"} & set(names) if Path(folder) == ROOT else set())

        shutil.copytree(ROOT, seed, ignore=ignore)
        shutil.rmtree(seed / "demo" / "content", ignore_errors=True)
        # The fork's sources.yaml is the demo's, its feed paths made relative to the project root.
        demo = (ROOT / "demo" / "sources.yaml").read_text(encoding="utf-8")
        (seed / "sources.yaml").write_text(demo.replace('url: "feeds/', 'url: "demo/feeds/'), encoding="utf-8")
        person = {**self.env, "GIT_AUTHOR_NAME": "Forker", "GIT_AUTHOR_EMAIL": "forker@example.org",
                  "GIT_COMMITTER_NAME": "Forker", "GIT_COMMITTER_EMAIL": "forker@example.org"}
        self.person = person
        git(tmp, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin), env=person)
        git(seed, "init", "--quiet", "--initial-branch=main", env=person)
        git(seed, "add", "-A", env=person)
        git(seed, "commit", "--quiet", "-m", "fork", env=person)
        git(seed, "push", "--quiet", str(self.origin), "main", env=person)

    def checkout(self, cached: bool = True) -> Path:
        """Clone origin shallowly, as actions/checkout does by default, and restore the cached site/ if any."""
        self.runs += 1
        work = self.tmp / f"run{self.runs}"
        git(self.tmp, "clone", "--quiet", "--depth", "1", f"file://{self.origin}", str(work), env=self.env)
        if cached and self.cache.is_dir():
            shutil.copytree(self.cache, work / "site")
        return work

    def run_steps(self, work: Path, day: str, fails: str | None = None) -> dict[str, subprocess.CompletedProcess]:
        """Run the build job's run: steps in order, stopping at the first failure (only step fails may), as a runner would."""
        runner_temp = self.tmp / f"runner{self.runs}"
        runner_temp.mkdir()
        values = {"inputs.date": day, "steps.pages.outputs.base_url": PAGES_URL, "secrets.OPENAI_API_KEY": "",
                  "vars.OPENAI_BASE_URL": "", "vars.OPENAI_MODEL": "", "github.token": "not-a-real-token"}
        base = {**self.env, "RUNNER_TEMP": str(runner_temp), "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md")}
        outputs: dict[str, dict[str, str]] = {}
        steps = DAILY["jobs"]["build"]["steps"]
        assert {s["id"] for s in steps} == SIMULATED | set(RUN), "classify the new step in this test"
        assert all(s["id"] in SIMULATED for s in steps if "uses" in s)
        results = {}
        for step in (s for s in steps if s["id"] in RUN):
            if not step_runs(step, outputs):
                continue
            output_file = runner_temp / f"output-{step['id']}"
            env = {**base, "GITHUB_OUTPUT": str(output_file)}
            for key, value in (step.get("env") or {}).items():
                env[key] = re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: values[m.group(1)], str(value))
            assert "${{" not in step["run"], "expressions go through env:, never into the script"
            results[step["id"]] = result = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=work, env=env, capture_output=True, text=True, timeout=300)
            outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines()
                                       if "=" in line) if output_file.exists() else {}
            if result.returncode and step["id"] == fails:
                break
            assert result.returncode == 0, (step["id"], result.stdout, result.stderr)
        else:   # the job succeeded: actions/cache saves site/ under this run's key
            shutil.rmtree(self.cache, ignore_errors=True)
            shutil.copytree(work / "site", self.cache)
        results["summary"] = (runner_temp / "summary.md").read_text(encoding="utf-8")
        return results

    def log(self) -> list[str]:
        return git(self.origin, "log", "--format=%an <%ae>|%s", "main").splitlines()


def step_runs(step: dict, outputs: dict[str, dict[str, str]]) -> bool:
    """Evaluate a step's `if:` as the runner would, for the one form this workflow uses: steps.ID.outputs.KEY ==/!= 'V'."""
    condition = step.get("if")
    if condition is None:
        return True
    found = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) (==|!=) '([^']*)'", condition.strip())
    assert found, f"step {step['id']}: an if: this test cannot evaluate: {condition!r}"
    value = outputs.get(found[1], {}).get(found[2], "")
    return (value == found[4]) == (found[3] == "==")


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """A fork whose build job has run once, on its first day: no content/ before it."""
    runner = Runner(tmp_path_factory.mktemp("workflow"))
    runner.first = runner.checkout()
    runner.first_out = runner.run_steps(runner.first, "2026-06-16")
    return runner


def test_first_run_commits_content_and_leaves_the_site_artifact(runner):
    assert runner.log()[0] == f"{BOT}|digest 2026-06-16: 42 papers from 11 sources"
    changed = git(runner.origin, "show", "--name-only", "--format=", "main").splitlines()
    assert changed and all(path.startswith("content/") for path in changed), changed
    assert "content/days/2026-06-16.json" in changed and "content/state.json" in changed
    assert str(runner.tmp) not in git(runner.origin, "show", "main:content/state.json")  # no machine paths
    # The artifact upload-pages-artifact would take: site/, with links under the fork's Pages URL.
    site = runner.first / "site"
    assert (site / "index.html").is_file() and (site / "2026-06-16" / "index.html").is_file()
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 42
    assert all(e.link.startswith("http") for e in feed.entries)
    assert f"{PAGES_URL}/sitemap.xml" in (site / "robots.txt").read_text()
    assert not git(runner.first, "ls-files", "site")  # the site is deployed, never committed
    summary = runner.first_out["summary"]
    assert summary.startswith("### fetch 2026-06-16: 42 new papers") and "| PLOS Medicine | ok | 2 | 2 | 0 | 0 | 0 |" in summary
    assert "**Site size:** site/ is " in summary and "of the 1,000 MB limit (site.size_limit_mb)" in summary


def test_a_push_that_races_is_rebased_and_retried_and_a_rerun_commits_nothing(runner):
    # Day 2 races another commit: the push is refused, rebased onto it and retried, never forced.
    work = runner.checkout()
    other = runner.checkout()
    (other / "README.md").write_text("A forker's README.\n", encoding="utf-8")
    git(other, "commit", "--quiet", "-am", "Edit the README", env=runner.person)
    git(other, "push", "--quiet", "origin", "main", env=runner.person)
    out = runner.run_steps(work, "2026-06-17")
    assert "rejected" in out["commit"].stderr  # the first push lost the race
    log = runner.log()
    assert log[:2] == [f"{BOT}|digest 2026-06-17: 41 papers from 11 sources, 3 new versions",
                       "Forker <forker@example.org>|Edit the README"]
    assert git(runner.origin, "rev-list", "--merges", "main") == ""  # rebased, no merge commit
    assert git(runner.origin, "show", "main:README.md") == "A forker's README."

    # A rerun of the same day finds nothing new: no commit at all.
    before = runner.log()
    out = runner.run_steps(runner.checkout(), "2026-06-17")
    assert "content/ is unchanged: nothing to commit" in out["commit"].stdout
    assert runner.log() == before


def test_a_site_past_its_size_limit_commits_content_and_stops_the_job_before_the_deploy(tmp_path):
    # The upload runs only when the build found the site within its limit; the last step then fails the job,
    # and the deploy job needs this one. The day's content/ is committed all the same: nothing fetched is lost.
    steps = DAILY["jobs"]["build"]["steps"]
    assert DAILY["jobs"]["deploy"]["needs"] == "build"
    assert [s["id"] for s in steps if "if" in s] == ["upload", "size"] and steps[-1]["id"] == "size"
    assert "include-hidden-files" not in next(s for s in steps if s["id"] == "upload").get("with", {})
    runner = Runner(tmp_path)   # a fork of its own: this one's commits must not reach the other tests' fork
    work = runner.checkout()
    config = work / "sources.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("\nsite:\n", "\nsite:\n  size_limit_mb: 0.5\n", 1),
                      encoding="utf-8")
    before = runner.log()
    out = runner.run_steps(work, "2026-06-16", fails="size")
    assert list(out) == ["baseline", "build", "verify", "commit", "size", "summary"]
    assert out["build"].returncode == 0 and out["size"].returncode == 1   # the step turned exit code 3 into an output
    assert "over site.size_limit_mb (0.5 MB" in out["build"].stderr
    assert "> [!CAUTION]" in out["summary"]
    log = runner.log()
    assert len(log) == len(before) + 1 and log[0].startswith("github-actions[bot]"), log   # content/ committed
    pushed = git(runner.origin, "show", "--name-only", "--format=", "main").splitlines()
    assert "content/days/2026-06-16.json" in pushed


def test_verify_step_stops_a_shrunken_archive(runner, tmp_path):
    work = runner.checkout()
    temp = tmp_path / "runner-verify"
    shutil.copytree(work / "content", temp / "content-before")
    verify = next(s for s in DAILY["jobs"]["build"]["steps"] if s["id"] == "verify")
    env = {**runner.env, "RUNNER_TEMP": str(temp)}

    def run_verify() -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", verify["run"]],
                              cwd=work, env=env, capture_output=True, text=True)

    assert run_verify().returncode == 0
    assert re.fullmatch(r"digest 2026-06-1[67]: no new papers\n", (temp / "commit-message.txt").read_text())
    # A build that lost a paper, or left a day file it cannot read, is never committed.
    day = work / "content" / "days" / "2026-06-16.json"
    data = json.loads(day.read_text(encoding="utf-8"))
    lost = data["papers"].pop(3)["id"]
    day.write_text(json.dumps(data), encoding="utf-8")
    result = run_verify()
    assert result.returncode == 1
    assert result.stderr.strip().endswith(f"content/days/2026-06-16.json: paper {lost} is gone"), result.stderr
    day.write_text('{"schema": 1, "day": "2026-06-16", "papers": [', encoding="utf-8")
    result = run_verify()
    assert result.returncode == 1 and "unreadable day file" in result.stderr


@pytest.mark.parametrize("name", ["daily.yml", "tests.yml"])
def test_no_expression_inside_a_script(name):
    """Untrusted inputs (the dispatch date) reach scripts only through env:, never spliced into code."""
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step


def test_the_cached_site_only_speeds_the_render_up(runner, tmp_path):
    # The cache is keyed by run, restored by prefix: whatever site/ it holds, the fingerprints decide what is
    # kept, so a run that starts from it deploys the same site as one that renders it whole.
    cache = next(s for s in DAILY["jobs"]["build"]["steps"] if s["id"] == "site-cache")
    assert cache["with"] == {"path": "site", "key": "site-${{ github.run_id }}", "restore-keys": "site-"}
    ids = [s["id"] for s in DAILY["jobs"]["build"]["steps"]]
    assert ids.index("site-cache") < ids.index("build")
    assert (runner.cache / ".academichub-manifest").is_file()   # the last job's site/, manifest and all
    cached = runner.checkout()
    out = runner.run_steps(cached, "2026-06-17")
    whole = runner.checkout(cached=False)
    assert not (whole / "site").exists()
    full = runner.run_steps(whole, "2026-06-17")

    def written(result: subprocess.CompletedProcess) -> int:
        return int(re.search(r"(\d+) files written", result.stdout)[1])

    assert written(out["build"]) < written(full["build"]) / 4, (out["build"].stdout, full["build"].stdout)

    def tree(site: Path) -> dict[str, bytes]:
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")   # the render's bookkeeping aside
                if p.is_file() and not any(part.startswith(".academichub") for part in p.relative_to(site).parts)}

    assert tree(cached / "site") == tree(whole / "site")
