"""Reports: JUnit (schema-valid), GitHub annotations and summary, HTML (looked at in Chromium), shards, merge, workflows."""

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from conftest import ROOT, run_cli
from runner.cli.main import build_parser
from runner.report.github import annotations, emit_github, summary_markdown
from runner.report.html import render_html, write_html
from runner.report.junit import junit_tree
from runner.job.verdict import readable
from runner.results import JobResult, Miss
from runner.source.shards import parse_shard, shard
from runner.errors import InputError


def sample_results() -> list[JobResult]:
    passed = JobResult("state_management/python/sdk", "state_management", "python", "sdk", "passed",
                       duration_s=3.5, expected=2, matched=2,
                       transcript=["== APP == one", "noise", "== APP == two"],
                       hits=[{"expected": "== APP == one", "expected_line": 1, "output_line": 1},
                             {"expected": "== APP == two", "expected_line": 2, "output_line": 3}])
    failed = JobResult("state_management/go/sdk", "state_management", "go", "sdk", "failed",
                       reason="line 2: expected `== APP == Saving Order: 2`; closest output line 2 (90% alike)",
                       duration_s=6.0, expected=2, matched=1,
                       misses=["line 2: expected `== APP == Saving Order: 2`; closest output line 2 (90% alike)"],
                       miss_details=[Miss.from_record({"expected": "== APP == Saving Order: 2", "line": 2, "order_note": None,
                                      "closest": [{"output_line": 2, "text": "== APP == Saved Order: 2", "similarity": 0.9}]})],
                       failure_file="/ws/expected/state_management/go-sdk.txt", failure_line=2,
                       transcript=["== APP == Saving Order: 1", "== APP == Saved Order: 2 <b>&"],
                       hits=[{"expected": "== APP == Saving Order: 1", "expected_line": 1, "output_line": 1}])
    skipped = JobResult("state_management/csharp/sdk", "state_management", "csharp", "sdk", "skipped",
                        reason="dotnet: not found")
    flaky = JobResult("pub_sub/go/http", "pub_sub", "go", "http", "flaky",
                      reason="passed on attempt 2 of 2; attempt 1 failed: timed out",
                      duration_s=9.0, expected=1, matched=1, transcript=["== APP == Published data: 1"],
                      hits=[{"expected": "== APP == Published data: 1", "expected_line": 1, "output_line": 1}])
    return [passed, failed, skipped, flaky]


def test_junit_is_schema_valid_with_one_case_per_job():
    from lxml import etree

    tree = junit_tree(sample_results())
    xml = etree.fromstring(__import__("xml.etree.ElementTree", fromlist=["x"]).tostring(tree.getroot()))
    schema = etree.XMLSchema(etree.parse(str(ROOT / "tests/data/junit.xsd")))
    assert schema.validate(xml), schema.error_log
    cases = xml.findall(".//testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("state_management", "python-sdk"), ("state_management", "go-sdk"), ("state_management", "csharp-sdk"),
        ("pub_sub", "go-http")]
    assert cases[1].find("failure").get("message").startswith("line 2: expected `== APP == Saving Order: 2`")
    assert cases[2].find("skipped").get("message") == "dotnet: not found"
    assert "== APP == two" in cases[0].find("system-out").text
    assert xml.get("tests") == "4" and xml.get("failures") == "1" and xml.get("skipped") == "1"


def test_github_annotations_point_at_the_failing_expectation():
    line, flaky = annotations(sample_results(), workspace=Path("/ws"))
    assert flaky.startswith("::warning title=pub_sub/go/http%3A flaky::passed on attempt 2 of 2")
    assert line.startswith("::error file=expected/state_management/go-sdk.txt,line=2,title=state_management/go/sdk%3A failed::")
    assert line.endswith("line 2: expected `== APP == Saving Order: 2`; closest output line 2 (90%25 alike)")  # % escaped


