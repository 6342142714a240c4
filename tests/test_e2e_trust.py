"""Runs a maintainer can trust: no line a step printed is lost, results survive an interrupt and
resume, and a fault strikes only the job it hits."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, descendants, run_cli, wait_for

pytestmark = pytest.mark.e2e

SLOW_LISTENER = '''
import http.server, os, sys, time
print("order-processor is starting", flush=True)
time.sleep(float(os.environ["BEFORE_LISTENING"]))
http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), http.server.BaseHTTPRequestHandler).serve_forever()
'''
README = '''# slow listener

<!-- STEP
name: Run multi app run template
expected_stdout_lines:
  - 'order-processor is starting'
output_match_mode: substring
background: true
sleep: 3
timeout_seconds: 4
-->

```bash
dapr run -f .
```

<!-- END_STEP -->

<!-- STEP
name: Stop
-->

```bash
dapr stop -f .
```

<!-- END_STEP -->
'''


def test_a_step_sees_what_its_shim_printed_while_the_app_is_not_yet_listening(tmp_path, daprd_path, no_leftovers):
    """`dapr run -f` of an app that prints, then takes longer to listen on its appPort than the
    step's timeout: what it printed reaches the step at once (it was held back until the app
    listened, and lost when the step stopped the shim first)."""
    folder = tmp_path / "tree/pub_sub/python/http"
    (folder / "order-processor").mkdir(parents=True)
    (folder / "order-processor/app.py").write_text(SLOW_LISTENER)
    (folder / "order-processor/requirements.txt").write_text("")
    (tmp_path / "tree/pub_sub/resources").mkdir()
    (folder / "dapr.yaml").write_text(json.dumps({"version": 1, "common": {"resourcesPath": "../../resources/"}, "apps": [
        {"appID": "order-processor", "appDirPath": "./order-processor/", "appPort": 51873,
         "command": ["python3", "app.py"], "env": {"BEFORE_LISTENING": "20"}}]}))
    (folder / "README.md").write_text(README)
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(tmp_path / "tree"), "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    job = json.loads(out.read_text())["jobs"][0]
    assert job["status"] == "passed" and job["expected_source"] == "README"
    assert any("== APP - order-processor == order-processor is starting" in line for line in job["transcript"])


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "runner", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _first_verdict(runner: subprocess.Popen) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = runner.stdout.readline()
        if line.lstrip("[ 0123456789.s]").startswith(("PASS", "FAIL", "SKIP")) or "PASS " in line:
            return line
        if not line and runner.poll() is not None:
            break
    pytest.fail("no verdict from the run")


def _statuses(path: Path) -> dict[str, str]:
    return {job["quickstart"]: job["status"] for job in json.loads(path.read_text())["jobs"]}


def test_sigterm_keeps_what_finished_marks_the_rest_interrupted_and_resume_runs_only_those(
        tmp_path, daprd_path, no_leftovers):
    out, xml = tmp_path / "r.json", tmp_path / "r.xml"
    runner = _start(["validate", "state_management", "--lang", "go,python,javascript,java", "-j", "1",
                     "--json", str(out), "--junit", str(xml)])
    first = _first_verdict(runner)
    runner.send_signal(signal.SIGTERM)
    _, err = runner.communicate(timeout=60)
    assert runner.returncode == 130, err
    statuses = _statuses(out)
    assert len(statuses) == 4, statuses
    finished = [name for name, status in statuses.items() if status != "interrupted"]
    assert len(finished) == 1 and finished[0] in first, (first, statuses)
    assert statuses[finished[0]] == "passed"
    junit = xml.read_text()
    assert junit.count("<error ") == 3 and 'errors="3"' in junit

    resumed = run_cli("validate", "--resume", str(out))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    ran = [line for line in resumed.stdout.splitlines() if line.lstrip("[ 0123456789.s]").startswith("PASS")]
    assert len(ran) == 3 and not any(finished[0] in line for line in ran), resumed.stdout
    assert set(_statuses(out).values()) == {"passed"} and len(_statuses(out)) == 4


def test_sigkill_leaves_a_json_of_what_finished(tmp_path, daprd_path, own_registry):
    out = tmp_path / "r.json"
    runner = _start(["validate", "state_management", "--lang", "go,python,javascript", "-j", "1", "--json", str(out)])
    _first_verdict(runner)
    wait_for(lambda: out.is_file(), 10, "the JSON written as the job ended")
    runner.kill()
    runner.wait()
    statuses = _statuses(out)
    assert list(statuses.values()) == ["passed"], statuses
    run_cli("validate", "--lang", "csharp")  # the next run cleans up what the killed one left


STEADY_APP = '''
import json, os, time, urllib.request
base = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0"
for i in range(1, 41):
    body = json.dumps([{"key": str(i), "value": i}]).encode()
    urllib.request.urlopen(urllib.request.Request(base + "/state/statestore", data=body, method="POST",
                                                  headers={"Content-Type": "application/json"}))
    print(f"Saved order {i}", flush=True)
    time.sleep(0.3)
'''
STORE = ("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.redis\n"
         "  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n")


def _three_jobs(tmp_path: Path) -> tuple[Path, Path]:
    tree, expected = tmp_path / "tree", tmp_path / "expected"
    for block in ("alpha", "bravo", "charlie"):
        app = tree / block / "python/sdk/order-processor"
        app.mkdir(parents=True)
        (app / "app.py").write_text(STEADY_APP)
        (app / "requirements.txt").write_text("")
        (tree / block / "resources").mkdir()
        (tree / block / "resources/statestore.yaml").write_text(STORE)
        (tree / block / "python/sdk/dapr.yaml").write_text(json.dumps({
            "version": 1, "common": {"resourcesPath": "../../resources/"},
            "apps": [{"appID": "order-processor", "appDirPath": "./order-processor/", "command": ["python3", "app.py"]}]}))
        (expected / block).mkdir(parents=True)
        (expected / block / "python-sdk.txt").write_text("== APP == Saved order 1\n== APP == Saved order 40\n")
    return tree, expected


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


FAULTS = {  # what to kill: its program, and where it runs (the struck job's dir, or its app's)
    "daprd": ("daprd", "/bravo/"),
    "redis": ("redis-server", "qsr-bravo-"),
    "scheduler": ("scheduler", "qsr-bravo-"),
    "placement": ("placement", "qsr-bravo-"),
    "app": ("app.py", "/bravo/"),
}
NAMED = {"daprd": "daprd for order-processor exited (signal 9) during the run",
         "redis": "redis-server exited (signal 9) during the run",
         "scheduler": "scheduler exited (signal 9) during the run",
         "placement": "placement exited (signal 9) during the run",
         "app": "app exited with code 137"}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_fails_its_job_alone_naming_what_died(tmp_path, fault, daprd_path, no_leftovers):
    tree, expected = _three_jobs(tmp_path)
    out = tmp_path / "r.json"
    runner = _start(["validate", "--repo", str(tree), "--expected", str(expected), "-j", "3", "--json", str(out)])
    program, where = FAULTS[fault]

    def running(name: str, place: str):
        return next((pid for pid, cmd in descendants(runner.pid).items() if place in _cwd(pid) and cmd.split()
                     and (Path(cmd.split()[0]).name == name or cmd.split()[1:2] == [name])), None)

    wait_for(lambda: running("app.py", "/bravo/"), 120, "bravo's app")
    pid = wait_for(lambda: running(program, where), 30, f"bravo's {program}")
    os.kill(pid, signal.SIGKILL)
    stdout, stderr = runner.communicate(timeout=120)
    assert runner.returncode == 1, stdout + stderr
    jobs = {job["quickstart"]: job for job in json.loads(out.read_text())["jobs"]}
    assert jobs["alpha/python/sdk"]["status"] == "passed", jobs["alpha/python/sdk"]["reason"]
    assert jobs["charlie/python/sdk"]["status"] == "passed", jobs["charlie/python/sdk"]["reason"]
    assert jobs["bravo/python/sdk"]["status"] == "failed"
    assert NAMED[fault] in jobs["bravo/python/sdk"]["reason"], jobs["bravo/python/sdk"]["reason"]


ECHO_README = """# {name}

