"""The shims README steps call, alone: what they serve and what they refuse."""

import subprocess
import sys

from conftest import ROOT


def shim(*args: str, cwd=ROOT, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "runner.shim", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_docker_commands_no_local_service_serves_say_they_need_docker(tmp_path):
    result = shim("docker", "run", "-d", "-p", "9411:9411", "openzipkin/zipkin", env_extra={"QSR_RUN_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == "needs Docker: docker run -d -p 9411:9411 openzipkin/zipkin"


def test_compose_services_other_than_postgres_need_docker(tmp_path):
    (tmp_path / "docker-compose.yml").write_text("services:\n  cache:\n    image: redis:7\n")
    result = shim("docker", "compose", "up", "-d", cwd=tmp_path, env_extra={"QSR_RUN_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "needs Docker: docker compose up -d (service cache: image redis:7)" in result.stderr


def test_a_bad_compose_file_is_one_line_naming_it(tmp_path):
    (tmp_path / "compose.yaml").write_text("services: [\n")
    result = shim("docker", "compose", "up", cwd=tmp_path, env_extra={"QSR_RUN_DIR": str(tmp_path)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"quickstart-runner: {tmp_path / 'compose.yaml'}:")
