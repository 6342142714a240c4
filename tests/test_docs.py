"""The docs drift checker: planted drifts of each kind are found, a correct page is clean."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import QUICKSTARTS, ROOT, SEED_PAGE, SNAPSHOT, run_cli
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.docs.static import page_reports
from runner.formats.docspage import app_lines, load_page, parse_page
from runner.errors import InputError

GOOD = ROOT / "tests/data/docs/state_good.md"
SHAPES = ROOT / "tests/data/docs/pubsub_tabpane.md"
DOCS_PAGES = ROOT.parent / "shared" / "docs-pages"


def planted(tmp_path: Path, old: str, new: str) -> Path:
    text = GOOD.read_text()
    assert old in text
    page = tmp_path / "page.md"
    page.write_text(text.replace(old, new, 1))
    return page


def static_findings(page: Path, root: Path = QUICKSTARTS) -> list[tuple[str, str, str]]:
    return [(r.tab, f.kind, f.message) for _, r in page_reports(load_page(page), root) for f in r.findings]


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
    (run,) = page.tabs[0].runs
    assert run.cd.text == "state_management/python/sdk/order-processor" and run.folder == run.cd.text
    assert [(c.text, c.folder) for c in run.installs] == [("pip3 install -r requirements.txt", run.folder)]
    assert run.dapr_run.text.startswith("dapr run --app-id order-processor")
    assert run.outputs[0].lines[0].startswith("== APP == INFO:root:Saving Order")
    assert [f.text for f in page.tabs[2].verify_files] == ["package.json", "package-lock.json"]


def test_every_shape_of_tabs_is_read():
    page = load_page(SHAPES)
    multi, single = page.tabs
    # tabpane (name in the tab's shortcode), closed by `{{% /tabpane %}}`; a second group of tabs/codetab.
    assert (multi.name, multi.group, single.name, single.group) == (
        "Python", "Run using Multi-App Run", "Python", "Run one application at a time")
    (run,) = multi.runs
    assert run.multi_app and run.folder == "pub_sub/python/http"
    assert [(c.text, c.folder) for c in run.installs] == [("pip3 install -r requirements.txt", "pub_sub/python/http/checkout"),
                                                          ("pip3 install -r requirements.txt", "pub_sub/python/http/order-processor")]
    assert app_lines(run.outputs[0])[0] == ('== APP - checkout-http == Published data: {"orderId": 1}', 39)
    # Two terminals: the subscriber, then the publisher; both output blocks follow the publisher.
    subscriber, publisher = single.runs
    assert (subscriber.folder, publisher.folder) == ("pub_sub/python/http/order-processor", "pub_sub/python/http/checkout")
    assert [len(r.outputs) for r in single.runs] == [0, 2]
    # The nested OS tabs belong to the Python tab; the Windows one is kept apart, never run.
    assert [b.lang for b in single.elsewhere] == ["powershell"]
    assert [cd.text for cd in single.cds] == ["pub_sub/python/http/order-processor", "pub_sub/python/http/checkout"]


@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
def test_every_shape_is_clean_statically_and_another_os_is_checked(tmp_path, snapshot_tree):
    assert [f for f in static_findings(SHAPES, snapshot_tree) if f[1] != "warning"] == []
    page = tmp_path / "page.md"
    page.write_text(SHAPES.read_text().replace("cd pub_sub\\python\\http\\checkout", "cd pub_sub\\python\\http\\chekout"))
    assert ("Python", "static", "`cd pub_sub\\python\\http\\chekout`: no such folder in the checkout") in \
        static_findings(page, snapshot_tree)


@pytest.mark.skipif(not DOCS_PAGES.is_dir(), reason=f"no docs pages at {DOCS_PAGES}")
@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
def test_every_shared_docs_page_is_read_and_checked_statically(tmp_path):
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(DOCS_PAGES), "--repo", str(SNAPSHOT), "--ref", "v1.17.0", "--static-only",
                     "--json", str(out))
    assert result.returncode == 1, result.stderr  # those pages drifted for real; none is refused
    tabs = json.loads(out.read_text())["tabs"]
    assert len({t["page"] for t in tabs}) == 12 and len(tabs) == 65
    nested = [t for t in tabs if t["page"] == "resiliency-serviceinvo-quickstart.md"]
    assert len(nested) == 5  # its OS tabs are part of the language tabs, not tabs of their own
    moved = [f for t in tabs for f in t["findings"] if f["fix"] and "`cd ./javascript/sdk`" in f["message"]]
    assert moved and moved[0]["fix"] == ["./javascript/sdk", ".."]
    assert "PAGE" in result.stdout and "pubsub-quickstart.md" in result.stdout


def test_correct_page_has_no_static_drift():
    assert static_findings(GOOD) == []


@pytest.mark.parametrize("old, new, tab, words", [
    ("cd state_management/python/sdk/order-processor", "cd state_management/python/sdk/order-processer",
     "Python", "no such folder"),
    ("cd state_management/go/sdk/order-processor", "cd pub_sub/go/sdk/order-processor",
     "Go", "in building block pub_sub, but the page is about state_management"),
    ("cd state_management/python/sdk/order-processor", "cd state_management/go/sdk/order-processor",
     "Python", "the go quickstart, but the tab is Python (python)"),
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
    (go,) = [r for _, r in page_reports(load_page(page), QUICKSTARTS) if r.tab == "Go"]
    assert [f.kind for f in go.findings] == ["warning"] and go.status == "not run"  # --static-only


def test_copied_output_block_is_a_warning_until_a_run_tells(tmp_path):
    text = GOOD.read_text()
    page = load_page(GOOD)
    py, go = page.tabs[0].outputs[0], page.tabs[1].outputs[0]
    py_block = "".join(page.lines[py.fence_line: py.fence_line + len(py.lines)])
    go_block = "".join(page.lines[go.fence_line: go.fence_line + len(go.lines)])
    path = tmp_path / "page.md"
    path.write_text(text.replace(go_block, py_block))
    (finding,) = [f for f in static_findings(path) if f[0] == "Go"]  # the sources say whose block it is
    assert finding[1] == "warning" and finding[2].startswith(
        f"the output block is the Python tab's output (line {py.fence_line}), not Go's: Go's app sources name ")
    assert not [f for f in static_findings(path) if f[0] == "Python"]  # the original is not pointed at


@pytest.mark.parametrize("text, line, words", [
    ("{{< tabs \"A\" \"B\" >}}\n{{% codetab %}}\n{{% /codetab %}}\n", 1, "this tab group is never closed"),
    ("{{% codetab %}}\n", 1, "this tab is never closed"),
    ("{{% /codetab %}}\n", 1, "without a tab opened before it"),
    ("{{< tabpane >}}\n{{% tab \"Go\" %}}\n{{< /tabpane >}}\n", 3, "while the tab from line 2 is still open"),
    ("{{< tabs Go >}}\n{{% codetab %}}\n{{% codetab %}}\n", 3, "opened while the tab from line 2 is still open"),
    ("{{< /tabs >}}\n", 1, "without a tab group before it"),
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
    assert result.returncode == 2 and result.stderr.strip() == f"quickstart-runner: {page}:1: this tab is never closed"


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
           "`INFO:root:Result after get: b\"{'orderId': '1'}\"` (" in result.stdout
    assert run_cli("docs", "check", str(page), "--lang", "python", "--write").returncode == 1
    after = page.read_bytes()
    assert after == GOOD.read_bytes()  # only the drifted output block changed, back to reality
    assert before != after
    assert run_cli("docs", "check", str(page), "--lang", "python").returncode == 0


@pytest.mark.e2e
def test_one_word_changed_in_what_the_app_prints_fails_its_readme_and_its_docs_tab(tmp_path, daprd_path, no_leftovers):
    """The same planted change (the app logs `Storing Order` where both pages show `Saving Order`)
    is drift on the docs page's tab and on the quickstart's README, each naming the word."""
    tree = tmp_path / "tree"
    shutil.copytree(QUICKSTARTS, tree, ignore=shutil.ignore_patterns("node_modules", "bin", "obj", "target"))
    app = tree / "state_management/python/sdk/order-processor/app.py"
    app.write_text(app.read_text().replace("'Saving Order: %s'", "'Storing Order: %s'"))
    readme = tree / "state_management/python/sdk/README.md"
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(GOOD), str(readme), "--repo", str(tree), "--lang", "python", "--json", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    tabs = {tab["tab"]: tab for tab in json.loads(out.read_text())["tabs"]}
    for name in ("Python", "README"):
        assert tabs[name]["status"] == "drift", (name, tabs[name]["why"])
        words = [f["message"] for f in tabs[name]["findings"] if f["kind"] == "dynamic"]
        assert any("Saving Order" in m and "(`Saving` expected, `Storing` printed)" in m for m in words), (name, words)


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
    assert any("where the app prints `INFO Saving Order: 1`" in m for m in java)
    assert any("resources path `../../../components` does not exist" in m and "resources/" in m for m in java)


@pytest.mark.e2e
@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
def test_a_multi_app_tab_and_a_two_terminal_tab_run(tmp_path, daprd_path, no_leftovers):
    page = tmp_path / "page.md"
    page.write_text(SHAPES.read_text().replace("== APP == Subscriber received : 2", "== APP == Subscriber received: 2"))
    drift_line = page.read_text().splitlines().index("== APP == Subscriber received: 2") + 1
    out, html = tmp_path / "r.json", tmp_path / "r.html"
    result = run_cli("docs", "check", str(page), "--repo", str(SNAPSHOT), "--ref", "v1.17.0", "--json", str(out),
                     "--html", str(html), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1, result.stdout + result.stderr
    tabs = json.loads(out.read_text())["tabs"]
    assert [(t["group"], t["status"], t["dynamic"]) for t in tabs] == [
        ("Run using Multi-App Run", "ok", "matched"), ("Run one application at a time", "drift", "drift")]
    (finding,) = tabs[1]["findings"]
    assert (finding["line"], finding["message"]) == (
        drift_line, "the page shows `== APP == Subscriber received: 2` where the app prints `Subscriber received : 2` "
                    "(they differ only in spacing)")
    assert f"::error file={page},line={drift_line},title=page.md/Python/2%3A failed::the page shows" in result.stdout
    assert 'href="#job-page-md-Python-2"' in html.read_text()  # the grid links each tab to its card


@pytest.mark.e2e
@pytest.mark.skipif(not DOCS_PAGES.is_dir(), reason=f"no docs pages at {DOCS_PAGES}")
@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
def test_a_tab_that_needs_postgresql_runs_with_one_of_its_own(tmp_path, daprd_path, no_leftovers):
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(DOCS_PAGES / "bindings-quickstart.md"), "--repo", str(SNAPSHOT),
                     "--ref", "v1.17.0", "--lang", "python", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    (tab,) = json.loads(out.read_text())["tabs"]
    assert (tab["tab"], tab["status"], tab["dynamic"]) == ("Python", "ok", "matched")


def test_write_applies_the_certain_path_fixes_and_nothing_else(tmp_path):
    page = planted(tmp_path, "--resources-path ../../../resources/ -- python3 app.py",
                   "--resources-path ../../../components/ -- python3 app.py")
    page.write_text(page.read_text().replace("cd state_management/go/sdk/order-processor", "cd state_management/go/order-processor"))
    result = run_cli("docs", "check", str(page), "--static-only", "--write")
    assert result.returncode == 1, result.stderr
    assert "fix: `../../../components/` -> `../../../resources/`" in result.stdout
    assert "fix: `state_management/go/order-processor` -> `state_management/go/sdk/order-processor`" in result.stdout
    assert page.read_bytes() == GOOD.read_bytes()
    assert run_cli("docs", "check", str(page), "--static-only").returncode == 0


def page_of(tmp_path: Path, body: str, tab: str = "Python") -> Path:
    """A one-tab page of our own around `body` (Markdown, fences written with '~~~')."""
    page = tmp_path / "page.md"
    page.write_text(f'---\ntitle: "a page of our own"\n---\n\n{{{{< tabs "{tab}" >}}}}\n{{{{% codetab %}}}}\n\n'
                    + body.replace("~~~", "```") + "\n{{% /codetab %}}\n{{< /tabs >}}\n")
    return page


@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
@pytest.mark.parametrize("run, words", [
    ("cd jobs/go/sdk\n~~~\n\n~~~bash\ndapr run --app-id job-service --app-port 6200 -- go run .",
     "`go run .` in jobs/go/sdk: there is no Go package there"),
    ("cd state_management/python/sdk/order-processor\n~~~\n\n~~~bash\n"
     "dapr run --app-id order-processor --resources-path ../../../resources/ -- python3 main.py",
     "`python3 main.py` in state_management/python/sdk/order-processor: there is no main.py there"),
    ("cd state_management/python/sdk/order-processor\n~~~\n\n~~~bash\n"
     "dapr run --app-id order-processor --resources-path ../../../resources/ -- python3",
     "`python3` is given no script to run"),
], ids=["go run without a package", "a script that is not there", "no script at all"])
def test_a_runs_command_is_checked_against_its_folder(tmp_path, snapshot_tree, run, words):
    page = page_of(tmp_path, f"~~~bash\n{run}\n~~~\n\n~~~\n== APP == something\n~~~\n",
                   "Go" if "go run" in run else "Python")
    findings = static_findings(page, snapshot_tree)
    assert any(kind == "static" and words in message for _, kind, message in findings), findings


@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
def test_output_labels_are_checked_against_the_templates_app_ids_and_fixed(tmp_path, snapshot_tree):
    page = page_of(tmp_path, "~~~bash\ncd pub_sub/python/sdk\n~~~\n\n~~~bash\ndapr run -f .\n~~~\n\n~~~\n"
                   "== APP - checkout-sdk == Published data: {\"orderId\": 1}\n"
                   "== APP - order-processor == Subscriber received: {\"orderId\": 1}\n"
                   "== APP - order-processor == Subscriber received: {\"orderId\": 2}\n~~~\n")
    reports = page_reports(load_page(page), snapshot_tree)
    (finding,) = [f for _, r in reports for f in r.findings]
    assert finding.message == ("the output shows app `order-processor`, which dapr.yaml does not run (it runs "
                               "order-processor-sdk, checkout-sdk)")
    assert finding.fix == ("== APP - order-processor ==", "== APP - order-processor-sdk ==")
    from runner.docs.rewrite import rewrite

    text = rewrite(load_page(page), reports)[0]
    assert text.count("== APP - order-processor-sdk == Subscriber received") == 2
    assert text.replace("order-processor-sdk", "order-processor") == page.read_text()  # nothing else changed


@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
def test_dapr_stop_f_is_checked_and_fixed_with_its_run(tmp_path, snapshot_tree):
    page = page_of(tmp_path, "~~~bash\ncd service_invocation/python/http/order-processor\n~~~\n\n"
                   "~~~bash\ndapr run -f .\n~~~\n\n~~~\n== APP == x\n~~~\n\nTo stop:\n\n~~~bash\ndapr stop -f .\n~~~\n")
    reports = page_reports(load_page(page), snapshot_tree)
    findings = [f for _, r in reports for f in r.findings]
    assert sorted((f.message.split(":")[0], f.fix) for f in findings) == [
        ("`dapr run -f .`", ("-f .", "-f ..")), ("`dapr stop -f .`", ("-f .", "-f .."))]
    from runner.docs.rewrite import rewrite

    assert rewrite(load_page(page), reports)[0].count("-f ..") == 2


def test_the_same_block_in_two_tabs_is_a_question_when_both_apps_could_print_it(tmp_path):
    page = load_page(GOOD)
    py, go = page.tabs[0].outputs[0], page.tabs[1].outputs[0]
    same = "".join(page.lines[py.fence_line: py.fence_line + len(py.lines)])
    text = GOOD.read_text().replace("".join(page.lines[go.fence_line: go.fence_line + len(go.lines)]), same)
    shared = "== APP == Saving Order\n"  # both apps name every word of it
    text = text.replace(same, shared)
    path = tmp_path / "page.md"
    path.write_text(text)
    messages = [m for tab, kind, m in static_findings(path) if kind == "warning"]
    assert messages and all("do both apps print it? A run tells" in m for m in messages)


CONFIGURATION_TAB = """~~~bash
docker exec dapr_redis redis-cli MSET orderId1 "101" orderId2 "102"
~~~

