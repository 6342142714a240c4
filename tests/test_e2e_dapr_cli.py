"""The real dapr CLI as the sidecar mode: the same quickstarts, the same verdicts as daprd mode."""

import json
import socket
from pathlib import Path

import pytest

from conftest import EXPECTED, SECOND_RUNTIME, run_cli, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHECKOUT = '''
import json, os, time, urllib.request
url = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0/invoke/order-processor/method/orders"
for order_id in range(1, 4):
    body = json.dumps({"orderId": order_id}).encode()
    for attempt in range(100):  # until order-processor and its sidecar are up
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST",
                                                          headers={"Content-Type": "application/json"}))
            break
        except OSError:
            time.sleep(0.1)
    print("Order passed:", json.dumps({"orderId": order_id}), flush=True)
'''
ORDER_PROCESSOR = '''
import http.server, json, os

class Orders(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        print("Order received:", json.dumps(json.loads(body)), flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), Orders).serve_forever()
'''


def verdicts(path: Path) -> dict:
    return {j["quickstart"]: (j["status"], j["matched"], j["expected"]) for j in json.loads(path.read_text())["jobs"]}


def test_python_and_go_through_the_cli_same_verdicts_as_daprd(tmp_path, dapr_cli, daprd_path, no_leftovers):
    expected = tmp_path / "expected"
    (expected / "state_management").mkdir(parents=True)
    for name in ("python-sdk.txt", "go-sdk.txt"):
        text = (EXPECTED / "state_management" / name).read_text()
        if name == "go-sdk.txt":  # one failing job, so both verdicts are compared
            text = text.replace('Getting Order: {"orderId":3}', 'Getting Order: {"orderId":33}')
        (expected / "state_management" / name).write_text(text)
    runs, reasons = {}, {}
    for mode in ("daprd", "dapr"):
        out = tmp_path / f"{mode}.json"
        result = run_cli("validate", "--lang", "python,go", "--expected", str(expected), "--sidecar", mode,
                         "--json", str(out))
        assert result.returncode == 1, result.stdout + result.stderr
        assert json.loads(out.read_text())["run"]["sidecar"] == mode
        runs[mode] = verdicts(out)
        reasons[mode] = {j["quickstart"]: (j["reason"], j["transcript"][-40:]) for j in json.loads(out.read_text())["jobs"]}
    assert runs["dapr"] == runs["daprd"], reasons
    assert runs["dapr"]["state_management/python/sdk"] == ("passed", 12, 12)
    assert runs["dapr"]["state_management/go/sdk"][0] == "failed"


@pytest.mark.parametrize("mode", ["daprd", "dapr"])
def test_multi_app_template_with_service_invocation(tmp_path, mode, dapr_cli, daprd_path, no_leftovers):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        app_port = probe.getsockname()[1]
    tree = tmp_path / "tree/service_invocation/python/http"
    for app, code in (("checkout", CHECKOUT), ("order-processor", ORDER_PROCESSOR)):
        (tree / app).mkdir(parents=True)
        (tree / app / "app.py").write_text(code)
        (tree / app / "requirements.txt").write_text("")
    (tree.parent.parent / "resources").mkdir()
    (tree / "dapr.yaml").write_text(json.dumps({"version": 1, "apps": [
        {"appID": "order-processor", "appDirPath": "./order-processor/", "appPort": app_port,
         "command": ["python3", "app.py"]},
        {"appID": "checkout", "appDirPath": "./checkout/", "command": ["python3", "app.py"]},
    ]}))
    expected = tmp_path / "expected/service_invocation"
    expected.mkdir(parents=True)
    (expected / "python-http.txt").write_text(
        "---\norder: any\n---\n"
        '== APP - checkout == Order passed: {"orderId": 3}\n'
        '== APP - order-processor == Order received: {"orderId": 1}\n'
        '== APP - order-processor == Order received: {"orderId": 3}\n')
    result = run_cli("validate", "--repo", str(tmp_path / "tree"), "--expected", str(tmp_path / "expected"),
                     "--sidecar", mode)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  service_invocation/python/http" in result.stdout


def test_doctor_lists_every_piece():
    result = run_cli("doctor")
    assert result.returncode == 0
    names = [line.split("  ")[0] for line in result.stdout.splitlines()[1:]]
    assert names == ["dapr CLI", "daprd", "placement, scheduler", "postgresql", "redis-server", "docker engine",
                     "job networks", "python3", "node", "npm", "java", "mvn", "go", "dotnet"]
    assert "\x1b" not in result.stdout


STATUS_MARKS = ("\u2139\ufe0f", "\u2705", "\u274c", "\u26a0")


def status_lines(output: str) -> list[str]:
    """The CLI's status lines, ports, pids and paths masked (they differ from run to run)."""
    import re

    lines = [line.strip() for line in output.splitlines() if line.startswith(STATUS_MARKS)]
    return [re.sub(r"/\S+", "[PATH]", re.sub(r"\b\d{2,}\b", "[N]", line)) for line in lines]


