"""The pytest plugin, through pytest's own pytester: quickstarts as items (ids, verdicts with the
CLI's explanation, skips with reasons, JUnit), and the `dapr` fixture of hand-written example
tests (foreground and background runs, named ports, isolation under xdist, teardown)."""

import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from conftest import EXPECTED, QUICKSTARTS, ROOT, path_without

EXAMPLES = ROOT / "tests" / "data" / "examples"
BUILD_OUTPUTS = shutil.ignore_patterns("node_modules", "target", "bin", "obj", "__pycache__", ".venv")
HOME = os.environ["HOME"]


@pytest.fixture(autouse=True)
def home(pytester, monkeypatch):
    """pytester points HOME at its temp dir; the runner's caches (daprd, prepared apps, Go and
    npm caches) live under the real one."""
    monkeypatch.setenv("HOME", HOME)


def test_one_item_per_quickstart_with_its_id(pytester):
    result = pytester.runpytest("--quickstarts", str(QUICKSTARTS), "--collect-only", "-q")
    ids = [line for line in result.outlines if line.startswith("quickstarts::")]
    assert ids == [f"quickstarts::state_management/{lang}/sdk" for lang in ("csharp", "go", "java", "javascript", "python")]
    picked = pytester.runpytest("--quickstarts", str(QUICKSTARTS), "--quickstarts-lang", "go,py", "--collect-only",
                                "-q", "-k", "go")
    assert [line for line in picked.outlines if line.startswith("quickstarts::")] == ["quickstarts::state_management/go/sdk"]


def test_a_bad_selection_is_a_usage_error(pytester):
    result = pytester.runpytest("--quickstarts", str(QUICKSTARTS), "--quickstarts-lang", "cobol")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--quickstarts-lang: unknown language 'cobol'" in result.stderr.str()
    missing = pytester.runpytest("--quickstarts", str(pytester.path / "nowhere"))
    assert missing.ret == pytest.ExitCode.USAGE_ERROR and "nowhere" in missing.stderr.str()


def make_examples(pytester, tests: str) -> None:
    shutil.copytree(EXAMPLES, pytester.path / "examples")
    pytester.makeini("[pytest]\ndapr_examples_root = examples\n")
    pytester.makepyfile(test_examples=tests)


def test_assert_lines_explains_the_missing_line():
    from runner.testing import assert_lines

    assert_lines("== APP == saved: 1\nnoise\n== APP == read back: 1\n", ["saved: 1", "read back: 1"])
    with pytest.raises(AssertionError) as missed:
        assert_lines("== APP == saved: 1\n== APP == read back: 2\n", ["saved: 1", "read back: 1"])
    assert "line 2: expected `read back: 1`; closest output line 2" in str(missed.value)
    with pytest.raises(AssertionError):
        assert_lines("b\na\n", ["a", "b"])  # sequential by default
    assert_lines("b\na\n", ["a", "b"], order="any")


@pytest.mark.e2e
def test_items_pass_fail_and_skip_as_validate_says(pytester, tmp_path, daprd_path, no_leftovers, monkeypatch):
    monkeypatch.setenv("PATH", path_without("dotnet"))  # a machine without .NET: its item is a skip
    tree = tmp_path / "tree"
    shutil.copytree(QUICKSTARTS, tree, ignore=BUILD_OUTPUTS)
    shutil.copytree(EXPECTED, tree / "expected")  # a tree's own expected transcripts
    path = tree / "expected" / "state_management" / "python-sdk.txt"
    lines = path.read_text().splitlines()
    lines[4] = "== APP == INFO:root:Result after get: b\"{'orderId': 'two'}\""
    path.write_text("\n".join(lines) + "\n")
    junit = tmp_path / "junit.xml"
    result = pytester.runpytest("--quickstarts", str(tree), "--quickstarts-lang", "python,go,csharp", "-rs",
                                f"--junitxml={junit}")
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    output = result.stdout.str()
    assert "FAIL  state_management/python/sdk" in output
    assert "line 5: expected `== APP == INFO:root:Result after get: b\"{'orderId': 'two'}\"`; closest output line" in output
    assert "SKIPPED [1] " in output and "dotnet: not found" in output
    assert 'classname="quickstarts" name="state_management/go/sdk"' in junit.read_text()