~~~bash
cd configuration/python/sdk/order-processor
~~~

~~~bash
pip3 install -r requirements.txt
~~~

~~~bash
dapr run --app-id order-processor --resources-path ../../../components/ --app-port 6001 -- python3 app.py
~~~

The expected output:

~~~
== APP == Configuration for orderId1 : 101
== APP == Configuration for orderId2 : 102
~~~
"""


@pytest.mark.e2e
@pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")
@pytest.mark.parametrize("seeded", [True, False], ids=["the tab seeds the store", "the seeding command left out"])
def test_a_tab_runs_every_command_its_reader_types(tmp_path, seeded, daprd_path, no_leftovers):
    """The configuration page's shape: a `docker exec dapr_redis redis-cli MSET` before the run
    sets what the app reads; the tab passes only when that command ran."""
    body = CONFIGURATION_TAB if seeded else CONFIGURATION_TAB.split("~~~bash\ncd", 1)[0].rsplit("~~~bash", 1)[0] \
        + "~~~bash\ncd" + CONFIGURATION_TAB.split("~~~bash\ncd", 1)[1]
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(page_of(tmp_path, body)), "--repo", str(SNAPSHOT), "--ref", "v1.17.0",
                     "--json", str(out))
    (tab,) = json.loads(out.read_text())["tabs"]
    if seeded:
        assert result.returncode == 0 and (tab["status"], tab["dynamic"]) == ("ok", "matched"), result.stdout
    else:
        assert result.returncode == 1 and tab["status"] == "drift", result.stdout
        assert "the page shows `== APP == Configuration for orderId1 : 101`" in tab["findings"][0]["message"]


@pytest.mark.e2e
def test_a_build_that_fails_is_could_not_check_not_drift(tmp_path, daprd_path, no_leftovers):
    page = planted(tmp_path, "pip3 install -r requirements.txt", "pip3 install --no-index no-such-package-qsr")
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(page), "--lang", "python", "--json", str(out), env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 0, result.stdout + result.stderr  # only drift fails the check
    (tab,) = json.loads(out.read_text())["tabs"]
    assert tab["status"] == "could not check" and not tab["findings"]
    assert "page.md:" in tab["why"] and "`pip3 install --no-index no-such-package-qsr` returned 1" in tab["why"]
    assert "::notice file=" in result.stdout and "could not check" in result.stdout


def test_a_terminal_that_repeats_itself_is_quiet():
    """A batch app printing the same lines every ten seconds (or the same line with another
    number) says nothing new: the page's settle time runs; a new line or a matched one resets it."""
    from runner.mm.model import News

    news = News()
    news.heard("batch", "== APP == Finished processing batch", met=False)
    news.since = first = 100.0
    news.heard("batch", "== APP == Finished processing batch", met=False)
    news.heard("batch", "== APP == Order passed: 7", met=False)
    news.since = second = 200.0
    news.heard("batch", "== APP == Order passed: 8", met=False)
    assert news.since == second != first
    news.heard("batch", "== APP == Something else", met=False)
    assert news.since > second
    news.since = 300.0
    news.heard("other", "== APP == Something else", met=False)  # another app's news
    assert news.since > 300.0
    news.since = 400.0
    news.heard("batch", "== APP == Order passed: 9", met=True)  # a match is news even in a known shape
    assert news.since > 400.0


