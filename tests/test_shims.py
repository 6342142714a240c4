"""The shims README steps call, alone: what they serve and what they refuse."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def shim(*args: str, cwd=ROOT, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "runner.shim", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_docker_commands_no_local_service_serves_say_they_need_docker(tmp_path):
    result = shim("docker", "run", "-d", "-p", "8080:80", "nginx", env_extra={"QSR_RUN_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == "needs Docker: docker run -d -p 8080:80 nginx (image nginx)"
    stopped = shim("docker", "stop", "postgres", env_extra={"QSR_RUN_DIR": str(tmp_path)})
    assert stopped.returncode == 1 and stopped.stderr.startswith("needs Docker: docker stop postgres")


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


def test_calls_handed_to_the_real_cli_point_at_the_jobs_services(tmp_path):
    import yaml

    from runner.services.controlplane import ControlPlaneAddresses
    from runner.services.redis import RedisEndpoint
    from runner.shim.to_dapr_cli import dapr_cli_argv

    resources, app, run_dir = tmp_path / "resources", tmp_path / "qs" / "app", tmp_path / "run"
    for folder in (resources, app, run_dir):
        folder.mkdir(parents=True)
    (resources / "statestore.yaml").write_text(
        "kind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.redis\n  metadata:\n"
        "  - name: redisHost\n    value: localhost:6379\n")
    redis, plane = RedisEndpoint("127.0.0.1", 7001), ControlPlaneAddresses("127.0.0.1:7002", "127.0.0.1:7003")
    argv = dapr_cli_argv(["run", "--app-id", "a", "--resources-path", "../../resources", "--app-port", "6001", "--",
                     "python3", "app.py"], app, run_dir, redis, plane)
    copy = Path(argv[argv.index("--resources-path") + 1])
    assert copy.parent.parent == run_dir and "127.0.0.1:7001" in (copy / "statestore.yaml").read_text()
    assert argv[argv.index("--app-port") + 1] == "6001"  # ports the step names stay as named
    assert "--placement-host-address=127.0.0.1:7002" in argv and "--scheduler-host-address=127.0.0.1:7003" in argv
    # the app runs under our terminal inside the CLI's run (its two streams in the order it wrote them),
    # through a wrapper of its program's name first on the CLI's PATH: the command stays as written
    assert argv[argv.index("--") + 1:] == ["python3", "app.py"] and "--config" in argv[:argv.index("--")]
    assert "runner.services.ptyout" in (run_dir / "app-wrappers" / "python3").read_text()
    (tmp_path / "qs" / "dapr.yaml").write_text("version: 1\ncommon:\n  resourcesPath: ../resources\napps:\n"
                                              "  - appID: a\n    appDirPath: ./app/\n    command: [python3, app.py]\n")
    argv = dapr_cli_argv(["run", "-f", "."], tmp_path / "qs", run_dir, redis, plane)
    template = yaml.safe_load(Path(argv[2]).read_text())
    assert Path(template["common"]["resourcesPaths"][0]).parent.parent == run_dir
    assert template["common"]["placementHostAddress"] == "127.0.0.1:7002"
    assert template["apps"][0]["appDirPath"] == str(app)


_STOPPING_RUN = """
import signal, sys, time
from runner.shim.dapr import _sigterm_to_exit
signal.signal(signal.SIGTERM, _sigterm_to_exit)
try:
    print("up", flush=True)  # within the try: the first SIGTERM may come as soon as it is read
    time.sleep(60)
except KeyboardInterrupt:
    time.sleep(1)  # stopping its apps and daprds, as the shim's `dapr run` does
    print("stopped", flush=True)
"""


def test_a_dapr_run_stopping_takes_a_second_sigterm_in_its_stride():
    """pub_sub/java/sdk: `dapr stop -f .` signalled the template's one `dapr run -f` once per app,
    and the second SIGTERM, mid-stop, ended the step with -15 (or -2), not the CLI's 0."""
    import signal
    import time

    run = subprocess.Popen([sys.executable, "-c", _STOPPING_RUN], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert run.stdout.readline() == "up\n"
    run.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=10) == 0 and run.stdout.read() == "stopped\n"


def test_dapr_stop_of_a_templates_apps_signals_their_one_run_once(tmp_path):
    counter = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                "signal.signal(signal.SIGTERM, lambda *a: print('TERM', flush=True))\n"
                                "print('up', flush=True)\ntime.sleep(3)"], stdout=subprocess.PIPE, text=True)
    assert counter.stdout.readline() == "up\n"
    for app in ("checkout", "order-processor"):
        (tmp_path / f"app-{app}.pid").write_text(str(counter.pid))
    from runner.services.shimenv import ShimContext
    from runner.shim.dapr import _stop

    assert _stop(ShimContext(run_dir=tmp_path), ["--app-id", "checkout", "-a", "order-processor"]) == 0
    counter.wait(timeout=10)
    assert counter.stdout.read() == "TERM\n"  # the one signal, however many apps the run has
