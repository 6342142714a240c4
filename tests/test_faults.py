"""Faults, each with a clear verdict and nothing left running: hangs, crashes, a bad component,
daprd or Redis dying mid-run, a taken port, a missing toolchain, an unwritable cache, secrets, flakes."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, descendants, run_cli, wait_for

pytestmark = pytest.mark.e2e

APP = '''
import json, os, sys, time, urllib.request
fault = os.environ.get("FAULT", "")
base = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0"
print("started", flush=True)
if fault == "hang":
    time.sleep(3600)
if fault == "crash":
    print("about to crash", flush=True)
    sys.exit(3)
if fault == "daprd-shutdown":
    urllib.request.urlopen(urllib.request.Request(base + "/shutdown", method="POST"))
    time.sleep(60)
if fault == "flaky" and not os.path.exists(os.environ["MARKER"]):
    open(os.environ["MARKER"], "w").close()
    sys.exit(1)
if fault == "secret":
    print("token is", os.environ.get("MY_API_TOKEN", "<unset>"), flush=True)
for i in range(1, 1000 if fault == "forever" else 4):
    body = json.dumps([{"key": str(i), "value": i}]).encode()
    urllib.request.urlopen(urllib.request.Request(base + "/state/statestore", data=body, method="POST",
                                                  headers={"Content-Type": "application/json"}))
    print(f"Saved order {i}", flush=True)
    time.sleep(0.3)
'''


def make_tree(tmp_path: Path, env: dict, expected: str, component_type: str = "state.redis",
              extra_app: dict | None = None) -> tuple[Path, Path]:
    tree, exp = tmp_path / "tree", tmp_path / "expected"
    app_dir = tree / "state_management/python/sdk/order-processor"
    app_dir.mkdir(parents=True)
    (app_dir / "app.py").write_text(APP)
    (app_dir / "requirements.txt").write_text("")
    res = tree / "state_management/resources"
    res.mkdir()
    (res / "statestore.yaml").write_text(
        f"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: {component_type}\n"
        "  version: v1\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n")
    app = {"appID": "order-processor", "appDirPath": "./order-processor/", "command": ["python3", "app.py"], "env": env}
    app.update(extra_app or {})
    (tree / "state_management/python/sdk/dapr.yaml").write_text(
        json.dumps({"version": 1, "common": {"resourcesPath": "../../resources/"}, "apps": [app]}))
    (exp / "state_management").mkdir(parents=True)
    (exp / "state_management/python-sdk.txt").write_text(expected)
    return tree, exp


def validate(tree: Path, exp: Path, *args: str, env: dict | None = None):
    return run_cli("validate", "--repo", str(tree), "--expected", str(exp), "--lang", "python", *args, env=env)


def start_running(tree: Path, exp: Path, env: dict | None = None) -> subprocess.Popen:
    """A validate run in the background, returned once its job is running."""
    runner = subprocess.Popen([sys.executable, "-m", "runner", "validate", "--repo", str(tree), "--expected", str(exp),
                               "--lang", "python"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env)
    seen, deadline = "", time.monotonic() + 120
    while "running" not in seen:
        line = runner.stderr.readline()
        if not line and runner.poll() is not None:
            pytest.fail(f"the runner exited with {runner.returncode} before its job ran: {seen}{runner.stdout.read()}")
        assert time.monotonic() < deadline, f"no job running after 120 s: {seen}"
        seen += line
    return runner


def app_of(runner: subprocess.Popen) -> int:
    """The pid of the runner's app, once it has started (what a fault is injected into)."""
    return wait_for(lambda: next((pid for pid, cmd in descendants(runner.pid).items() if "app.py" in cmd), None),
                    60, "the app to start")


def test_app_hangs(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "hang"}, "---\ntimeout: 3\n---\n== APP == never printed\n")
    result = validate(tree, exp)
    assert result.returncode == 1
    assert "timed out after 3s with 0 of 1 expected lines matched; last app output: [" in result.stdout
    assert "== APP == started" in result.stdout


def test_app_crashes(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "crash"}, "== APP == Saved order 1\n")
    result = validate(tree, exp)
    assert result.returncode == 1
    assert "app crashed: order-processor (started by `" in result.stdout and ") exited with 3: about to crash" in result.stdout
    assert "about to crash; its last lines: started\n" in result.stdout  # the cause is not quoted twice


