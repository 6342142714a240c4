"""The real quickstarts (the shared v1.17.0 snapshot) through each service a job starts besides
Redis: placement and scheduler (a workflow), PostgreSQL (a bindings quickstart's `docker
compose up`), and `docker exec dapr_redis redis-cli` (configuration)."""

import json

import pytest

from conftest import SNAPSHOT, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")]


def validate(tmp_path, *args: str) -> tuple[dict, str]:
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(SNAPSHOT), "--ref", "v1.17.0", "--lang", "python", "--json",
                     str(out), *args)
    (job,) = json.loads(out.read_text())["jobs"]
    return job, result.stdout + result.stderr


def test_a_workflow_runs_on_the_jobs_own_placement_and_scheduler(tmp_path, daprd_path, no_leftovers):
    """Its STEP's lines all come (the workflow ran on the job's own control plane); its page's
    "Expected output" shows the SDK's log lines of an older release, which it no longer prints:
    drift its README's readers meet, named at the page's line."""
    job, said = validate(tmp_path, "workflows")
    transcript = "\n".join(job["transcript"])
    assert "Connected and received scheduler hosts addresses: [127.0.0.1:" in transcript
    assert "Registering workflow engine" in transcript
    app_said = "\n".join(line for line in job["transcript"] if line.startswith("== APP"))
    assert "== APP - order-processor == Workflow completed! Result:" in transcript, f"{job['reason']}\n{app_said}"
    assert job["status"] == "failed" and job["kind"] == "output mismatch", said
    assert job["reason"].startswith("workflows/python/sdk/README.md:55: the page shows `2025-02-13 11:44:11.357 "
                                    "durabletask-worker INFO: Starting gRPC worker"), job["reason"]
    assert not any("expected stdout line not found" in miss for miss in job["misses"]), "the STEP passes as mm.py's"


def test_bindings_write_to_a_postgresql_of_the_job(tmp_path, daprd_path, no_leftovers):
    job, said = validate(tmp_path, "bindings", "--variant", "http")
    assert job["status"] == "passed", said
    transcript = "\n".join(job["transcript"])
    assert "\u2714 Container postgres  Started" in transcript
    assert "insert into orders (orderid, customer, price) values (1, 'John Smith', 100.32)" in transcript


def test_docker_exec_into_dapr_redis_reaches_the_jobs_redis(tmp_path, daprd_path, no_leftovers):
    job, said = validate(tmp_path, "configuration", "--variant", "sdk")
    assert job["status"] == "passed", said
    assert "== APP == Configuration for orderId1 : 101" in job["transcript"]  # the value MSET put there


def test_a_failure_reads_from_the_repository_root_and_names_the_missing_file(tmp_path, daprd_path, no_leftovers):
    # The snapshot left out the quickstart's image (over 4 MiB): the app cannot find it.
    job, said = validate(tmp_path, "cryptography")
    assert job["status"] == "failed", said
    reason = job["reason"]
    assert reason.startswith("app crashed: crypto-quickstart (started by `dapr run --app-id crypto-quickstart "), reason
    assert "at cryptography/python/sdk/README.md:70) exited with 1" in reason
    assert "No such file or directory: 'desert.jpg'" in reason and "desert.jpg is nowhere in cryptography/python/sdk/" in reason
    assert job["failure_file"] == "cryptography/python/sdk/README.md" and str(tmp_path) not in said
    assert ".cache" not in json.dumps(job["misses"]) and "\x1b" not in json.dumps(job)
    (detail, *_) = job["miss_details"]  # the closest output line to the first line not seen
    assert detail["expected"] == "Wrote encrypted data to encrypted.out" and detail["closest"]
    assert "[  " in said and "FAIL  cryptography/python/sdk" in said  # its verdict, stamped as it ended


def test_tutorials_run_as_far_as_one_machine_takes_them(tmp_path, daprd_path, no_leftovers):
    """hello-world (a Node and a Python app, `dapr invoke` through the shim) runs its steps, all of
    whose lines come, and its page's: it shows the Node app's `Successfully persisted state` without
    the period the app prints, which a reader calls the same line, after a `persisted` line of an
    order the page does not show. secretstore runs its local steps, then stops at its first
    Kubernetes step: skipped, saying which (its page blocks past that step are not checked)."""
    out = tmp_path / "r.json"
    result = run_cli("validate", "tutorials/hello-world", "tutorials/secretstore", "--repo", str(SNAPSHOT), "--ref",
                     "v1.17.0", "--json", str(out))
    said = result.stdout + result.stderr
    jobs = {job["quickstart"]: job for job in json.loads(out.read_text())["jobs"]}
    hello, secrets = jobs["tutorials/hello-world"], jobs["tutorials/secretstore"]
    assert hello["status"] == "passed" and hello["language"] == "multi", said
    assert hello["matched"] == hello["expected"] > 30
    assert "\u2705  App invoked successfully" in hello["transcript"]
    assert secrets["status"] == "skipped", said
    assert secrets["reason"] == ("needs Kubernetes: kubectl create secret generic mysecret --from-file ./mysecret "
                                 "(line 240); the steps before it passed")
    assert "== APP == Base64 encoded secret is: YWJjZA==" in secrets["transcript"]  # SECRET_STORE reached the app
    assert result.returncode == 0, said