def _page_result(name: str, shown: str, printed: list[str], closest: str | None = None):
    """A tab run's result as the engine records it: one page line (line 12 of the block at 11)
    that never came, and what the apps printed."""
    from runner.results import CloseLine, JobResult, Miss

    close = (CloseLine(2, closest, 0.9, ""),) if closest else ()
    miss = Miss(0, shown, 12, close, None)
    page = {"shown": [[12, "apps", shown, 11]], "heard": [["apps", text] for text in printed], "unmet": [12],
            "unordered": [], "met": []}
    return JobResult(name, "docs", "go", "", "failed", miss_details=[miss], misses=[f"p.md:12: the page shows `{shown}`"],
                     page=page)


@pytest.mark.parametrize("printed, words", [
    ("Order received : 1", "where the app prints `Order received : 1`"),
    ("Order received: 1", "an app printed it, but not there"),
])
def test_a_miss_is_worded_by_what_the_apps_printed(printed, words):
    """A page line the apps printed only elsewhere (another terminal, out of order) is not shown
    as `X` where the app prints `X`."""
    from runner.docs.judge import judge
    from runner.docs.model import TabReport

    report = TabReport("p.md", "Python", "", 1, "python", 10)
    result = _page_result("p.md/Python#1", "== APP == Order received: 1", ["== APP == starting", f"== APP == {printed}"],
                          printed)
    assert judge(report, result)
    assert report.dynamic == "drift" and words in report.findings[0].message


