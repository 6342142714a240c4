"""A pass proves the apps ran: an app that dies fails its job whatever matched, the early stop
never hides a crash nor counts as one, and a README is prepared as its reader prepares it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli

pytestmark = pytest.mark.e2e

CRASHER = """\
import sys, time
print("ready 1", flush=True)
time.sleep(1)
raise RuntimeError("the app broke after it said it was ready")
"""

# The crash comes while the next step runs: before the job is over, after its expected line. A
# run template's `dapr run -f` stays up when its app dies, so mm.py sees nothing wrong.
CRASH_TEMPLATE = "version: 1\napps:\n  - appID: crasher\n    appDirPath: .\n    command: [python3, app.py]\n"
CRASH_README = """\
# Crash

<!-- STEP
name: Run the app
expected_stdout_lines:
  - '== APP - crasher == ready 1'
output_match_mode: substring
background: true
sleep: 5
timeout_seconds: 30
-->
```bash
dapr run -f .
```
<!-- END_STEP -->

<!-- STEP
name: Something else the reader does meanwhile
-->
```bash
sleep 3
```
<!-- END_STEP -->
"""


def _tree(root: Path, folder: str, readme: str, files: dict[str, str]) -> Path:
    quickstart = root / folder
    quickstart.mkdir(parents=True)
    (quickstart / "README.md").write_text(readme)
    for name, text in files.items():
        (quickstart / name).parent.mkdir(parents=True, exist_ok=True)
        (quickstart / name).write_text(text)
    return quickstart


def _validate(tree: Path, tmp_path: Path) -> tuple[int, dict, str]:
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(tree), "--expected", str(tmp_path / "none"), "--json", str(out))
    (job,) = json.loads(out.read_text())["jobs"]
    return result.returncode, job, result.stdout + result.stderr


def test_an_app_that_crashes_after_its_lines_printed_fails_with_the_crash(tmp_path, daprd_path, no_leftovers):
    tree = tmp_path / "tree"
    _tree(tree, "crash/python/http", CRASH_README, {"app.py": CRASHER, "dapr.yaml": CRASH_TEMPLATE})
    code, job, said = _validate(tree, tmp_path)
    assert code == 1 and job["status"] == "failed", said
    assert job["matched"] == job["expected"] == 1  # what it expects matched: only the crash fails it
    assert job["kind"] == "app crashed" and job["reason"].startswith("app crashed: crasher"), job["reason"]
    assert "RuntimeError: the app broke after it said it was ready" in job["reason"]
    assert "`dapr run -f .` at crash/python/http/README.md:" in job["reason"]
    (app,) = job["apps"]
    assert app["crashed"] and app["ended"] == "exited with 1" and app["came_up"] == "printed a line"


def test_readme_keeps_mms_verdict_and_warns_and_strict_fails(tmp_path, daprd_path, no_leftovers):
    folder = _tree(tmp_path, "crash", CRASH_README, {"app.py": CRASHER, "dapr.yaml": CRASH_TEMPLATE})
    kept = run_cli("readme", "README.md", cwd=folder)
    assert kept.returncode == 0, kept.stdout + kept.stderr  # mm.py passes it: so does the drop-in
    warnings = [line for line in kept.stdout.splitlines() if line.startswith("WARNING: app crashed: crasher")]
    assert len(warnings) == 1 and "RuntimeError" in warnings[0], kept.stdout
    strict = run_cli("readme", "--strict", "README.md", cwd=folder)
    assert strict.returncode == 1 and "WARNING: app crashed: crasher" in strict.stdout


BATCH_README = """\
# Batch

<!-- STEP
name: Run the batch app
expected_stdout_lines:
  - 'Exited App successfully'
output_match_mode: substring
timeout_seconds: 30
-->
```bash
dapr run --app-id batch -- python3 app.py
```
<!-- END_STEP -->
"""


def test_a_batch_app_that_exits_0_passes_on_its_evidence(tmp_path, daprd_path, no_leftovers):
    tree = tmp_path / "tree"
    _tree(tree, "batch/python/http", BATCH_README, {"app.py": "print('did my work')\n"})
    code, job, said = _validate(tree, tmp_path)
    assert code == 0 and job["status"] == "passed", said
    assert job["weak"] == "checks only that Dapr started"  # it expects only a line the CLI prints
    (app,) = job["apps"]
    assert app["came_up"] in ("printed a line", "exited 0") and app["ended"] == "exited 0" and not app["crashed"]


SERVER = """\
import http.server, signal, sys, traceback

def on_term(signum, frame):
    traceback.print_stack()  # what a careless app prints when stopped: not a crash of its own
    sys.exit(1)

signal.signal(signal.SIGTERM, on_term)
server = http.server.HTTPServer(("127.0.0.1", {port}), http.server.BaseHTTPRequestHandler)
print("serving", flush=True)
server.serve_forever()
"""

SERVER_README = """\
# Server

