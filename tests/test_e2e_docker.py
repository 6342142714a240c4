"""`--infra docker`: each job's Redis, placement and scheduler as containers of a real Docker
engine (Debian's dockerd, started here; images built here FROM scratch, no registry), with
the same verdicts as local services, and no container left after a pass, two jobs at once,
a Ctrl-C, or a runner killed with SIGKILL (the next run removes what it left)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SNAPSHOT, run_cli
from dockerhost import build_service_images, start_engine, stop_engine

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("dockerd") is None, reason="dockerd: not found (apt-get install docker.io)"),
              pytest.mark.skipif(os.geteuid() != 0, reason="dockerd needs root")]


@pytest.fixture(scope="module")
def docker_host(tmp_path_factory, daprd_path):
    import docker

    from runner.provision.daprd import ensure_control_plane

    root = tmp_path_factory.mktemp("docker")
    process, host = start_engine(root)
    try:
        client = docker.DockerClient(base_url=host)
        binaries = ensure_control_plane()
        build_service_images(client, binaries.placement, binaries.scheduler, "1.17.0", root / "images")
        yield host
    finally:
        stop_engine(process, root)


def containers(host: str) -> list[str]:
    out = subprocess.run(["docker", "-H", host, "ps", "-a", "--filter", "label=io.quickstart-runner.owner",
                          "--format", "{{.Names}}"], capture_output=True, text=True, check=True).stdout
    return out.split()


def validate(tmp_path, host: str, infra: str, *args: str) -> dict[str, str]:
    out = tmp_path / f"{infra}.json"
    result = run_cli("validate", "--infra", infra, "--json", str(out), *args, env={"DOCKER_HOST": host})
    assert result.returncode in (0, 1), result.stderr
    return {job["quickstart"]: job["status"] for job in json.loads(out.read_text())["jobs"]}


def test_the_same_verdicts_as_local_services(tmp_path, docker_host, no_leftovers):
    bundled = validate(tmp_path, docker_host, "docker", "--lang", "python")
    assert containers(docker_host) == []
    assert bundled == validate(tmp_path, docker_host, "local", "--lang", "python") == {
        "state_management/python/sdk": "passed"}
    if SNAPSHOT.is_dir():  # a README job: its `dapr` shim, PostgreSQL from `docker compose up`
        upstream = ("--repo", str(SNAPSHOT), "--ref", "v1.17.0", "bindings/go/http")
        assert validate(tmp_path, docker_host, "docker", *upstream) == {"bindings/go/http": "passed"}
        assert containers(docker_host) == []
        assert validate(tmp_path, docker_host, "local", *upstream) == {"bindings/go/http": "passed"}


def test_two_jobs_at_once_and_a_missing_image_named(tmp_path, docker_host, no_leftovers):
    assert validate(tmp_path, docker_host, "docker", "--lang", "python,go", "-j", "2") == {
        "state_management/python/sdk": "passed", "state_management/go/sdk": "passed"}
    assert containers(docker_host) == []
    result = run_cli("validate", "--infra", "docker", "--lang", "go", "--image", "redis=redis:nowhere",
                     env={"DOCKER_HOST": docker_host})
    assert result.returncode == 1 and "image redis:nowhere: not present, and the pull failed" in result.stdout
    bad = run_cli("validate", "--infra", "docker", "--image", "etcd=x", env={"DOCKER_HOST": docker_host})
    assert bad.returncode == 2 and "--image: wants SERVICE=IMAGE" in bad.stderr


def _runner(host: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "runner", "validate", "--infra", "docker", "--lang", "python"],
                            cwd=ROOT, env={**os.environ, "DOCKER_HOST": host}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_for_containers(host: str, count: int) -> None:
    deadline = time.monotonic() + 60
    while len(containers(host)) < count:
        assert time.monotonic() < deadline, "the runner's containers never came up"
        time.sleep(0.2)


def test_ctrl_c_removes_the_containers(docker_host, no_leftovers):
    runner = _runner(docker_host)
    _wait_for_containers(docker_host, 3)
    runner.send_signal(signal.SIGINT)
    assert runner.wait(timeout=60) == 130
    assert containers(docker_host) == []


def test_a_runner_killed_hard_is_reaped_by_the_next(tmp_path, docker_host, own_registry, no_leftovers):
    runner = _runner(docker_host)
    _wait_for_containers(docker_host, 3)
    runner.kill()  # SIGKILL: nothing of the runner's own cleanup runs
    runner.wait(timeout=30)
    assert len(containers(docker_host)) >= 3
    assert validate(tmp_path, docker_host, "docker", "--lang", "go") == {"state_management/go/sdk": "passed"}
    assert containers(docker_host) == []
