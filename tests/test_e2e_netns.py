"""Jobs whose quickstarts name the same port: each in a network of its own, side by side (as root
with unshare and slirp4netns), or one after another on the machine's loopback when asked; a port
another program holds on the host is no obstacle to a job in its own network."""

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

from conftest import ROOT
from runner.services import netns
from test_faults import make_tree, validate

pytestmark = pytest.mark.e2e


@pytest.fixture
def own_networks_here():
    if why := netns.unavailable():
        pytest.skip(f"no network of its own per job here: {why}")


def _two_jobs_naming(port: int, tmp_path):
    """state_management/python/sdk and a copy as .../python/http, both apps' sidecars on `port`."""
    tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 3\n", extra_app={"daprHTTPPort": port})
    shutil.copytree(tree / "state_management/python/sdk", tree / "state_management/python/http")
    shutil.copy(exp / "state_management/python-sdk.txt", exp / "state_management/python-http.txt")
    return tree, exp


def _running(job: dict) -> tuple[float, float]:
    (run,) = [phase for phase in job["timeline"] if phase["name"] == "running"]
    return run["start_s"], run["end_s"]


@pytest.mark.parametrize("network", ["auto", "shared"])
def test_jobs_naming_one_port(network, tmp_path, daprd_path, no_leftovers, own_networks_here):
    tree, exp = _two_jobs_naming(3612, tmp_path)
    out = tmp_path / "r.json"
    result = validate(tree, exp, "-j", "2", "--job-network", network, "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(out.read_text())
    assert run["run"]["job_network"] == ("own" if network == "auto" else "shared")
    first, second = sorted(run["jobs"], key=lambda job: _running(job)[0])
    assert first["status"] == second["status"] == "passed"
    if network == "auto":
        assert _running(second)[0] < _running(first)[1], "side by side, each on its own loopback"
        assert any(phase["detail"] == "a network of its own" for phase in second["timeline"])
    else:
        assert _running(second)[0] >= _running(first)[1], "one after another on the machine's loopback"
        queued = next(phase for phase in second["timeline"] if phase["name"] == "queued")
        assert queued["detail"] == f"waited for port 3612 of {first['quickstart']}"


def test_a_port_held_on_the_host_is_free_in_the_job_network(tmp_path, daprd_path, no_leftovers, own_networks_here):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        tree, exp = make_tree(tmp_path, {}, "== APP == Saved order 1\n", extra_app={"daprHTTPPort": port})
        result = validate(tree, exp)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  state_management/python/sdk" in result.stdout


def test_not_root_the_runner_takes_a_user_namespace_and_jobs_still_run_side_by_side(tmp_path, daprd_path, no_leftovers,
                                                                                   own_networks_here):
    """As a user without CAP_SYS_ADMIN (uid 1000 in a user namespace that grants none): the runner
    starts again in a user namespace of its own, says so, and the two jobs run side by side."""
    tree, exp = _two_jobs_naming(3613, tmp_path)
    out = tmp_path / "r.json"
    as_user = ["unshare", "--user", "--map-user=1000", "--map-group=1000", "--"]
    result = subprocess.run([*as_user, sys.executable, "-m", "runner", "validate", "--repo", str(tree), "--expected",
                             str(exp), "--lang", "python", "-j", "2", "--json", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600, env=os.environ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the runner in a user namespace of its own, as it is not root" in result.stderr, result.stderr
    run = json.loads(out.read_text())
    assert run["run"]["job_network"] == "own"
    first, second = sorted(run["jobs"], key=lambda job: _running(job)[0])
    assert first["status"] == second["status"] == "passed"
    assert _running(second)[0] < _running(first)[1], "side by side, each on its own loopback"