@pytest.mark.e2e
def test_the_dapr_fixture_in_the_python_sdk_convention(pytester, daprd_path, no_leftovers):
    make_examples(pytester, '''
import pytest
from runner.testing import assert_lines


@pytest.mark.example_dir("state_store")
def test_state_store(dapr):
    output = dapr.run("--app-id orderapp --resources-path ./components -- python3 app.py one", timeout=60,
                      until=["read back"])
    assert_lines(output, ["You're up and running!", "saved: one", "read back: one"])


@pytest.mark.example_dir("pubsub")
def test_pubsub(dapr):
    dapr.start("--app-id order-processor --app-port 6101 --resources-path ./components -- python3 subscriber.py")
    published = dapr.run("--app-id checkout --resources-path ./components -- python3 publisher.py", timeout=60)
    assert_lines(published, ["Published data: {'orderId': 1}", "Published data: {'orderId': 3}",
                             "Exited App successfully"])
    time.sleep(2)
    received = dapr.stop()
    assert_lines(received, ["Subscriber received: {'orderId': 1}",
                            "Subscriber received: {'orderId': 3}"], order="any")


@pytest.mark.example_dir("pubsub")
def test_one_background_run_at_a_time(dapr):
    with pytest.raises(RuntimeError, match="start"):
        dapr.stop()  # nothing started
    dapr.start("--app-id order-processor --app-port 6104 --resources-path ./components -- python3 subscriber.py")
    with pytest.raises(RuntimeError, match="already running"):
        dapr.start("--app-id other --resources-path ./components -- python3 subscriber.py")
    assert "You're up and running!" in dapr.stop()


import time  # noqa: E402
''')
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=3)


NAMED_PORTS = """
import pytest
from runner.testing import assert_lines


def pubsub(dapr, app_port, sidecar_flag):
    dapr.start(f"--app-id order-processor --app-port {app_port} {sidecar_flag} --resources-path ./components "
               "-- python3 subscriber.py")
    dapr.run("--app-id checkout --resources-path ./components -- python3 publisher.py", timeout=60)
    assert_lines(dapr.stop(), ["Subscriber received: {'orderId': 1}", "Subscriber received: {'orderId': 3}"],
                 order="any")


@pytest.mark.example_dir("pubsub")
@pytest.mark.parametrize("pair", ["a", "b"])
def test_invoke(dapr, pair):  # names the pair's ports as python-sdk's test_invoke_simple does
    pubsub(dapr, PORTS[pair][0], f"--dapr-http-port {PORTS[pair][1]}")


@pytest.mark.example_dir("pubsub")
@pytest.mark.parametrize("pair", ["a", "b"])
def test_pubsub(dapr, pair):  # the same ports, the sidecar's by another flag
    pubsub(dapr, PORTS[pair][0], f"--dapr-grpc-port={PORTS[pair][1]}")


@pytest.mark.example_dir("state_store")
@pytest.mark.parametrize("name", ["one", "two"])
def test_state_store(dapr, name):
    assert_lines(dapr.run(f"--app-id orderapp --resources-path ./components -- python3 app.py {name}", timeout=60,
                          until=["read back"]), [f"read back: {name}"])
"""


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.e2e
def test_tests_naming_the_same_ports_take_turns_across_workers(pytester, daprd_path, no_leftovers):
    """python-sdk's example tests name fixed ports (`--app-port 13551 --dapr-http-port 3500` in one,
    `--dapr-grpc-port=3500` in another): at -n 3 those naming the same port run one after the
    other, whichever worker runs them, and the wait is shown; each passes as it does alone."""
    app_a, sidecar_a, app_b, sidecar_b = free_ports(4)
    make_examples(pytester, f"PORTS = {{'a': ({app_a}, {sidecar_a}), 'b': ({app_b}, {sidecar_b})}}\n" + NAMED_PORTS)
    result = pytester.runpytest_subprocess("-n", "3", "-p", "xdist", "-rA")
    result.assert_outcomes(passed=6)
    # xdist hands each worker its first test at once: test_invoke[a] and test_pubsub[a] start together,
    # and one of them waits for the other's ports (said in its captured stderr).
    said = result.stdout.str()
    assert any(f"waiting for port {port}, named by" in said for port in (app_a, sidecar_a)), said
    assert "is ours now (waited" in said


