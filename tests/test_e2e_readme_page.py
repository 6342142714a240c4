"""A README run as its reader reads it, end to end on the v1.17.0 snapshot's Python workflow
tutorials, with the real daprd, placement, scheduler and Redis: the page's own `curl` starts the
workflow, its placeholder is filled from the answer, and the app logs and serialized output the
page shows are what must be printed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SNAPSHOT, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")]
FAN_OUT = "tutorials/workflow/python/fan-out-fan-in"


def validate(tmp_path: Path, quickstart: str, repo: str = str(SNAPSHOT), *extra: str) -> tuple[dict, str]:
    out = tmp_path / "r.json"
    done = run_cli("validate", quickstart, "--repo", repo, *(["--ref", "v1.17.0"] if repo == str(SNAPSHOT) else []),
                   "--json", str(out), *extra)
    assert out.is_file(), done.stdout + done.stderr
    (job,) = json.loads(out.read_text())["jobs"]
    return job, done.stdout + done.stderr


def _line(readme: Path, text: str) -> int:
    return next(n for n, line in enumerate(readme.read_text().splitlines(), start=1) if text in line)


def test_a_workflow_tutorial_runs_the_pages_curls_and_matches_what_the_page_shows(tmp_path, snapshot_tree, no_leftovers):
    job, said = validate(tmp_path, FAN_OUT)
    assert job["status"] == "passed", said
    readme = snapshot_tree / FAN_OUT / "README.md"
    assert job["expected"] == job["matched"] == 7  # its STEP's line, five app logs, the serialized output
    assert job["weak"] is None
    ran = [line for line in job["transcript"] if ": run as its reader runs it, in " in line]
    assert len(ran) >= 3 and "pip3 install -r requirements.txt" in ran[0] and "curl -i --request POST" in ran[1]
    assert "<INSTANCEID>" not in ran[2] and "/v1.0/workflows/dapr/" in ran[2], "the placeholder is filled from the answer"
    assert set(ran[3:]) <= {ran[2]}, "only the status query is sent again (the workflow was still running)"
    assert any('"runtimeStatus":"COMPLETED"' in line for line in job["transcript"])
    assert job["failure_line"] is None and _line(readme, "get_word_length: Received input: word.") > 0


def test_an_activity_that_raises_fails_the_tutorial_at_the_page_line_whose_log_never_came(tmp_path, snapshot_tree,
                                                                                        no_leftovers):
    tree = tmp_path / "tree"
    shutil.copytree(snapshot_tree / FAN_OUT, tree / FAN_OUT)
    shutil.copytree(snapshot_tree / "tutorials/workflow/resources", tree / "tutorials/workflow/resources")
    workflow = tree / FAN_OUT / "fan_out_fan_in" / "fanoutfanin_workflow.py"
    printed = "    print(f'get_word_length: Received input: {word}.', flush=True)"
    assert printed in workflow.read_text()
    workflow.write_text(workflow.read_text().replace(printed, "    raise ValueError(f'planted: {word}')"))
    job, said = validate(tmp_path, FAN_OUT, str(tree))
    readme = tree / FAN_OUT / "README.md"
    first_log = _line(readme, "get_word_length: Received input: word.")
    assert job["status"] == "failed", said
    assert job["failure_line"] == first_log and job["failure_file"].endswith(f"{FAN_OUT}/README.md")
    assert f"README.md:{first_log}: the page shows `get_word_length: Received input: word.`" in job["reason"]
    assert f"README.md:{_line(readme, 'is' + chr(92))}:" in " ".join(job["misses"]), "the workflow's output never came either"
    assert all(not app["crashed"] for app in job["apps"]), "the app stayed up: only the page tells"


def test_a_readme_with_no_step_runs_as_its_reader_follows_it(tmp_path, snapshot_tree, no_leftovers):
    job, said = validate(tmp_path, "tutorials/workflow/python/versioning")
    assert job["status"] == "passed", said
    assert job["expected"] == job["matched"] == 1 and job["weak"] is None
    readme = snapshot_tree / "tutorials/workflow/python/versioning/README.md"
    other = _line(readme, "send_sms: Received input: user_id.") - 1
    assert any(f"README.md:{other}: output block not checked: the page shows it for `after_named_version.py`" in note
               for note in job["notes"]), job["notes"]
    assert any("dapr run -f ." in line for line in job["transcript"] if "run as its reader runs it" in line)


def test_docs_check_reports_a_readmes_drift_at_its_line_and_write_reaches_a_fixed_point(tmp_path, snapshot_tree,
                                                                                      no_leftovers):
    chaining = "tutorials/workflow/python/task-chaining"
    tree = tmp_path / "tree"
    shutil.copytree(snapshot_tree / chaining, tree / chaining)
    shutil.copytree(snapshot_tree / "tutorials/workflow/resources", tree / "tutorials/workflow/resources")
    readme = tree / chaining / "README.md"
    original = readme.read_text()
    readme.write_text(original.replace("activity2: Received input: This is.", "activity2: Got input: This is."))
    drifted_line = _line(readme, "activity2: Got input")
    first = run_cli("docs", "check", str(readme), "--repo", str(tree), "--json", str(tmp_path / "d.json"))
    assert first.returncode == 1, first.stdout + first.stderr
    assert f"README.md:{drifted_line}: dynamic: the page shows `activity2: Got input: This is.`" in first.stdout
    assert "activity2: Received input: This is." in first.stdout, "the app's real line is said"
    (tab,) = json.loads((tmp_path / "d.json").read_text())["tabs"]
    assert tab["status"] == "drift" and tab["tab"] == "README"
    assert run_cli("docs", "check", str(readme), "--repo", str(tree), "--write").returncode == 1
    assert readme.read_text() == original, "the block is rewritten as the app prints it, nothing else"
    again = run_cli("docs", "check", str(readme), "--repo", str(tree), "--write")
    assert again.returncode == 0, again.stdout + again.stderr
    assert readme.read_text() == original, "a second --write changes nothing"
    assert "README: OK" in again.stdout


_SLOW_START_APP = '''import http.server, sys, time

time.sleep(6)  # its imports and start-up, on a busy machine
class Hello(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        print("order received", flush=True)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"accepted")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", {port}), Hello).serve_forever()
'''

_SLOW_START_README = '''# A slow start

<!-- STEP
name: Run the app
expected_stdout_lines:
  - 'Started Dapr with app id "slow"'
output_match_mode: substring
background: true
sleep: 1
timeout_seconds: 30
-->

```bash
dapr run -f .
```

<!-- END_STEP -->

Then send it an order:

```bash
curl -s --request POST http://localhost:{port}/order
```

The app logs:

```text
order received
```
'''


_CURL_STEP = '''
<!-- STEP
name: Send an order
expected_stdout_lines:
  - accepted
output_match_mode: substring
-->

```bash
curl -s --request POST http://localhost:{port}/order
```

<!-- END_STEP -->
'''


def _one_app_tutorial(tmp_path: Path, name: str, app: str, port: int) -> Path:
    """A tutorial folder whose dapr.yaml runs one Python app (`app`, formatted with its port)."""
    folder = tmp_path / "tree" / "tutorials" / name
    (folder / "app").mkdir(parents=True)
    (folder / "app" / "app.py").write_text(app.format(port=port))
    (folder / "dapr.yaml").write_text(f"version: 1\napps:\n  - appID: slow\n    appDirPath: ./app/\n    appPort: {port}\n"
                                      "    command: [python3, app.py]\n")
    return folder


@pytest.mark.parametrize("next_block", ["the page's block", "a STEP"])
def test_a_reader_types_on_once_the_app_a_step_started_is_up_not_after_the_steps_sleep(tmp_path, daprd_path,
                                                                                     no_leftovers, next_block):
    """A STEP's `sleep` is mm.py's guess at how long a start takes; the page's next block (a STEP
    too, under validate), which a reader types once the app listens, waits for that, however busy
    the machine is."""
    from runner.services.ports import free_port

    port = free_port()
    folder = _one_app_tutorial(tmp_path, "slow-start", _SLOW_START_APP, port)
    readme = _SLOW_START_README.format(port=port)
    if next_block == "a STEP":
        readme = readme.replace("Then send it an order:\n\n```bash\ncurl -s --request POST http://localhost:"
                                f"{port}/order\n```\n", "Then send it an order:\n" + _CURL_STEP.format(port=port))
        assert "Send an order" in readme
    (folder / "README.md").write_text(readme)
    job, said = validate(tmp_path, "tutorials/slow-start", str(tmp_path / "tree"))
    assert job["status"] == "passed", said
    assert job["matched"] == job["expected"] == (3 if next_block == "a STEP" else 2)


_CONFIG_SLOW_APP = '''import http.server, os, urllib.request

class App(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # daprd asks for the app's configuration once the app listens, and is not ready before
        if self.path == "/dapr/config":
            import time
            time.sleep(4)
        self.send_response(404)
        self.end_headers()
    def do_POST(self):
        try:
            url = f"http://127.0.0.1:{{os.environ['DAPR_HTTP_PORT']}}/v1.0/healthz"
            ready = urllib.request.urlopen(url, timeout=2).status == 204
        except OSError:
            ready = False
        print("order received" if ready else "called before its sidecar was ready", flush=True)
        self.send_response(200 if ready else 503)
        self.end_headers()
        self.wfile.write(b"accepted" if ready else b"not ready")
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", {port}), App).serve_forever()
'''


def test_a_reader_types_on_once_the_apps_sidecar_is_ready_not_only_once_the_app_listens(tmp_path, daprd_path,
                                                                                      no_leftovers):
    """A daprd takes its app's configuration once the app listens and serves calls only after; a
    call sent between the two reaches a sidecar that is not ready (an app whose handler waits on it
    deadlocks the two). A reader's next command waits for the sidecar too."""
    from runner.services.ports import free_port

    port = free_port()
    folder = _one_app_tutorial(tmp_path, "config-slow", _CONFIG_SLOW_APP, port)
    (folder / "README.md").write_text(_SLOW_START_README.format(port=port))
    job, said = validate(tmp_path, "tutorials/config-slow", str(tmp_path / "tree"))
    assert job["status"] == "passed", said
    assert "called before its sidecar was ready" not in "\n".join(job["transcript"]), said


def test_a_start_whose_run_template_does_not_parse_fails_however_fast_the_reader_moves_on(tmp_path, daprd_path,
                                                                                         no_leftovers):
    """A start whose apps cannot be told beforehand (its dapr.yaml does not parse) is up only once
    it printed and went quiet: never at once for naming no app (a crowded run passed such a README,
    nothing checked, before `dapr run -f .` had said its template was invalid)."""
    folder = tmp_path / "tree" / "tutorials" / "bad-template"
    folder.mkdir(parents=True)
    (folder / "dapr.yaml").write_text("version: 1\napps:\n  - appID: a\n    command: [python3, app.py], x\n")
    (folder / "README.md").write_text("# A bad template\n\nRun it:\n\n```bash\ndapr run -f .\n```\n")
    job, said = validate(tmp_path, "tutorials/bad-template", str(tmp_path / "tree"))
    assert job["status"] == "failed", said
    assert "dapr.yaml" in job["reason"] and "invalid YAML" in job["reason"], job["reason"]
