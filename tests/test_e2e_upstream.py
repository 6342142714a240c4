"""The real quickstarts (the shared v1.17.0 snapshot) through each service a job starts besides
Redis: placement and scheduler (a workflow), PostgreSQL (a bindings quickstart's `docker
compose up`), and `docker exec dapr_redis redis-cli` (configuration)."""

import json

import pytest

from conftest import SNAPSHOT, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"no snapshot at {SNAPSHOT}")]


def validate(tmp_path, *args: str) -> tuple[dict, str]:
    out = tmp_path / "r.json"
    result = run_cli("validate", "--repo", str(SNAPSHOT), "--ref", "v1.17.0", "--lang", "python", "--json",
                     str(out), *args)
    (job,) = json.loads(out.read_text())["jobs"]
    return job, result.stdout + result.stderr


def test_a_workflow_runs_on_the_jobs_own_placement_and_scheduler(tmp_path, daprd_path, no_leftovers):
    job, said = validate(tmp_path, "workflows")
    assert job["status"] == "passed", said
    transcript = "\n".join(job["transcript"])
    assert "Connected and received scheduler hosts addresses: [127.0.0.1:" in transcript
    assert "Registering workflow engine" in transcript


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
