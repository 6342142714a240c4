"""`docs check` as a fixer: drifted output rewritten as a writer would (the page's forms kept, its
omissions kept, a fixed point), deliveries in any order not drift, a failed tab left alone, the
fault a resiliency page simulates served, the app port checked, and reports that survive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, our_processes, run_cli, wait_for
from runner.docs.model import Finding, TabReport
from runner.docs.rewrite import in_page_forms, output_edits, rewrite
from runner.formats.docspage import load_page

GOOD = ROOT / "tests/data/docs/state_good.md"
COMPONENTS = {
    "statestore.yaml": "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n"
                       "  type: state.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n"
                       "  - name: redisPassword\n    value: \"\"\n",
    "pubsub.yaml": "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: orderpubsub\nspec:\n"
                   "  type: pubsub.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n",
}


def page_of(tmp_path: Path, body: str, tab: str = "Python") -> Path:
    page = tmp_path / "page.md"
    page.write_text(f'---\ntitle: "a page of our own"\n---\n\n{{{{< tabs "{tab}" >}}}}\n{{{{% codetab %}}}}\n\n'
                    + body.replace("~~~", "```") + "\n{{% /codetab %}}\n{{< /tabs >}}\n")
    return page


def tree_of(tmp_path: Path, block: str, app: str) -> Path:
    """A quickstarts tree of our own: `<block>/python/sdk/order-processor/app.py` beside its components."""
    tree = tmp_path / "tree"
    (tree / block / "components").mkdir(parents=True)
    for name, text in COMPONENTS.items():
        (tree / block / "components" / name).write_text(text)
    folder = tree / block / "python" / "sdk" / "order-processor"
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(app)
    return tree


# -- unit: the writer's rules ---------------------------------------------------------------

def test_a_printed_line_is_written_in_the_pages_forms():
    assert in_page_forms("2022/04/01 09:16:03 Removing Order: 1 at localhost:3500",
                         "2026/12/02 10:11:12 Deleting Order: 1 at localhost:41234") == \
        "2022/04/01 09:16:03 Deleting Order: 1 at localhost:3500"
    assert in_page_forms("Workflow 8f2c1d0e-1111-2222-3333-444455556666 started",
                         "Workflow a1b2c3d4-aaaa-bbbb-cccc-ddddeeeeffff began") == \
        "Workflow 8f2c1d0e-1111-2222-3333-444455556666 began"


def _report(shown: list[str], heard: list[str], unordered: bool = False, rewritable: bool = True) -> TabReport:
    report = TabReport("page.md", "Go", "", 1, "go", 1, dynamic="drift", rewritable=rewritable,
                       findings=[Finding("dynamic", 10, "drift")])
    report.shown = [(10 + i, "t1", text) for i, text in enumerate(shown)]
    report.heard = [("t1", text) for text in heard]
    report.unordered = ["t1"] if unordered else []
    return report


def test_only_the_drifted_lines_change_and_what_the_page_leaves_out_stays_out():
    shown = ["== APP == 2022/04/01 09:16:03 Saving Order: 1", "== APP == 2022/04/01 09:16:03 Removing Order: 1",
             "== APP == 2022/04/01 09:16:03 Deleting Order: 3"]
    heard = ["== APP == 2026/12/02 10:00:00 Saving Order: 1", "== APP == 2026/12/02 10:00:00 Deleting Order: 1",
             "== APP == 2026/12/02 10:00:01 Saving Order: 2", "== APP == 2026/12/02 10:00:01 Deleting Order: 2",
             "== APP == 2026/12/02 10:00:02 Saving Order: 3", "== APP == 2026/12/02 10:00:02 Deleting Order: 3"]
    assert output_edits(_report(shown, heard)) == {11: "== APP == 2022/04/01 09:16:03 Deleting Order: 1"}


def test_a_line_the_app_prints_nothing_like_any_more_is_removed_and_the_rest_placed_in_order():
    shown = ["== APP == dapr client initializing for: 127.0.0.1:6281", "== APP == Order received : Order { orderId = 1 }",
             "== APP == Order received : Order { orderId = 2 }"]
    heard = ["== APP == Scheduled job: R1", "== APP == Order received: {\"orderId\": 1}",
             "== APP == Order received: {\"orderId\": 2}", "== APP == Order received: {\"orderId\": 3}"]
    assert output_edits(_report(shown, heard)) == {10: None, 11: '== APP == Order received: {"orderId": 1}',
                                                   12: '== APP == Order received: {"orderId": 2}'}
    assert output_edits(_report(["== APP == zzzz"], ["== APP == Saving Order: 1"])) == \
        "the app printed nothing like any line the page shows"


def test_a_block_of_a_tab_whose_run_failed_is_left_alone(tmp_path):
    page = page_of(tmp_path, "~~~bash\ncd q\n~~~\n\n~~~bash\ndapr run --app-id a -- python3 app.py\n~~~\n\n~~~\n"
                             "== APP == Removing Order: 1\n~~~\n")
    loaded = load_page(page)
    report = _report(["== APP == Removing Order: 1"], ["== APP == Deleting Order: 1"], rewritable=False)
    text, left = rewrite(loaded, [(loaded.tabs[0], report)])
    assert text == page.read_text() and left == [f"{page}:1: Go: output left as it is: its run did not end cleanly"]


def test_a_page_that_breaks_the_order_its_app_keeps_is_rewritten_in_the_apps_order():
    shown = ["== APP == Saving Order: 1", "== APP == Saving Order: 2", "== APP == Getting Order: 1",
             "== APP == Getting Order: 2"]
    heard = ["== APP == Saving Order: 1", "== APP == Getting Order: 1", "== APP == Saving Order: 2",
             "== APP == Getting Order: 2", "== APP == Saving Order: 3"]
    assert output_edits(_report(shown, heard)) == {11: "== APP == Getting Order: 1", 12: "== APP == Saving Order: 2"}


def test_a_drifted_line_in_order_stays_in_order_whatever_else_it_resembles():
    """`Removing Order: 1` is about as like `Saving Order: 10` as `Deleting Order: 1`: in the
    page's own order, with its own number, it stands for the `Deleting` line."""
    stamp = "== APP == 2022/04/01 09:16:03"
    shown = [f"{stamp} Saving Order: {{\"orderId\":1}}", "== APP == Getting Order: {\"orderId\":1}",
             f"{stamp} Removing Order: {{\"orderId\":1}}",
             f"{stamp} Deleting Order: {{\"orderId\":2}}"]  # the page's `...` before it is no line of its own
    heard = [line for n in range(1, 11) for line in (
        f"== APP == 2026/12/02 13:25:26 Saving Order: {{\"orderId\":{n}}}", f"== APP == Getting Order: {{\"orderId\":{n}}}",
        f"== APP == 2026/12/02 13:25:26 Deleting Order: {{\"orderId\":{n}}}")]
    assert output_edits(_report(shown, heard)) == {12: f"{stamp} Deleting Order: {{\"orderId\":1}}"}