def run_until_exit_then_stop(argv: list[str], cwd: Path, env: dict, shown: str) -> str:
    """Run a `dapr run` until it exits, or (`dapr run -f` stays up) until `shown` has been printed
    and then nothing more for a while; then stop it as `dapr stop` would. Its whole output."""
    import signal
    import subprocess
    import threading
    import time

    # Its own process group, but not a session of its own: the CLI makes itself a group leader.
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               process_group=0)
    lines, last = [], [time.monotonic()]

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            last[0] = time.monotonic()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_for(lambda: process.poll() is not None or (any(shown in line for line in lines)
                                                    and time.monotonic() - last[0] > 3), 180, f"`{shown}` and quiet")
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    reader.join(timeout=10)
    return "".join(lines)


@pytest.mark.parametrize("cli", ["dapr_cli", "dapr_cli_1_18"], ids=["CLI 1.16.5", "CLI 1.18.0"])
@pytest.mark.parametrize("multi", [False, True], ids=["dapr run", "dapr run -f"])
def test_the_shim_prints_the_clis_status_lines(request, tmp_path, cli, daprd_path, multi, no_leftovers):
    """Line for line as that CLI prints them: its status lines, and the app's lines as it frames
    them (from 1.17 a one-app run's bare, a blank line after "You're up and running!")."""
    import os
    import sys

    dapr_cli = request.getfixturevalue(cli)

    app = tmp_path / "app"
    app.mkdir()
    (app / "app.py").write_text("print('hello from the app', flush=True)\n")
    (tmp_path / "dapr.yaml").write_text(
        "version: 1\ncommon:\n  placementHostAddress: ''\n  schedulerHostAddress: ''\napps:\n"
        "  - appID: greeter\n    appDirPath: ./app/\n    command: [python3, app.py]\n")
    args = ["run", "-f", "."] if multi else ["run", "--app-id", "greeter", "--placement-host-address", "",
                                            "--scheduler-host-address", "", "--", "python3", "app.py"]
    cwd = tmp_path if multi else app
    env = {**os.environ, **dapr_cli.env()}
    real = run_until_exit_then_stop([str(dapr_cli.path), *args], cwd, env, "hello from the app")
    ours = run_until_exit_then_stop([sys.executable, "-m", "runner.shim", "dapr", *args], cwd,
                                    {**env, "QSR_DAPRD": str(daprd_path), "QSR_CLI_FORMAT": dapr_cli.version},
                                    "hello from the app")
    assert "hello from the app" in real and "hello from the app" in ours, (real, ours)
    assert status_lines(ours) == status_lines(real), f"real CLI:\n{real}\n\nshim:\n{ours}"
    assert framed_app_lines(ours) == framed_app_lines(real), f"real CLI:\n{real}\n\nshim:\n{ours}"


def framed_app_lines(output: str) -> list[str]:
    """The app's lines as the CLI framed them, and the blank lines between the CLI's and the app's."""
    lines = output.splitlines()
    app = [i for i, line in enumerate(lines) if "hello from the app" in line]
    up = next((i for i, line in enumerate(lines) if "You're up and running" in line), None)
    start = up + 1 if up is not None else app[0]
    return [line.rstrip() for line in lines[start:app[-1] + 1] if "hello" in line or not line.strip()]


def test_the_cli_runs_the_daprd_of_the_version_asked_for(tmp_path, dapr_cli, daprd_path, no_leftovers):
    """`--sidecar dapr --dapr-version V`: the CLI's runtime is V (a slim install of V's daprd), not
    whichever daprd was built first."""
    out = tmp_path / "r.json"
    result = run_cli("validate", "state_management", "--lang", "go", "--sidecar", "dapr", "--dapr-version",
                     SECOND_RUNTIME, "--json", str(out), timeout=1500)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(out.read_text())
    assert document["run"]["sidecar"] == "dapr" and document["run"]["runtime_version"] == SECOND_RUNTIME
    assert [job["runtime"] for job in document["jobs"]] == [SECOND_RUNTIME]


CALLED_APP = '''
import http.server, json, os

class App(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/dapr/subscribe":
            self.reply(200, json.dumps([{"pubsubname": "pubsub", "topic": "orders", "route": "/orders"}]).encode())
        else:
            self.reply(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/neworder":
            self.reply(200, json.dumps({"received": json.loads(body)}).encode())
        elif self.path == "/orders":
            print("event:", json.loads(body)["data"], flush=True)
            self.reply(200)
        else:
            self.reply(404)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), App).serve_forever()
'''
CALLS = [
    "dapr invoke --app-id orders --method neworder --data '{\"orderId\": 1}'",
    "dapr invoke --app-id orders --method neworder --data-file order.json --verb POST",
    "dapr invoke --app-id orders --method nothing-here",
    "dapr invoke --app-id nobody --method neworder",
    "dapr invoke --app-id orders --method neworder --data '{}' --data-file order.json",
    "dapr publish --publish-app-id orders --pubsub pubsub --topic orders --data '{\"orderId\": 2}'",
    "dapr publish --publish-app-id orders --pubsub pubsub --topic orders --data-file order.json",
    "dapr publish --publish-app-id orders --pubsub pubsub --data '{}'",
    "dapr publish --publish-app-id nobody --pubsub pubsub --topic orders --data '{}'",
    "dapr invoke --method neworder",
    "dapr list",
]


