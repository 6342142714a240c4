"""mechanical-markdown's mm.py for real on upstream quickstart folders (the shared v1.17.0
snapshot), with the real dapr CLI and the services on the ports `dapr init` would use,
against `quickstart-runner validate` on the same folders: verdicts side by side, wall times
and their ratio.

What mm.py gets, as a maintainer's `dapr init` would give it: the runner's provisioned dapr
CLI on PATH (slim install), a Redis on 127.0.0.1:6379, the runner's placement on :50005 and
scheduler on :50006 (the CLI's defaults). mm.py runs without `-l`: checking the READMEs'
links would leave this machine. Each folder runs `mm.py README.md` in it, one after another,
as upstream's `make validate` does; validate runs them all at once.

    python bench/bench_mm_upstream.py [--folders bb/lang/variant,...]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"
FOLDERS = ["state_management/python/sdk", "state_management/go/http", "pub_sub/python/http", "pub_sub/javascript/sdk",
           "service_invocation/python/http", "service_invocation/javascript/http", "workflows/python/sdk",
           "workflows/javascript/sdk", "jobs/go/sdk"]

from runner.provision.dapr_cli import ensure_cli  # noqa: E402
from runner.provision.daprd import ensure_control_plane  # noqa: E402
from runner.services.controlplane import ControlPlane  # noqa: E402
from runner.services.daemon import Daemon  # noqa: E402
from runner.services.ports import is_listening  # noqa: E402
from runner.services.redis import RedisEndpoint, ping  # noqa: E402
from runner.source.repo import acquire  # noqa: E402


def dapr_init_services(scratch: Path) -> list:
    """Redis, placement and scheduler where `dapr init` puts them."""
    for port in (6379, 50005, 50006):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                sys.exit(f"something already listens on 127.0.0.1:{port}; stop it to run this benchmark")
    redis = Daemon("redis-server", ["redis-server", "--port", "6379", "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(scratch)], scratch / "redis.log")
    redis.start(lambda: ping(RedisEndpoint("127.0.0.1", 6379)))
    binaries = ensure_control_plane()
    plane = ControlPlane(binaries, scratch / "control-plane")
    plane.start(placement=50005, scheduler=50006)
    assert is_listening(50005) and is_listening(50006)
    return [plane, redis]


def _stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM too unwinds, stopping the services started here


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser()
    parser.add_argument("--folders", default=",".join(FOLDERS))
    args = parser.parse_args()
    folders = args.folders.split(",")
    tree = acquire(str(SNAPSHOT), "v1.17.0", offline=True, bundled=ROOT).root
    cli = ensure_cli()
    with tempfile.TemporaryDirectory() as scratch:
        services = dapr_init_services(Path(scratch))
        try:
            env = {**os.environ, **cli.env(),
                   "PATH": os.pathsep.join([str(cli.path.parent), str(Path(sys.executable).parent), os.environ["PATH"]])}
            mm = {}
            started = time.monotonic()
            for folder in folders:
                t0 = time.monotonic()
                code = benchrun.run([sys.executable, "-m", "mechanical_markdown", "README.md"], cwd=tree / folder,
                                      env=env, capture_output=True, timeout=1800).returncode
                mm[folder] = ("passed" if code == 0 else "failed", time.monotonic() - t0)
            mm_wall = time.monotonic() - started
        finally:
            for service in services:
                service.stop()
        out = Path(scratch) / "r.json"
        started = time.monotonic()
        benchrun.run([sys.executable, "-m", "runner", "validate", *folders, "--repo",
                        str(SNAPSHOT), "--ref", "v1.17.0", "--json", str(out)], cwd=ROOT, capture_output=True)
        ours_wall = time.monotonic() - started
        ours = {j["quickstart"]: (j["status"], j["duration_s"]) for j in json.loads(out.read_text())["jobs"]}
    print(f"dapr CLI {cli.version}; mm.py without -l; the same {len(folders)} folders\n")
    print(f"{'folder':36} {'mm.py':>8} {'s':>7}  {'validate':>8} {'s':>7}")
    for folder in folders:
        theirs, mine = mm[folder], ours.get(folder, ("absent", 0.0))
        flag = "" if theirs[0] == mine[0] else "  <- verdicts differ"
        print(f"{folder:36} {theirs[0]:>8} {theirs[1]:7.1f}  {mine[0]:>8} {mine[1]:7.1f}{flag}")
    print(f"\nmm.py one folder after another: {mm_wall:.1f} s; validate, all at once: {ours_wall:.1f} s "
          f"-> {mm_wall / ours_wall:.1f}x")


if __name__ == "__main__":
    main()
