"""Every `dapr run` flag of the real CLI is honoured (handed to daprd as the CLI hands it) or
refused aloud; none is dropped unsaid."""

import lzma
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import CLI_1_18, run_cli
from runner.errors import InputError
from runner.formats.daprrun import DaprRunError, parse_dapr_run
from runner.formats.runflags import BY_NAME, DAPRD, REFUSED, as_template, template_daprd_flags
from runner.formats.runtemplate import parse_run_template
from runner.services.controlplane import ControlPlaneAddresses
from runner.services.shimenv import ShimContext
from runner.shim.dapr import _plan
from runner.sidecar.daprd import DaprdSidecar, SidecarPorts

_FLAG_LINE = re.compile(r"^\s+(?:(-\w), )?(--[a-z][a-z-]*)(?: (\w+))?\s{2,}")


def _help_flags(cli: Path) -> list[tuple[str | None, str, bool]]:
    """(short, long, takes a value) of each flag `dapr run --help` lists, its global flags too."""
    said = subprocess.run([str(cli), "run", "--help"], capture_output=True, text=True, timeout=30).stdout
    flags = [(m.group(1), m.group(2), m.group(3) is not None) for line in said.splitlines()
             if (m := _FLAG_LINE.match(line))]
    assert len(flags) > 25, said  # the help was read, not an error
    return flags


def test_every_flag_of_the_real_cli_1_18_is_honoured_or_refused(tmp_path):
    if not CLI_1_18.is_file():
        pytest.skip(f"no dapr CLI 1.18.0 here ({CLI_1_18})")
    cli = tmp_path / "dapr"
    cli.write_bytes(lzma.decompress(CLI_1_18.read_bytes()))
    cli.chmod(0o755)
    for short, long, takes_value in _help_flags(cli):
        flag = BY_NAME.get(long)
        assert flag is not None, f"{long}: neither honoured nor refused"
        assert flag.takes_value is takes_value and (short is None or short in flag.names), (long, flag)
        run = parse_dapr_run(f"dapr run {long}{' 7' if takes_value else ''} -- app")
        handled = run.refused or run.daprd_flags or any(
            getattr(run, role) not in (None, [], False) for role in ("app_id", "resources_paths", "app_port",
            "app_protocol", "dapr_http_port", "dapr_grpc_port", "run_file", "config", "log_level", "app_ssl"))
        assert handled and run.command == ["app"], long


def test_a_flag_the_cli_does_not_know_fails_as_the_cli_fails():
    with pytest.raises(DaprRunError, match="unknown flag: --no-such-flag"):
        parse_dapr_run("dapr run --app-id a --no-such-flag -- python3 app.py")


def test_a_refused_flag_fails_the_dapr_run_naming_it(tmp_path):
    with pytest.raises(InputError, match="--kubernetes runs on Kubernetes"):
        _plan(["--app-id", "a", "--kubernetes", "--", "python3", "app.py"], tmp_path, ShimContext())


def test_daprd_is_given_each_flag_as_the_cli_gives_it(tmp_path):
    run = parse_dapr_run("dapr run --app-id a --unix-domain-socket /tmp/s --max-body-size 41Mi --enable-api-logging "
                         "--enable-profiling=false --app-max-concurrency 1 --placement-host-address localhost "
                         "--scheduler-host-address '' --app-ssl -- python3 app.py")
    assert run.app_protocol == "https"
    sidecar = DaprdSidecar(Path("daprd"), "a", [], tmp_path, SidecarPorts(1, 2, 3, 4), print,
                           addresses=ControlPlaneAddresses("127.0.0.1:7001", "127.0.0.1:7002"),
                           flags=tuple(run.daprd_flags))
    argv = " ".join(sidecar.argv())
    assert argv.endswith("--placement-host-address 127.0.0.1:7001 --scheduler-host-address 127.0.0.1:7002 "
                         "--unix-domain-socket /tmp/s --max-body-size 41Mi --enable-api-logging "
                         "--app-max-concurrency 1 --scheduler-host-address "), argv  # `dapr init`'s placement: ours
    assert "--enable-profiling" not in argv
    assert sidecar.sockets == ("/tmp/s/dapr-a-http.socket", "/tmp/s/dapr-a-grpc.socket")


def test_a_run_template_sets_the_same_daprd_flags(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "dapr.yaml").write_text("version: 1\ncommon:\n  enableApiLogging: true\napps:\n  - appID: a\n"
                                        "    appDirPath: ./app\n    maxBodySize: 16Mi\n    command: [python3, a.py]\n")
    (app,) = parse_run_template(tmp_path / "dapr.yaml").apps
    assert app.daprd_flags == (("--enable-api-logging", None), ("--max-body-size", "16Mi"))
    assert as_template(app.daprd_flags) == {"enableApiLogging": True, "maxBodySize": "16Mi"}
    assert template_daprd_flags({"enableProfiling": False}) == []
    assert {flag.role for flag in BY_NAME.values()} >= {DAPRD, REFUSED}


_APP = '''import http.client, json, socket

class Conn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect("{sockets}/dapr-uds-http.socket")

value = "x" * (5 << 20)
conn = Conn("localhost")
conn.request("POST", "/v1.0/state/statestore", json.dumps([{{"key": "big", "value": value}}]),
             {{"Content-Type": "application/json"}})
said = conn.getresponse()
print("save answered", said.status, said.read()[:80])
conn = Conn("localhost")
conn.request("GET", "/v1.0/state/statestore/big")
print("stored", len(json.loads(conn.getresponse().read())), "bytes")
'''

_README = '''# Big state over a socket

<!-- STEP
name: big state
expected_stdout_lines:
  - "stored 5242880 bytes"
-->

```bash
dapr run --app-id uds --unix-domain-socket {sockets} {flags} -- python3 app.py
```

<!-- END_STEP -->
'''


@pytest.mark.e2e
def test_unix_domain_socket_and_max_body_size_reach_daprd(tmp_path, daprd_path, no_leftovers):
    """An app that dials daprd's HTTP socket and saves 5 MiB of state: it runs when daprd got both
    flags, and fails without --max-body-size (daprd's default refuses a body over 4 MiB)."""
    sockets = Path(tempfile.mkdtemp(prefix="uds-", dir="/tmp"))  # a socket's path must stay short
    try:
        (tmp_path / "app.py").write_text(_APP.format(sockets=sockets))
        verdicts = {}
        for flags in ("--max-body-size 8Mi", ""):
            (tmp_path / "README.md").write_text(_README.format(sockets=sockets, flags=flags))
            result = run_cli("readme", "README.md", cwd=tmp_path, timeout=300)
            verdicts[flags] = result.returncode
            assert list(sockets.iterdir()) == [], "daprd's sockets outlived it"
        assert verdicts == {"--max-body-size 8Mi": 0, "": 1}, verdicts
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