def test_a_component_type_our_daprd_lacks_is_named_with_its_file(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 1\n", component_type="state.nosuchstore")
    result = validate(tree, exp)
    assert result.returncode == 1
    component = tree / "state_management/resources/statestore.yaml"
    named = component.relative_to(tree)  # files of the tree are named from its root
    assert (f"component type state.nosuchstore ({named}) is not in this daprd: no official daprd v1.17.0 carries "
            "state.nosuchstore either") in result.stdout, result.stdout


def test_bad_component_shows_the_daprd_error(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 1\n")
    (tree / "state_management/resources/db.yaml").write_text(  # a PostgreSQL nobody listens for
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: sqldb\nspec:\n  type: bindings.postgres\n"
        "  version: v1\n  metadata:\n  - name: url\n    value: host=127.0.0.1 port=1 user=x dbname=x connect_timeout=2\n")
    result = validate(tree, exp)
    assert result.returncode == 1
    # Whether daprd dies before or just after its health endpoint first answers is a race;
    # either way the verdict names daprd and shows its fatal line.
    assert ("daprd exited with code 1 before it was ready: " in result.stdout
            or "daprd for order-processor exited with code 1 during the run: " in result.stdout)
    assert "Fatal error from runtime: process component sqldb" in result.stdout
    assert "failed to ping the DB" in result.stdout


def test_daprd_dies_mid_run(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "daprd-shutdown"}, "== APP == Saved order 1\n")
    result = validate(tree, exp)
    assert result.returncode == 1
    assert "daprd for order-processor exited with code 0 during the run" in result.stdout


def test_redis_dies_mid_run(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "forever"}, "== APP == Saved order 999\n")
    runner = start_running(tree, exp)
    app_of(runner)  # the job is past its set-up, its app running beside Redis
    redis_pid = next((pid for pid, cmd in descendants(runner.pid).items()
                      if cmd and cmd.split()[0].endswith("redis-server")), None)
    assert redis_pid is not None, f"no redis-server below the runner: {descendants(runner.pid)}"
    os.kill(redis_pid, signal.SIGKILL)
    out, _ = runner.communicate(timeout=60)
    assert runner.returncode == 1
    assert "redis-server exited (signal 9) during the run" in out


def test_wanted_port_taken(tmp_path, daprd_path, no_leftovers):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 1\n", extra_app={"daprHTTPPort": port})
        result = validate(tree, exp, "--job-network", "shared")  # in a network of its own the port is free
    assert result.returncode == 1
    assert f"port {port}, which state_management/python/sdk names, is taken by another program" in result.stdout


def test_missing_toolchain_is_skipped_with_reason(tmp_path, daprd_path):
    tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 1\n")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "python3").exists())
    result = validate(tree, exp, "--daprd", str(daprd_path), env={"PATH": path})
    assert result.returncode == 0, result.stderr
    assert "SKIP  state_management/python/sdk  (python3: not found)" in result.stdout
    assert validate(tree, exp, "--daprd", str(daprd_path), "--strict", env={"PATH": path}).returncode == 1


def test_unwritable_cache_is_a_clear_failure(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 1\n")
    result = validate(tree, exp, "--daprd", str(daprd_path), env={"QUICKSTART_RUNNER_CACHE": "/dev/null/cache"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Not a directory: /dev/null/cache" in result.stdout


def test_secrets_are_not_passed_and_are_redacted(tmp_path, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "secret"}, "== APP == token is <unset>\n")
    env = {"MY_API_TOKEN": "supersecret123"}
    assert validate(tree, exp, env=env).returncode == 0
    out = tmp_path / "r.json"
    (exp / "state_management/python-sdk.txt").write_text("== APP == token is [REDACTED]\n== APP == never\n---\n")
    result = validate(tree, exp, "--pass-env", "MY_API_TOKEN", "--json", str(out), env=env)
    assert result.returncode == 1
    report = out.read_text()
    assert "supersecret123" not in report + result.stdout + result.stderr
    assert "== APP == token is [REDACTED]" in report


def test_flaky_job_is_reported_as_flaky(tmp_path, daprd_path, no_leftovers):
    marker = tmp_path / "marker"
    tree, exp = make_tree(tmp_path, {"FAULT": "flaky", "MARKER": str(marker)}, "== APP == Saved order 1\n")
    out = tmp_path / "r.json"
    result = validate(tree, exp, "--retries", "1", "--json", str(out))
    assert result.returncode == 0
    assert "FLAKY state_management/python/sdk" in result.stdout and "passed on attempt 2 of 2" in result.stdout
    assert json.loads(out.read_text())["jobs"][0]["status"] == "flaky"
    marker.unlink()
    assert validate(tree, exp).returncode == 1  # without retries, the first failure stands


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_everything(tmp_path, sig, daprd_path, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "forever"}, "== APP == Saved order 999\n")
    runner = start_running(tree, exp)
    app_of(runner)
    runner.send_signal(sig)
    _, err = runner.communicate(timeout=30)
    assert runner.returncode == 130
    why = "SIGTERM received" if sig == signal.SIGTERM else "Ctrl-C (SIGINT)"
    assert f"interrupted ({why}); everything started was stopped" in err, err


def test_killed_runner_is_cleaned_up_by_the_next(tmp_path, daprd_path, own_registry, no_leftovers):
    tree, exp = make_tree(tmp_path, {"FAULT": "forever"}, "== APP == Saved order 999\n")
    runner = start_running(tree, exp)
    app_of(runner)
    runner.kill()
    runner.wait()
    left = run_cli("validate", "--repo", str(tree), "--expected", str(exp), "--lang", "csharp")
    assert "cleaned up after an earlier run: process group" in left.stderr
    assert "cleaned up after an earlier run: temp dir" in left.stderr
