"""The `readme` drop-in against mechanical-markdown's mm.py with the real dapr CLI 1.18.0, on an SDK
repository's example READMEs (default: dapr/python-sdk's in ../shared/sdk): each README's verdict
and time under both, and whether the drop-in passes wherever mm.py passes.

mm.py gets what `dapr init` gives a user: the CLI 1.18.0 (../shared/dapr-cli, laid out as its
release on a loopback server, as the tests do) with the runner's daprd, Redis on 127.0.0.1:6379
(`docker exec dapr_redis redis-cli` reaching it through the runner's docker shim: no Docker
engine or registry here), placement on 50005 and scheduler on 50006, and a Python venv of its
own first on PATH with the SDK installed (`dapr[all]`, as the SDK's own CI has it; the READMEs
`pip install` into it too). The drop-in's steps run with that same Python first on PATH. The drop-in gets no dapr CLI on PATH: its shim prints as CLI
1.17+ does, and each README runs with its own Redis, placement and scheduler.

    python bench/bench_sdk_readmes.py [FOLDER] [--only NAME,...] [--timeout 600] [--install "dapr[all] flask"]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
SDK = ROOT.parent / "shared" / "sdk" / "python-sdk" / "examples"
CLI_1_18 = ROOT.parent / "shared" / "dapr-cli" / "dapr-1.18.0-linux-amd64.xz"

from runner.provision.daprd import ensure_control_plane, ensure_daprd  # noqa: E402
from runner.services.controlplane import ControlPlane  # noqa: E402
from runner.services.executable import write_executable  # noqa: E402
from runner.services.redis import RedisEndpoint, ping  # noqa: E402
from releaseserver import cli_from_release  # noqa: E402


def timed(argv: list[str], cwd: Path, env: dict, timeout: float) -> tuple[float, str]:
    """Its verdict and time; what it left running (mm.py stops no process group) is stopped after."""
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        verdict = "pass" if (code := process.wait(timeout=timeout)) == 0 else f"fail({code})"
    except subprocess.TimeoutExpired:
        verdict = "timeout"
    wall = time.monotonic() - started
    for stop in (signal.SIGTERM, signal.SIGKILL):  # a chance to stop what it started, then no more
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, stop)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    return wall, verdict


def ports_free(*ports: int) -> None:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                sys.exit(f"something already listens on 127.0.0.1:{port} (what `dapr init` would hold); stop it first")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=SDK)
    parser.add_argument("--only", default="", help="only these examples (folder names)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--install", default="dapr[all] flask", help="what both runs' Python environment holds")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: its Redis and control plane go too
    readmes = sorted(path for path in args.folder.rglob("README.md") if "<!-- STEP" in path.read_text(errors="replace"))
    if args.only:
        readmes = [path for path in readmes if path.parent.name in args.only.split(",")]
    ports_free(6379, 50005, 50006)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        cli = cli_from_release(CLI_1_18, "1.18.0", scratch)
        daprd = ensure_daprd()
        venv = scratch / "venv"
        benchrun.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # The SDK with every extra, as its own CI's environment has it (`dapr[all]`): both runs use it.
        benchrun.run([str(venv / "bin" / "pip"), "install", "-q", "mechanical-markdown", *args.install.split()],
                       check=True)
        redis = subprocess.Popen(["redis-server", "--port", "6379", "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", scratch_name], stdout=subprocess.DEVNULL,
                                 start_new_session=True)
        plane = ControlPlane(ensure_control_plane(daprd.version, beside=daprd.path), scratch / "plane")
        try:
            while not ping(RedisEndpoint("127.0.0.1", 6379)):
                time.sleep(0.05)
            plane.start(placement=50005, scheduler=50006)
            base = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
            # `docker exec dapr_redis redis-cli ...`, as `dapr init`'s Redis container answers it: this
            # Redis, through the runner's docker shim (no Docker engine or image registry here).
            docker = scratch / "docker-bin" / "docker"
            docker.parent.mkdir()
            write_executable(docker, f"#!/bin/sh\nexec {sys.executable} -m runner.shim docker \"$@\"\n")
            (scratch / "run").mkdir()
            mm_env = {**base, **cli.env(), "QSR_REDIS": "127.0.0.1:6379", "QSR_RUN_DIR": str(scratch / "run"),
                      "PATH": os.pathsep.join([str(cli.path.parent), str(venv / "bin"), str(docker.parent),
                                               os.environ["PATH"]])}
            ours_env = {**base, "PATH": os.pathsep.join([str(venv / "bin"), os.environ["PATH"]])}
            print(f"mm.py with dapr CLI {cli.version} ({cli.path}), daprd {daprd.version}; the drop-in with its shim\n")
            print(f"{'README':40} {'mm.py s':>8} {'verdict':>9} {'readme s':>9} {'verdict':>9}", flush=True)
            rows = []
            for readme in readmes:
                mm = timed([str(venv / "bin" / "python"), "-m", "mechanical_markdown", "README.md"], readme.parent,
                           mm_env, args.timeout)
                ours = timed([sys.executable, "-m", "runner", "readme", "README.md"], readme.parent, ours_env,
                             args.timeout)
                rows.append((readme, mm, ours))
                name = str(readme.parent.relative_to(args.folder))
                print(f"{name:40} {mm[0]:8.1f} {mm[1]:>9} {ours[0]:9.1f} {ours[1]:>9}", flush=True)
        finally:
            plane.stop()
            redis.terminate()
            redis.wait()
    summary(rows)


def summary(rows: list) -> None:
    mm_pass = [r for r in rows if r[1][1] == "pass"]
    ours_pass = [r for r in rows if r[2][1] == "pass"]
    missed = [str(r[0].parent.name) for r in mm_pass if r[2][1] != "pass"]
    print(f"\n{len(rows)} READMEs: mm.py passes {len(mm_pass)} in {sum(r[1][0] for r in rows):.0f} s; the drop-in "
          f"passes {len(ours_pass)} in {sum(r[2][0] for r in rows):.0f} s")
    print("the drop-in passes wherever mm.py passes: " + ("yes" if not missed else "no: " + ", ".join(missed)))


if __name__ == "__main__":
    main()