@pytest.mark.e2e
def test_a_named_port_that_is_taken_fails_the_test_at_once(pytester, daprd_path, no_leftovers):
    """A port the test names that another program keeps is no turn to wait for: the test fails
    within seconds, naming the port and who holds it."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        make_examples(pytester, f'''
import pytest


@pytest.mark.example_dir("state_store")
def test_names_a_port(dapr):
    dapr.run("--app-id a --dapr-http-port {port} --resources-path ./components -- python3 app.py x")
''')
        started = time.monotonic()
        result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    said = result.stdout.str()
    assert f"port {port}, which " in said and "is taken by another program (pid " in said, said
    assert time.monotonic() - started < 30


@pytest.mark.e2e
def test_parallel_tests_with_the_same_app_id_and_keys_do_not_see_each_other(pytester, daprd_path, no_leftovers):
    tests = "\n".join(f'''
@pytest.mark.example_dir("state_store")
def test_{name}(dapr):
    output = dapr.run("--app-id orderapp --resources-path ./components -- python3 app.py {name}", timeout=60,
                      until=["read back"])
    assert "read back: {name}" in output, output
''' for name in ("first", "second", "third", "fourth"))
    make_examples(pytester, "import pytest\n" + tests)
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=4)


@pytest.mark.e2e
def test_teardown_stops_everything_when_a_test_fails_or_is_interrupted(pytester, daprd_path, no_leftovers):
    marker = pytester.path / "started"
    make_examples(pytester, f'''
import pathlib
import time

import pytest


@pytest.mark.example_dir("pubsub")
def test_fails_with_a_run_in_the_background(dapr):
    dapr.start("--app-id sub --app-port 6102 --resources-path ./components -- python3 subscriber.py")
    assert False, "the test fails; its subscriber, sidecar and services must go"


@pytest.mark.example_dir("pubsub")
def test_interrupted(dapr):
    dapr.start("--app-id sub2 --app-port 6103 --resources-path ./components -- python3 subscriber.py")
    pathlib.Path({str(marker)!r}).write_text("up")
    time.sleep(120)
''')
    failed = pytester.runpytest("-k", "fails")
    failed.assert_outcomes(failed=1)
    # Ctrl-C reaches pytest even where this session was started with SIGINT ignored (a background job).
    process = pytester.popen([sys.executable, "-m", "pytest", "-k", "interrupted", "-p", "no:cacheprovider"],
                             stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"),
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "the interrupted test never got its background run up"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == pytest.ExitCode.INTERRUPTED
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("qsr-dapr-fixture-*")]
    assert not leftovers


SLOW_SERVER = '''
import http.server, os, time
print("starting", flush=True)
time.sleep(3)  # longer than the sidecar takes to say it is up


class Answer(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"answered")


http.server.HTTPServer(("127.0.0.1", int(os.environ["APP_PORT"])), Answer).serve_forever()
'''


@pytest.mark.e2e
def test_start_returns_once_the_app_and_its_sidecar_are_ready(pytester, daprd_path, no_leftovers):
    """python-sdk's test_invoke_simple calls the sidecar right after `dapr.start(...)`: the app
    must be listening and found by its sidecar by then, not merely the sidecar up."""
    app_port, http_port = free_ports(2)
    make_examples(pytester, f'''
import urllib.request
import pytest


@pytest.mark.example_dir("slow")
def test_invoke_right_after_start(dapr):
    dapr.start("--app-id slow --app-port {app_port} --dapr-http-port {http_port} -- python3 app.py")
    request = urllib.request.Request("http://127.0.0.1:{http_port}/v1.0/invoke/slow/method/hello", data=b"{{}}",
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.read() == b"answered"
    dapr.stop()
''')
    (pytester.path / "examples" / "slow").mkdir()
    (pytester.path / "examples" / "slow" / "app.py").write_text(SLOW_SERVER)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


CONFIG_APP = '''
import json, os, urllib.request
port = os.environ["DAPR_HTTP_PORT"]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1.0/configuration/configstore?key=orderId1", timeout=10) as got:
    item = json.loads(got.read())["orderId1"]
print(f"Got orderId1={item['value']} version={item['version']}", flush=True)
'''
CONFIG_STORE = ("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: configstore\nspec:\n"
                "  type: configuration.redis\n  metadata:\n  - name: redisHost\n    value: localhost:6379\n")


@pytest.mark.e2e
def test_redis_fixtures_reach_the_tests_own_store(pytester, daprd_path, no_leftovers):
    """`redis_set_config` puts a configuration item where the test's sidecar reads it; `flush_redis`
    empties that store; `ollama` skips, saying so, where no Ollama answers."""
    make_examples(pytester, """