def test_github_summary_and_groups(tmp_path):
    summary = tmp_path / "summary.md"
    out = io.StringIO()
    emit_github(sample_results(), out, {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": "/ws"})
    text = out.getvalue()
    assert text.count("::group::") == 4 and text.count("::endgroup::") == 4
    table = summary.read_text()
    assert table.startswith("### quickstart-runner: 1 passed, 1 failed, 1 skipped, 1 flaky")
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == 4 and "dotnet: not found" in rows[2] and "\u274c failed" in rows[1]
    assert summary_markdown(sample_results()) in table


def test_html_grid_cards_and_escaped_output():
    html = render_html(sample_results(), {"repo": "r"})
    # The grid: one linked cell per job, coloured by its verdict.
    for anchor, status in [("state_management-python-sdk", "passed"), ("state_management-go-sdk", "failed"),
                           ("state_management-csharp-sdk", "skipped"), ("pub_sub-go-http", "flaky")]:
        assert re.search(rf'<td class="{status}"><a href="#job-{anchor}"', html), anchor
        assert f'id="job-{anchor}"' in html
    # A pass shows the lines that met its expectations; a failure opens at its closest line.
    assert 'id="job-state_management-python-sdk-L3" class="hit"' in html
    assert 'href="#job-state_management-go-sdk-L2"' in html and 'id="job-state_management-go-sdk-L2"' in html
    assert "Saved Order: 2 &lt;b&gt;&amp;" in html and "<b>&" not in html
    assert "<del>" in html and "<ins>" in html  # the closest-line diff
    assert "at /ws/expected/state_management/go-sdk.txt:2" in html
    assert "1 passed" in html and "1 failed" in html and "1 skipped" in html and "1 flaky" in html



def test_html_header_says_the_run_record_in_words():
    html = render_html(sample_results(), {"daprd_source": {"origin": "installed", "where": "~/.dapr/bin", "passed_over": []},
                                          "argv": ["--repo", "."]})
    assert "daprd_source: origin installed, where ~/.dapr/bin" in html
    assert "argv: --repo ." in html and "{&#39;" not in html and "[&#39;" not in html


def test_html_of_a_big_run_is_small_without_escapes_and_keeps_transcripts_beside_it(tmp_path):
    maven = "\x1b[1;31mERROR\x1b[m] Failed to execute goal: io.dapr:dapr-sdk:jar:1.17.0 was not found"
    results = []
    for n in range(64):
        transcript = [f"[\x1b[1;34mINFO\x1b[m] line {i} " + "x" * 150 for i in range(600)]
        failed = n % 4 == 0
        if failed:
            transcript[300] = "[" + maven
            transcript[400] = 'time="t" level=error msg="error initializing component statestore"'
        results.append(readable(JobResult(f"bb{n // 8}/go/v{n % 8}", f"bb{n // 8}", "go", f"v{n % 8}",
                                 "failed" if failed else "passed", reason="x" if failed else "",
                                 transcript=transcript,
                                 miss_details=[Miss.from_record({"expected": "== APP == line 10", "line": 4,
                                                                 "order_note": None,
                                                                 "closest": [{"output_line": 11, "text": transcript[10],
                                                                              "similarity": 0.8}]})] if failed else [],
                                 hits=[] if failed else [{"expected": "e", "expected_line": 1, "output_line": 5}]),
                                 None))  # as every result is made: readable, once
    page = tmp_path / "report.html"
    write_html(results, page, {})
    html = page.read_text()
    assert len(html.encode()) / len(results) < 15_000, len(html)
    assert "\x1b" not in html and "[1;34m" not in html
    card = html.split('id="job-bb0-go-v0"', 1)[1].split("</section>", 1)[0]
    # The failed card shows the closest line with context, Maven's error, daprd's error and the tail.
    for number in (9, 11, 13, 301, 401, 600):
        assert f'id="job-bb0-go-v0-L{number}"' in card, number
    assert 'id="job-bb0-go-v0-L200"' not in card
    full = tmp_path / "report-transcripts" / "job-bb0-go-v0.txt"
    assert full.read_text().count("\n") == 600 and "\x1b" not in full.read_text()
    assert 'href="report-transcripts/job-bb0-go-v0.txt"' in card


def test_html_screenshot_shows_the_verdicts(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium: not found")
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text(render_html(sample_results(), {"repo": "r"}))
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1000", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120)
    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    count = {rgb: n for n, rgb in colours}
    # The summary bar, grid and badges: GitHub's green (passed), red (failed), grey (skipped), amber (flaky).
    assert count.get((0x1A, 0x7F, 0x37), 0) > 500
    assert count.get((0xCF, 0x22, 0x2E), 0) > 500
    assert count.get((0x8C, 0x95, 0x9F), 0) > 500
    assert count.get((0xBF, 0x87, 0x00), 0) > 500
    # The grid sits at the top: its cells' colours are within the first 400 pixel rows.
    top = image.crop((0, 0, image.width, 400)).getcolors(maxcolors=1 << 20)
    assert {rgb for n, rgb in top if n > 100} >= {(0x1A, 0x7F, 0x37), (0xCF, 0x22, 0x2E), (0xBF, 0x87, 0x00)}


@given(st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=40), st.integers(1, 12))
def test_shards_cover_the_selection_exactly_once(items, total):
    parts = [shard(items, index, total) for index in range(1, total + 1)]
    flat = [item for part in parts for item in part]
    assert sorted(flat) == sorted(items) and len(flat) == len(set(flat))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


@pytest.mark.parametrize("bad", ["0/3", "4/3", "a/b", "3", "1/0"])
def test_bad_shard(bad):
    with pytest.raises(InputError):
        parse_shard(bad)


def test_matrix_and_shards_from_the_cli():
    matrix = json.loads(run_cli("matrix", "--shards", "2").stdout)
    shards = [entry["shard"] for entry in matrix["include"]]
    assert shards == ["1/2", "2/2"]
    names = " ".join(entry["quickstarts"] for entry in matrix["include"]).split()
    assert sorted(names) == sorted(set(names)) and len(names) == 5


def test_merge_shards_into_one_report(tmp_path):
    results = sample_results()
    for index, chunk in enumerate((results[:1], results[1:]), start=1):
        (tmp_path / f"r{index}.json").write_text(json.dumps({"schema": 1, "run": {}, "jobs": [r.record() for r in chunk]}))
    result = run_cli("report", "merge", str(tmp_path / "r1.json"), str(tmp_path / "r2.json"),
                     "--junit", str(tmp_path / "all.xml"), "--html", str(tmp_path / "all.html"))
    assert result.returncode == 1  # a failure in one shard fails the merged run
    assert (tmp_path / "all.xml").read_text().count("<testcase") == 4
    assert "1 passed, 1 failed, 1 skipped, 1 flaky" in result.stdout
    (tmp_path / "bad.json").write_text("{")
    bad = run_cli("report", "merge", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and f"{tmp_path / 'bad.json'}: not a quickstart-runner --json file" in bad.stderr


EXPRESSION_VALUES = {"matrix.shard": "1/4", "matrix.quickstarts": "pub_sub/go/sdk tutorials/hello-world",
                     "inputs.languages": "python,go", "inputs.building-blocks": "", "inputs.shards": "4",
                     "strategy.job-index": "0", "inputs.pages": "docs/quickstarts docs/x.md",
                     "inputs.quickstarts-repo": "https://github.com/dapr/quickstarts", "inputs.quickstarts-ref": "master",
                     "inputs.docs-repo": "https://github.com/dapr/docs", "inputs.docs-ref": "v1.15",
                     "inputs.dapr-version": "1.17.0", "inputs.runner-package": "quickstart-runner",
                     "github.event.pull_request.base.sha": "0123abc"}
# Stands in for the CLI inside the workflows' scripts: records each call, prints a matrix for `matrix`.
RECORDER = """quickstart-runner() {
  printf '%s\\0' "$@" >> "$CALLS"; printf '\\n' >> "$CALLS"
  if [ "$1" = matrix ]; then echo '{"include": [{"shard": "1/1", "quickstarts": "pub_sub/go/sdk"}]}'; fi
}
pip() { :; }
"""


def _expand(text: str, values: dict) -> str:
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values[m.group(1)], str(text))


def runner_calls(workflow: Path, event: str, tmp_path: Path) -> list[list[str]]:
    """Every quickstart-runner call the workflow's scripts make on `event`, as argv, by running each
    script in bash with the step's env (expressions given values) and the CLI recorded."""
    values = {**EXPRESSION_VALUES, "github.event_name": event,
              "github.event_name == 'pull_request' && 1 || inputs.shards": "1" if event == "pull_request" else "4",
              "inputs.side": "docs"}
    calls = tmp_path / "calls"
    calls.write_text("")
    for job in yaml.safe_load(workflow.read_text())["jobs"].values():
        for step in job["steps"]:
            if "quickstart-runner " not in step.get("run", ""):
                continue  # installs and the like: not run here
            env = {"PATH": "/usr/bin:/bin", "CALLS": str(calls), "GITHUB_OUTPUT": str(tmp_path / "out"),
                   "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}
            env.update({name: _expand(value, values) for name, value in (step.get("env") or {}).items()})
            script = RECORDER + _expand(step["run"], values)
            done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"{workflow.name}: {step.get('name', step['run'][:40])}: {done.stderr}"
    return [line.split("\0")[:-1] for line in calls.read_text().split("\n") if line]


@pytest.mark.parametrize("event", ["pull_request", "push"])
@pytest.mark.parametrize("workflow", sorted((ROOT / ".github/workflows").glob("*.yml")), ids=lambda p: p.name)
def test_workflows_call_real_commands_and_run_changed_selections_on_pull_requests(workflow, event, tmp_path):
    data = yaml.safe_load(workflow.read_text())
    assert data["jobs"] and (True in data or "on" in data)  # YAML 1.1 reads `on:` as true
    if workflow.name == "ci.yml":
        assert any("bash .ci/run" in step.get("run", "") for job in data["jobs"].values() for step in job["steps"])
        return
    calls = runner_calls(workflow, event, tmp_path)
    for argv in calls:
        build_parser().parse_args(argv)  # exits on a flag the CLI does not have
    used = {argv[0] for argv in calls}
    changed = [argv for argv in calls if any(flag in argv for flag in ("--changed", "--quickstarts-changed"))]
    if event == "pull_request":
        assert changed and all("0123abc...HEAD" in argv for argv in changed)
    else:
        assert not changed
    if workflow.name == "docs.yml":
        assert used >= {"docs"} and any("--repo" in argv and "https://github.com/dapr/quickstarts" in argv for argv in calls)
    else:
        assert used >= {"matrix", "validate", "report"}
        validate = next(argv for argv in calls if argv[0] == "validate")
        assert validate[1:4] == ["--repo", ".", "pub_sub/go/sdk"]  # the shard's quickstarts, by name