def test_a_count_the_page_shows_beyond_what_an_app_that_ended_by_itself_printed_goes():
    """The pub/sub page shows ten `Published data` lines; the app's loop is `range(1, 10)` and it
    exited 0 by itself: it printed all it will, so the tenth line is drift, not run timing."""
    shown = [f"== APP - checkout == Published data: {{\"orderId\": {n}}}" for n in range(1, 11)]
    heard = [f"== APP - checkout == Published data: {{\"orderId\": {n}}}" for n in range(1, 10)]
    report = _report(shown, heard)
    assert output_edits(report) == ("the page shows more lines like page line 19 "
                                    "(`Published data: {\"orderId\": 10}`) than the app printed in this run")
    report.finished = ["checkout"]
    assert output_edits(report) == {19: None}
    report.finished = ["order-processor"]  # another app ended by itself: the one printing them may not have
    assert isinstance(output_edits(report), str)


def test_deliveries_in_another_order_are_not_rewritten():
    shown = ["== APP == Subscriber received: 1", "== APP == Subscriber received: 2"]
    heard = ["== APP == Subscriber received: 2", "== APP == Subscriber received: 1"]
    assert output_edits(_report(shown, heard, unordered=True)) == {}


def test_static_only_says_not_run(tmp_path):
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(GOOD), "--static-only", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert {tab["status"] for tab in json.loads(out.read_text())["tabs"]} == {"not run"}
    assert "3 not run" in result.stdout and " ok" not in result.stdout.splitlines()[-1]


