"""The docs drift checker: planted drifts of each kind are found, a correct page is clean."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import QUICKSTARTS, ROOT, SEED_PAGE, run_cli
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.docs.check import check_page
from runner.formats.docspage import load_page, parse_page
from runner.errors import InputError

GOOD = ROOT / "tests/data/docs/state_good.md"


def planted(tmp_path: Path, old: str, new: str) -> Path:
    text = GOOD.read_text()
    assert old in text
    page = tmp_path / "page.md"
    page.write_text(text.replace(old, new, 1))
    return page


def static_findings(page: Path) -> list[tuple[str, str, str]]:
    return [(r.tab, f.kind, f.message) for r in check_page(load_page(page), QUICKSTARTS, None) for f in r.findings]


def test_parse_dapr_run():
    run = parse_dapr_run("dapr run --app-id order-processor --components-path ../c -p 6001 -- python3 app.py --x")
    assert (run.app_id, run.resources_paths, run.app_port) == ("order-processor", ["../c"], 6001)
    assert run.command == ["python3", "app.py", "--x"] and run.deprecated == ["--components-path"]
    assert parse_dapr_run("dapr run -f .").run_file == "."
    with pytest.raises(DaprRunError):
        parse_dapr_run("dapr run --app-port web -- x")


def test_page_tabs_and_their_parts():
    page = load_page(GOOD)
    assert [t.name for t in page.tabs] == ["Python", "Go", "JavaScript"]
    py = page.tabs[0]
    assert py.cd.text == "state_management/python/sdk/order-processor"
    assert [c.text for c in py.installs] == ["pip3 install -r requirements.txt"]
    assert py.dapr_run.text.startswith("dapr run --app-id order-processor")
    assert py.output.lines[0].startswith("== APP == INFO:root:Saving Order")
    assert [f.text for f in page.tabs[2].verify_files] == ["package.json", "package-lock.json"]


def test_correct_page_has_no_static_drift():
    assert static_findings(GOOD) == []


@pytest.mark.parametrize("old, new, tab, words", [
    ("cd state_management/python/sdk/order-processor", "cd state_management/python/sdk/order-processer",
     "Python", "no such folder"),
    ("cd state_management/go/sdk/order-processor", "cd pub_sub/go/sdk/order-processor",
     "Go", "in building block pub_sub, but the page is about state_management"),
    ("cd state_management/python/sdk/order-processor", "cd state_management/go/sdk/order-processor",
     "Python", "is the go quickstart, but the tab is Python (python)"),
    ("--resources-path ../../../resources -- go run", "--resources-path ../../../components -- go run",
     "Go", "resources path `../../../components` does not exist"),
    ("- `package-lock.json`", "- `yarn.lock`", "JavaScript", "verify `yarn.lock`"),
    ("dapr run --app-id order-processor --resources-path ../../../resources/ -- python3 app.py\n", "\n",
     "Python", "no `dapr run` command"),
])
def test_planted_static_drift_is_found(tmp_path, old, new, tab, words):
    findings = static_findings(planted(tmp_path, old, new))
    assert any(t == tab and kind == "static" and words in message for t, kind, message in findings), findings


def test_deprecated_flag_is_a_warning_not_drift(tmp_path):
    page = planted(tmp_path, "--resources-path ../../../resources -- go run", "--components-path ../../../resources -- go run")
    (go,) = [r for r in check_page(load_page(page), QUICKSTARTS, None) if r.tab == "Go"]
    assert [f.kind for f in go.findings] == ["warning"] and go.status == "ok"


def test_copied_output_block_is_found(tmp_path):
    text = GOOD.read_text()
    page = load_page(GOOD)
    py_block = "".join(page.lines[page.tabs[0].output.fence_line: page.tabs[0].output.fence_line + len(page.tabs[0].output.lines)])
    go = page.tabs[1].output
    go_block = "".join(page.lines[go.fence_line: go.fence_line + len(go.lines)])
    path = tmp_path / "page.md"
    path.write_text(text.replace(go_block, py_block))
    assert ("Go", "static", f"the output block is the Python tab's output (line {page.tabs[0].output.fence_line}), not Go's") \
        in static_findings(path)


@pytest.mark.parametrize("text, line, words", [
    ("{{< tabs \"A\" \"B\" >}}\n{{% codetab %}}\n{{% /codetab %}}\n", 1, "names 2 tabs but the page has 1"),
    ("{{% codetab %}}\n", 1, "never closed"),
    ("{{% /codetab %}}\n", 1, "without a {{% codetab %}}"),
    ("# plain page\n", 1, "not a tabbed docs page"),
    ("{{% codetab %}}\n```bash\ncd x\n{{% /codetab %}}\n", 2, "code block is never closed"),
])
def test_unreadable_pages(text, line, words):
    with pytest.raises(InputError) as err:
        parse_page(text, Path("page.md"))
    assert str(err.value).startswith(f"page.md:{line}: ") and words in str(err.value)


def test_unreadable_page_exits_2(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("{{% codetab %}}\n")
    result = run_cli("docs", "check", str(page), "--static-only")
    assert result.returncode == 2 and result.stderr.strip() == f"quickstart-runner: {page}:1: {{{{% codetab %}}}} is never closed with {{{{% /codetab %}}}}"


@pytest.mark.e2e
def test_correct_page_runs_clean(tmp_path, daprd_path):
    out = tmp_path / "report.json"
    result = run_cli("docs", "check", str(GOOD), "--lang", "python,go", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    tabs = json.loads(out.read_text())["tabs"]
    assert [(t["tab"], t["status"], t["dynamic"]) for t in tabs] == [("Python", "ok", "matched"), ("Go", "ok", "matched")]


@pytest.mark.e2e
def test_dynamic_drift_then_write_then_clean(tmp_path, daprd_path):
    page = planted(tmp_path, "== APP == INFO:root:Result after get: b\"{'orderId': '1'}\"",
                   "== APP == INFO:root:Result after get: {'orderId': 1}")
    before = page.read_bytes()
    result = run_cli("docs", "check", str(page), "--lang", "python")
    assert result.returncode == 1
    assert "dynamic: the page shows `== APP == INFO:root:Result after get: {'orderId': 1}` where the app prints " \
           "`== APP == INFO:root:Result after get: b\"{'orderId': '1'}\"`" in result.stdout
    assert run_cli("docs", "check", str(page), "--lang", "python", "--write").returncode == 1
    after = page.read_bytes()
    assert after == GOOD.read_bytes()  # only the drifted output block changed, back to reality
    assert before != after
    assert run_cli("docs", "check", str(page), "--lang", "python").returncode == 0


@pytest.mark.e2e
@pytest.mark.skipif(not SEED_PAGE.exists(), reason="../shared/seed is not here")
def test_seed_page_drifts_are_found(tmp_path, daprd_path):
    if shutil.which("mvn") is None:
        pytest.skip("mvn: not found")
    out = tmp_path / "seed.json"
    result = run_cli("docs", "check", str(SEED_PAGE), "--lang", "java,csharp", "--json", str(out))
    assert result.returncode == 1
    tabs = {t["tab"]: t for t in json.loads(out.read_text())["tabs"]}
    net = [f["message"] for f in tabs[".NET"]["findings"]]
    assert any("pub_sub" in m and "the page is about state_management" in m for m in net)
    java = [f["message"] for f in tabs["Java"]["findings"]]
    assert any("the Python tab's output" in m for m in java)
    assert tabs["Java"]["dynamic"] == "drift"
    assert any("where the app prints `== APP == INFO Saving Order: 1`" in m for m in java)
    assert any("resources path `../../../components` does not exist" in m and "resources/" in m for m in java)