@pytest.mark.parametrize("readme_status, verdict", [("failed", "could not check"), ("passed", "drift")])
def test_an_app_that_failed_is_judged_by_its_quickstarts_readme_run(readme_status, verdict):
    """The app printed, then died for a file the checkout lacks: the page is not shown wrong
    unless the quickstart's own README run passes."""
    from runner.docs.judge import judge, judge_by_readme
    from runner.docs.model import TabReport
    from runner.formats.docspage import AppRun, PageCommand, Tab
    from runner.results import JobResult

    report = TabReport("p.md", "Go", "", 1, "go", 10)
    result = _page_result("p.md/Go#1", "== APP == Wrote data", [
        "== APP == Encrypted the message", "== APP == 2026/11/29 Failed to open file: open big.jpg: no such file or directory",
        "== APP == exit status 1"])
    tab = Tab("Go", 10, 20, "", 0, runs=[AppRun(PageCommand("dapr run -- go run .", 11, "x"), "x", None)])
    assert judge(report, result) is False
    readme = JobResult("x/go/sdk", "x", "go", "sdk", readme_status, reason="big.jpg is nowhere in x/go/sdk/")
    judge_by_readme(tab, report, result, readme)
    assert report.status == verdict
    assert bool([f for f in report.findings if f.kind == "dynamic"]) == (verdict == "drift")


