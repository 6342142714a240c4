"""C# on a real .NET SDK (the test environment's, `scripts/test-dotnet.sh`), beside a real daprd:
which runtime and which Dapr .NET SDK ran are said, `--sdk dotnet=` moves every Dapr package
without touching the project, a package no source serves is named in one line, and no `dotnet`,
MSBuild node or compiler server outlives the run."""

import json
import shutil
import signal
import subprocess
import sys
import uuid

import pytest

from conftest import EXPECTED, QUICKSTARTS, ROOT, descendants, require_tool, run_cli, wait_for

pytestmark = pytest.mark.e2e


def _job(path) -> dict:
    (job,) = json.loads(path.read_text())["jobs"]
    return job


def test_the_bundled_csharp_job_says_which_runtime_and_sdk_ran(tmp_path, daprd_path, no_leftovers):
    require_tool("dotnet")
    out = tmp_path / "r.json"
    result = run_cli("validate", "state_management", "--lang", "csharp", "--json", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    job = _job(out)
    assert job["status"] == "passed" and job["matched"] == job["expected"] > 0
    assert job["toolchain"].startswith("SDK ") and "runtime " in job["toolchain"]
    assert any(note.startswith("Dapr .NET SDK 1.18.7 (Dapr.Client") for note in job["notes"]), job["notes"]
    runtimes = job["toolchain"].split("runtime ")[1].split(", ")
    if not any(runtime.startswith("8.") for runtime in runtimes):  # the app targets net8.0
        assert any("net8.0 app on runtime" in note and "rolled forward" in note for note in job["notes"]), job["notes"]
    # `dotnet run` started the cached build: the app is `dotnet run`'s child, its own line first.
    assert job["apps"][0]["started_by"] == "`dotnet run`" and not job["apps"][0]["crashed"]


def test_sdk_override_moves_every_dapr_package_and_an_unserved_one_is_named(tmp_path, daprd_path, no_leftovers):
    require_tool("dotnet")
    out = tmp_path / "r.json"
    moved = run_cli("validate", "state_management", "--lang", "csharp", "--sdk", "dotnet=1.19.1", "--json", str(out))
    assert moved.returncode == 0, moved.stdout + moved.stderr
    job = _job(out)
    assert job["sdk"] == "1.19.1" and job["overrides"][0] == "with Dapr.Client 1.19.1 instead of 1.18.7"
    assert "(by Directory.Build.targets, the project unchanged)" in job["overrides"][1]
    assert any(note.startswith("Dapr .NET SDK 1.19.1 ") for note in job["notes"]), job["notes"]

    unserved = run_cli("validate", "state_management", "--lang", "csharp", "--sdk", "csharp=9.9.9", "--json", str(out))
    assert unserved.returncode == 1
    job = _job(out)
    assert job["status"] == "failed"
    assert job["reason"].startswith("prepare failed: no configured source serves Dapr.Client >= 9.9.9: "), job["reason"]
    assert "nearest " in job["reason"] and "\n" not in job["reason"]


@pytest.mark.parametrize("sig", [None, signal.SIGINT, signal.SIGTERM], ids=["passed", "SIGINT", "SIGTERM"])
def test_a_fresh_build_leaves_no_dotnet_msbuild_node_or_compiler_server(tmp_path, sig, daprd_path, no_leftovers):
    """A build of sources of its own (nothing cached), run to its verdict or stopped in the middle:
    the run ends with every process it started gone, the SDK's build servers included, which
    otherwise stay up for minutes after a build (no_leftovers)."""
    require_tool("dotnet")
    tree = tmp_path / "tree"
    shutil.copytree(QUICKSTARTS, tree, ignore=shutil.ignore_patterns("bin", "obj", "node_modules", "target"))
    program = tree / "state_management/csharp/sdk/order-processor/Program.cs"
    program.write_text(program.read_text() + f"// {uuid.uuid4()}\n")  # a build of its own
    runner = subprocess.Popen([sys.executable, "-m", "runner", "validate", "--repo", str(tree), "--expected",
                               str(EXPECTED), "--lang", "csharp"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    if sig is None:
        out, err = runner.communicate(timeout=300)
        assert runner.returncode == 0, out + err
        return
    wait_for(lambda: any("dotnet build" in cmd or "MSBuild.dll" in cmd for cmd in descendants(runner.pid).values()),
             120, "the C# build to start")
    runner.send_signal(sig)
    _, err = runner.communicate(timeout=60)
    assert runner.returncode == 130, err
    assert "everything started was stopped" in err, err