import pytest


@pytest.mark.example_dir("config")
def test_configuration(dapr, flush_redis, redis_set_config):
    redis_set_config("orderId1", "100", version=3)
    output = dapr.run("--app-id config --resources-path ./components -- python3 app.py", timeout=60)
    assert "Got orderId1=100 version=3" in output, output


def test_needs_a_model(ollama):
    pass
""")
    folder = pytester.path / "examples" / "config"
    (folder / "components").mkdir(parents=True)
    (folder / "components" / "configstore.yaml").write_text(CONFIG_STORE)
    (folder / "app.py").write_text(CONFIG_APP)
    result = pytester.runpytest_subprocess("-rs")
    if "none answers here" not in result.stdout.str():  # an Ollama on this machine: the test would run
        result.assert_outcomes(passed=2)
        return
    result.assert_outcomes(passed=1, skipped=1)
    assert "needs an Ollama server at http://localhost:11434: none answers here" in result.stdout.str()


@pytest.mark.e2e
def test_a_sidecar_alone_runs_until_stopped(pytester, daprd_path, no_leftovers):
    """`dapr run` with no app command (python-sdk's state_store_query seeds its store that way): a
    sidecar alone, up until stopped, as the CLI runs one."""
    (http_port,) = free_ports(1)
    make_examples(pytester, f'''
import json, urllib.request
import pytest


@pytest.mark.example_dir("state_store")
def test_seed_through_a_sidecar(dapr):
    dapr.start("--app-id demo --dapr-http-port {http_port} --resources-path ./components")
    body = json.dumps([{{"key": "k", "value": 1}}]).encode()
    request = urllib.request.Request("http://127.0.0.1:{http_port}/v1.0/state/statestore", data=body,
                                     headers={{"Content-Type": "application/json"}})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 204
    assert "You're up and running! Dapr logs will appear here." in dapr.stop()
''')
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


@pytest.mark.e2e
def test_start_returns_once_an_app_without_a_port_printed_a_line(pytester, daprd_path, no_leftovers):
    """python-sdk's test_configuration changes an item right after `dapr.start(...)`: the app (no
    app port, slow to start) must have done what it does on coming up (read the item) by then."""
    make_examples(pytester, """
import pytest


@pytest.mark.example_dir("config")
def test_change_after_start(dapr, redis_set_config):
    redis_set_config("orderId1", "100")
    dapr.start("--app-id config --resources-path ./components -- python3 app.py")
    redis_set_config("orderId1", "200", version=2)
    assert "Got orderId1=100 version=1" in dapr.stop()
""")
    folder = pytester.path / "examples" / "config"
    (folder / "components").mkdir(parents=True)
    (folder / "components" / "configstore.yaml").write_text(CONFIG_STORE)
    (folder / "app.py").write_text("import time\ntime.sleep(2)  # what a slow start looks like\n" + CONFIG_APP
                                   + "time.sleep(30)\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


@pytest.mark.e2e
def test_an_examples_own_requirements_are_installed_for_its_apps(pytester, daprd_path, no_leftovers):
    """An example dir with a requirements.txt (python-sdk's mcp, workflow, w3c-tracing...): its apps
    run with what it lists installed, built once for the machine and shared by every worker; what
    the tests' environment already meets (`dapr[grpc] >= 1.19.0.dev`: the SDK under test) is its."""
    import zipfile

    make_examples(pytester, """
import sys

import pytest


@pytest.mark.example_dir("needs")
def test_runs_with_its_requirements(dapr):
    output = dapr.run("--app-id needs -- python3 app.py", timeout=60)
    assert "from its requirements" in output, output
    assert f"pytest from {sys.prefix}/" in output, output
""")
    folder = pytester.path / "examples" / "needs"
    folder.mkdir()
    wheel = folder / "examplemod-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as made:
        made.writestr("examplemod.py", "SAID = 'from its requirements'\n")
        made.writestr("examplemod-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: examplemod\nVersion: 1.0\n")
        made.writestr("examplemod-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
                                                         "Tag: py3-none-any\n")
        made.writestr("examplemod-1.0.dist-info/RECORD", "")
    (folder / "requirements.txt").write_text(f"--no-index\npytest >= 8  # met where the tests run\n{wheel}\n")
    (folder / "app.py").write_text("import examplemod, pytest\nprint(examplemod.SAID)\nprint('pytest from', pytest.__file__)\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