def test_an_app_port_the_app_does_not_listen_on_is_drift_with_its_fix(tmp_path):
    tree = tree_of(tmp_path, "svc", "from flask import Flask\napp = Flask(__name__)\napp.run(port=6006)\n")
    page = page_of(tmp_path, "~~~bash\ncd svc/python/sdk/order-processor\n~~~\n\n~~~bash\n"
                             "dapr run --app-id order-processor --app-port 6001 -- python3 app.py\n~~~\n\n"
                             "~~~\n== APP == serving\n~~~\n")
    result = run_cli("docs", "check", str(page), "--repo", str(tree), "--static-only", "--write")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "`--app-port 6001`: the app in svc/python/sdk/order-processor listens on 6006 (app.py:3)" in result.stdout
    assert "--app-port 6006 -- python3 app.py" in page.read_text()
    assert run_cli("docs", "check", str(page), "--repo", str(tree), "--static-only").returncode == 0


def test_a_page_written_for_cli_1_16_is_said_once_and_written_for_1_17_on_request(tmp_path):
    tree = tree_of(tmp_path, "svc", "print('serving')\nprint('served')\n")
    page = page_of(tmp_path, "~~~bash\ncd svc/python/sdk/order-processor\n~~~\n\n~~~bash\n"
                             "dapr run --app-id order-processor -- python3 app.py\n~~~\n\n"
                             "~~~\n== APP == serving\n== APP == served\n== APP - other == kept\n~~~\n\n"
                             "Prose naming `== APP == ` stays.\n")
    out = tmp_path / "r.json"
    checked = run_cli("docs", "check", str(page), "--repo", str(tree), "--static-only", "--json", str(out))
    said = [line for line in checked.stderr.splitlines() if "CLI 1.17 and later print them bare" in line]
    assert len(said) == 1 and "2 app line(s) from line 17 on" in said[0], checked.stderr
    assert json.loads(out.read_text())["run"]["cli_framing"] == {str(page): said[0].split(": ", 1)[1]}
    before = page.read_text()
    assert run_cli("docs", "check", str(page), "--repo", str(tree), "--static-only", "--write").returncode == 0
    assert page.read_text() == before  # not asked for: the page keeps its form
    assert run_cli("docs", "check", str(page), "--repo", str(tree), "--static-only", "--write",
                   "--cli-format", "1.17").returncode == 0
    assert page.read_text() == before.replace("== APP == serving\n== APP == served", "serving\nserved")


# -- end to end ------------------------------------------------------------------------------

@pytest.mark.e2e
def test_a_drifted_block_is_rewritten_in_the_pages_forms_to_a_fixed_point(tmp_path, daprd_path, no_leftovers):
    text = GOOD.read_text()
    drifted = text.replace('== APP == 2022/04/01 09:16:03 Deleting Order: {"orderId":1}\n'
                           '== APP == 2022/04/01 09:16:03 Saving Order: {"orderId":2}\n'
                           '== APP == Getting Order: {"orderId":2}\n',
                           '== APP == 2022/04/01 09:16:03 Removing Order: {"orderId":1}\n...\n')
    assert drifted != text
    page = tmp_path / "page.md"
    page.write_text(drifted)
    first = run_cli("docs", "check", str(page), "--lang", "go", "--diff")
    assert first.returncode == 1 and '-== APP == 2022/04/01 09:16:03 Removing Order: {"orderId":1}' in first.stdout
    assert page.read_text() == drifted  # --diff writes nothing
    assert run_cli("docs", "check", str(page), "--lang", "go", "--write").returncode == 1
    written = page.read_text()
    assert written == drifted.replace("Removing Order", "Deleting Order")  # the page's timestamp, its `...`
    again = run_cli("docs", "check", str(page), "--lang", "go", "--write")
    assert again.returncode == 0, again.stdout  # a fixed point: no drift left...
    assert page.read_text() == written  # ...and nothing more to write


SUBSCRIBER = """\
# Prints what it received in delivery order, as a subscriber does:
# @app.subscribe(pubsub_name='orderpubsub', topic='orders')
import time
for order in (3, 1, 2):
    print(f"Subscriber received: {{'orderId': {order}}}", flush=True)
time.sleep(60)
"""