def _called_readme(folder: Path, port: int) -> Path:
    (folder / "app.py").write_text(CALLED_APP)
    (folder / "order.json").write_text('{"orderId": 3}')
    steps = [f"<!-- STEP\nname: run\nbackground: true\nsleep: 4\n-->\n\n```bash\ndapr run --app-id orders "
             f"--app-port {port} -- python3 app.py\n```\n\n<!-- END_STEP -->\n"]
    steps += [f"<!-- STEP\nname: call {i}\n-->\n\n```bash\n{call}\necho \"exit $?\"\n```\n\n<!-- END_STEP -->\n"
              for i, call in enumerate(CALLS)]
    steps.append("<!-- STEP\nname: stop\n-->\n\n```bash\ndapr stop --app-id orders\n```\n\n<!-- END_STEP -->\n")
    readme = folder / "README.md"
    readme.write_text("\n".join(steps))
    return readme


def _said(run) -> list[tuple[str, str]]:
    """Each call's stdout and the first line of its stderr (after a missing flag cobra prints its
    usage, which the shim leaves out)."""
    return [(step.commands[0].output("stdout").strip(), next(iter(step.commands[0].output("stderr").splitlines()), ""))
            for step in run.steps[1:-1]]


def test_invoke_and_publish_say_what_the_cli_says(tmp_path, dapr_cli, daprd_path, no_leftovers):
    """`dapr invoke` and `dapr publish` served by the shim against the run's own sidecar print what
    the real CLI prints for the same calls: its successes, its errors, its exit codes."""
    from runner.formats.steps import load_annotated
    from runner.mm.runner import ReadmeRun
    from runner.provision.daprd import ensure_control_plane
    from runner.services.ports import free_port

    plane = ensure_control_plane(beside=daprd_path)
    said = {}
    for mode, real in (("shim", None), ("cli", dapr_cli)):
        folder = tmp_path / mode
        folder.mkdir()
        readme = load_annotated(_called_readme(folder, free_port()))
        run = ReadmeRun(readme, cwd=folder, daprd=daprd_path, control_plane_binaries=plane, say=lambda text: None,
                        real_cli=real)
        run.run()
        said[mode] = _said(run)
    assert said["shim"][0][0].endswith("\u2705  App invoked successfully\nexit 0")
    import re

    masked = lambda text: re.sub(r" +", " ", re.sub(r"\d+(\.\d+)?[smhd]?", "N", text))  # noqa: E731 - ports, pids, ages
    # The real `dapr list` shows every sidecar of the machine, other tests' too (under xdist): the
    # header, this run's app and the exit line are what the two can agree on.
    ours = lambda text: "\n".join(line for line in text.splitlines()  # noqa: E731
                                   if line.startswith(("APP ID", "orders ", "exit ")) or "APP ID" not in text)
    said = {mode: [(masked(ours(out)), masked(err)) for out, err in calls] for mode, calls in said.items()}
    for call, ours, theirs in zip(CALLS, said["shim"], said["cli"]):
        assert ours == theirs, f"{call}\nshim: {ours}\nreal CLI: {theirs}"


def test_the_real_cli_1_18_gives_the_verdicts_and_app_lines_of_daprd_mode(tmp_path, dapr_cli_1_18, daprd_path,
                                                                            no_leftovers):
    """CLI 1.18 prints a one-app run's lines bare; read as the job reads every app line, they are the
    lines daprd mode prints (the local ports each run picks aside), and the verdicts are the same."""
    from runner.transcript.normalize import normalizer

    normal = normalizer()
    runs = {}
    for mode, args in (("daprd", ["--sidecar", "daprd"]), ("dapr", ["--sidecar", "dapr", "--dapr-cli-version", "1.18.0"])):
        out = tmp_path / f"{mode}.json"
        result = run_cli("validate", "state_management", "--lang", "python,go", *args, "--json", str(out))
        assert result.returncode == 0, result.stdout + result.stderr
        runs[mode] = {job["quickstart"]: (job["status"], [normal(line) for line in job["transcript"]
                                                          if line.startswith("== APP")])
                      for job in json.loads(out.read_text())["jobs"]}
        if mode == "dapr":
            assert "1.18.0" in str(json.loads(out.read_text())["run"]["dapr_cli"])
    for quickstart, (status, lines) in runs["daprd"].items():
        cli_status, cli_lines = runs["dapr"][quickstart]
        shown = min(len(lines), len(cli_lines))  # each run stops once its lines are in
        assert status == cli_status == "passed" and shown >= 9
        assert lines[:shown] == cli_lines[:shown], quickstart