<!-- STEP
name: Say it
expected_stdout_lines:
  - '{name} said it'
-->

```bash
echo "{name} said it"
```

<!-- END_STEP -->
"""
TRACES_README = """# reads traces

<!-- STEP
name: Run a sidecar
expected_stdout_lines:
  - "You're up and running!"
output_match_mode: substring
background: true
sleep: 2
-->

```bash
dapr run --app-id tracer -- python3 -c "import time; print('up'); time.sleep(30)"
```

<!-- END_STEP -->

<!-- STEP
name: Read the traces
expected_stdout_lines:
  - '[]'
-->

```bash
curl -s http://localhost:9411/api/v2/services
```

<!-- END_STEP -->
"""


def test_a_service_that_does_not_start_fails_its_job_alone(tmp_path, daprd_path, no_leftovers):
    """One README job of three whose Zipkin cannot start (its jar planted broken in a cache of the
    run's own): it fails with that reason, the other two get their verdicts, the run goes on and
    its exit says one failed."""
    tree = tmp_path / "tree"
    for name in ("first", "second"):
        (tree / name / "python" / "http").mkdir(parents=True)
        (tree / name / "python" / "http" / "README.md").write_text(ECHO_README.format(name=name))
    (tree / "traces" / "python" / "http").mkdir(parents=True)
    (tree / "traces" / "python" / "http" / "README.md").write_text(TRACES_README)
    from runner.provision.zipkin import ZIPKIN_VERSION

    cache = tmp_path / "cache"
    jar = cache / "zipkin" / ZIPKIN_VERSION / "zipkin-server-exec.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"not a jar")
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(tree), "--daprd", str(daprd_path), "-j", "3", "--json", str(out),
                     env={"QUICKSTART_RUNNER_CACHE": str(cache)})
    assert result.returncode == 1, result.stdout + result.stderr
    jobs = {job["quickstart"]: job for job in json.loads(out.read_text())["jobs"]}
    assert {name: job["status"] for name, job in jobs.items()} == {
        "first/python/http": "passed", "second/python/http": "passed", "traces/python/http": "failed"}
    assert "zipkin-server did not start on port 9411" in jobs["traces/python/http"]["reason"]
    assert "interrupted" not in result.stdout + result.stderr