def test_a_tab_whose_apps_printed_nothing_cannot_tell_alone():
    from runner.docs.judge import judge
    from runner.docs.model import TabReport

    report = TabReport("p.md", "Go", "", 1, "go", 10)
    assert judge(report, _page_result("p.md/Go#1", "== APP == Wrote data", ["time=\"x\" level=info msg=\"up\""])) is False
    assert report.dynamic == "could not tell" and not report.findings
    readme = TabReport("README.md", "README", "", 1, "go", 1, kind="readme")
    assert judge(readme, _page_result("x/go/sdk", "== APP == Wrote data", [])) and readme.status == "drift"


@pytest.mark.skipif(not DOCS_PAGES.is_dir(), reason=f"no docs pages at {DOCS_PAGES}")
def test_a_tab_takes_turns_on_the_ports_its_quickstarts_apps_listen_on(tmp_path, snapshot_tree):
    """resiliency-serviceinvo's Go tab names --app-port 6001, but service_invocation/go/http's app
    listens on 6006 (its dapr.yaml says so): the tab takes its turn on 6006 too, so it never runs
    beside the serviceinvocation page's Go tab, whose app listens there as well."""
    from runner.docs.tabjob import tab_plan

    page = load_page(DOCS_PAGES / "resiliency-serviceinvo-quickstart.md")
    (tab, report), = [(tab, report) for tab, report in page_reports(page, snapshot_tree, ["go"])]
    plan = tab_plan(tab, report, snapshot_tree, tmp_path)
    assert {3500, 3501, 6006} <= plan.fixed_ports  # the page's `--app-port 6001` runs as its certain fix: 6006


def test_a_job_that_could_not_run_is_not_checked_not_drifted():
    from runner.docs.judge import judge
    from runner.docs.model import TabReport
    from runner.job.verdict import failed
    from runner.job.plan import JobPlan

    plan = JobPlan("p.md#1", "docs", "go", "", (), (), None, 60.0)
    report = TabReport("p.md", "Go", "", 1, "go", 10)
    assert judge(report, failed(plan, "port 6006, which p.md#1 names, is taken by another program"))
    assert report.status == "could not check" and "port 6006" in report.dynamic