@pytest.mark.e2e
def test_subscriber_lines_in_another_order_are_ok_and_not_rewritten(tmp_path, daprd_path, no_leftovers):
    tree = tree_of(tmp_path, "pubsubx", SUBSCRIBER)
    page = page_of(tmp_path, "~~~bash\ncd pubsubx/python/sdk/order-processor\n~~~\n\n~~~bash\n"
                             "dapr run --app-id order-processor --resources-path ../../../components/ -- python3 app.py\n"
                             "~~~\n\n~~~\n== APP == Subscriber received: {'orderId': 1}\n"
                             "== APP == Subscriber received: {'orderId': 2}\n== APP == Subscriber received: {'orderId': 3}\n"
                             "~~~\n")
    before = page.read_text()
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(page), "--repo", str(tree), "--write", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    (tab,) = json.loads(out.read_text())["tabs"]
    assert tab["status"] == "ok" and tab["unordered"] == ["apps"]
    assert any("deliveries arrive in any order" in finding["message"] for finding in tab["findings"])
    assert page.read_text() == before


FAULTED = """\
import json, os, time, urllib.request
url = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0/state/statestore"
said = None
while True:
    try:
        body = json.dumps([{"key": "k", "value": 1}]).encode()
        urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}),
                               timeout=3)
        now = "saved again" if said in ("save failed", "saved again") else "saved"
    except Exception:
        now = "save failed"
    if now != said:
        print(now, flush=True)
        said = now
    time.sleep(0.3)
"""


@pytest.mark.e2e
def test_docker_stop_dapr_redis_stops_the_jobs_redis_and_the_app_sees_it(tmp_path, daprd_path, no_leftovers):
    tree = tree_of(tmp_path, "resil", FAULTED)
    page = page_of(tmp_path, "~~~bash\ncd resil/python/sdk/order-processor\n~~~\n\n~~~bash\n"
                             "dapr run --app-id order-processor --resources-path ../../../components/ -- python3 app.py\n"
                             "~~~\n\n~~~\n== APP == saved\n~~~\n\nStop Redis:\n\n~~~bash\ndocker stop dapr_redis\n~~~\n\n"
                             "~~~\n== APP == save failed\n~~~\n\nStart it again:\n\n~~~bash\ndocker start dapr_redis\n~~~\n\n"
                             "~~~\n== APP == saved again\n~~~\n")
    out = tmp_path / "r.json"
    result = run_cli("docs", "check", str(page), "--repo", str(tree), "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    (tab,) = json.loads(out.read_text())["tabs"]
    assert (tab["status"], tab["dynamic"]) == ("ok", "matched")


@pytest.mark.e2e
def test_sigterm_keeps_the_docs_json_and_resume_finishes_it(tmp_path, daprd_path, no_leftovers):
    tree = tree_of(tmp_path, "slow", "import time\nprint('working', flush=True)\ntime.sleep(600)\n")
    page = page_of(tmp_path, "~~~bash\ncd slow/python/sdk/order-processor\n~~~\n\n~~~bash\n"
                             "dapr run --app-id order-processor --resources-path ../../../components/ -- python3 app.py\n"
                             "~~~\n\n~~~\n== APP == working\n== APP == never printed\n~~~\n")
    out = tmp_path / "r.json"
    checker = subprocess.Popen([sys.executable, "-m", "runner", "docs", "check", str(page), "--repo", str(tree),
                                "--json", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ})
    wait_for(lambda: any("app.py" in command for _, command in our_processes()), 120, "the tab's app")
    checker.send_signal(signal.SIGTERM)
    _, err = checker.communicate(timeout=60)
    assert checker.returncode == 130, err
    (tab,) = json.loads(out.read_text())["tabs"]
    assert tab["status"] == "interrupted" and "SIGTERM received" in tab["dynamic"]
    assert json.loads(out.read_text())["run"]["ended"] == "interrupted: SIGTERM received"
    # The quickstart mended, the check resumed: only the interrupted tab runs, and the report is whole.
    (tree / "slow/python/sdk/order-processor/app.py").write_text("print('working')\nprint('never printed')\n")
    resumed = run_cli("docs", "check", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming" in resumed.stderr and "running the other 1" in resumed.stderr
    (tab,) = json.loads(out.read_text())["tabs"]
    assert (tab["status"], tab["dynamic"]) == ("ok", "matched")