<!-- STEP
name: Run the server
expected_stdout_lines:
  - '== APP == serving'
output_match_mode: substring
background: true
sleep: 20
timeout_seconds: 60
-->
```bash
dapr run --app-id server --app-port {port} -- python3 app.py
```
<!-- END_STEP -->
"""


def test_the_early_stop_is_not_a_crash(tmp_path, daprd_path, no_leftovers):
    from runner.services.ports import free_port

    port = free_port()
    tree = tmp_path / "tree"
    _tree(tree, "server/python/http", SERVER_README.format(port=port), {"app.py": SERVER.format(port=port)})
    code, job, said = _validate(tree, tmp_path)
    assert code == 0 and job["status"] == "passed", said
    (app,) = job["apps"]
    assert app["came_up"] == f"listened on port {port}" and not app["crashed"]
    assert job["duration_s"] < 20  # stopped early once it listened, not after the step's sleep


def _wheel(folder: Path) -> str:
    """A wheel of a one-module package, built by hand: pip installs it with no index."""
    name = "readermod-1.0-py3-none-any.whl"
    with zipfile.ZipFile(folder / name, "w") as wheel:
        wheel.writestr("readermod.py", "GREETING = 'installed by the reader'\n")
        wheel.writestr("readermod-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: readermod\nVersion: 1.0\n")
        wheel.writestr("readermod-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                                         "Tag: py3-none-any\n")
        wheel.writestr("readermod-1.0.dist-info/RECORD", "")
    return name


PIP_README = """\
# Reader installs

1. Use a terminal to navigate to the `reader/python/http/order-app` folder.
2. Install the dependencies:

    ```bash
    pip3 install -r requirements.txt
    ```

3. Run it:

<!-- STEP
name: Run the app
expected_stdout_lines:
  - '== APP == installed by the reader'
output_match_mode: substring
timeout_seconds: 60
-->
```bash
cd order-app
dapr run --app-id reader -- python3 app.py
```
<!-- END_STEP -->
"""


def test_an_unannotated_pip_install_before_the_run_step_is_run_and_shown(tmp_path, daprd_path, no_leftovers):
    tree = tmp_path / "tree"
    quickstart = _tree(tree, "reader/python/http", PIP_README,
                       {"order-app/app.py": "import readermod\nprint(readermod.GREETING)\n"})
    wheel = _wheel(quickstart / "order-app")
    (quickstart / "order-app" / "requirements.txt").write_text(f"--no-index\n./{wheel}\n")
    code, job, said = _validate(tree, tmp_path)
    assert code == 0 and job["status"] == "passed", said
    ran = [line for line in job["transcript"] if ": run as its reader runs it, in " in line]
    assert len(ran) == 1 and "reader/python/http/README.md:6:" in ran[0] and "pip3 install -r requirements.txt" in ran[0]
    assert "reader/python/http/order-app" in ran[0]


def test_an_unserved_dapr_subcommand_fails_its_step_and_says_so(tmp_path, daprd_path, no_leftovers):
    readme = """\
# Dashboard

<!-- STEP
name: Open the dashboard
expected_stdout_lines:
  - 'Dapr Dashboard running'
output_match_mode: substring
-->
```bash
dapr dashboard
```
<!-- END_STEP -->
"""
    tree = tmp_path / "tree"
    _tree(tree, "dash/python/http", readme, {})
    code, job, said = _validate(tree, tmp_path)
    assert code == 1 and job["status"] == "failed", said
    assert "`dapr dashboard` is not served here" in job["reason"] and "returned 1" in job["reason"], job["reason"]


SECOND_START_README = """\
# Twice

Run the app in its folder:

```bash
cd order-app
dapr run --app-id twice -- python3 app.py first
```

Press Ctrl+C, then run it again, exporting what it reads:

```bash
export GREETING=hello
```

```bash
cd order-app
dapr run --app-id twice -- python3 app.py second
```

It prints:

```
== APP == second: hello
```
"""


def test_a_second_start_of_the_same_app_stops_the_first_and_an_export_reaches_it(tmp_path, daprd_path, no_leftovers):
    """A page's reader presses Ctrl+C before starting the same app again: the first run is stopped
    (not a failure of the job, nor left running beside the second), and what they exported
    before reaches the second."""
    tree = tmp_path / "tree"
    _tree(tree, "twice/python/http", SECOND_START_README, {"order-app/app.py": (
        "import os, sys, time\nprint(f'{sys.argv[1]}: {os.environ.get(\"GREETING\", \"unset\")}', flush=True)\n"
        "time.sleep(600 if sys.argv[1] == 'first' else 0)\n")})
    code, job, said = _validate(tree, tmp_path)
    assert code == 0 and job["status"] == "passed", said
    assert job["duration_s"] < 300, "the first run was stopped, not waited for"
    first = [line for line in job["transcript"] if "first: unset" in line]
    assert first, said
