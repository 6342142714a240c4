"""What each kind of preparation costs on this machine, in wall time and in CPU time, cold (its
tool's cache empty) and warm: the figures the build slots are sized from (a kind that keeps less
than half a core busy waits on the network or the disk, and takes no turn for the cores).

    python bench/bench_prepare.py [--snapshot-tree PATH]

Each runs in a copy of a quickstart of the v1.17.0 snapshot: pip and uv installing a workflow
tutorial's requirements, npm installing a JavaScript quickstart, Maven building a Java one, go
building a Go one; and a JVM app's start (java -jar, until it listens).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"
CORE_SHARE = 0.5  # a preparation keeping more of a core busy than this takes a turn for the cores


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall s, CPU s of it and its children, exit code)."""
    cpu, started = _children_cpu(), time.monotonic()
    code = benchrun.run(argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode
    return time.monotonic() - started, _children_cpu() - cpu, code


def measure_start(argv: list[str], cwd: Path, port: int, limit: float = 90.0) -> tuple[float, float, int]:
    """A server's start: until it listens on `port` (then stopped)."""
    cpu, started = _children_cpu(), time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "SERVER_PORT": str(port), "APP_PORT": str(port)})
    try:
        while time.monotonic() - started < limit and process.poll() is None:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        wall = time.monotonic() - started
    finally:
        process.terminate()
        process.wait()
    return wall, _children_cpu() - cpu, 0 if wall < limit else 1


def row(kind: str, figures: tuple[float, float, int]) -> None:
    wall, cpu, code = figures
    share = cpu / wall if wall else 0.0
    print(f"{kind:44} {wall:7.1f} {cpu:7.1f} {share:6.2f}  {'yes' if share > CORE_SHARE else 'no':5} "
          f"{'' if code == 0 else f'(exit {code})'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot-tree", type=Path, help="a checkout of the snapshot (default: the runner's own)")
    args = parser.parse_args()
    if args.snapshot_tree is None:
        from runner.source.repo import acquire

        args.snapshot_tree = acquire(str(SNAPSHOT), "v1.17.0", False, ROOT / "quickstarts").root
    tree = args.snapshot_tree
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    print(f"{'preparation':44} {'wall s':>7} {'cpu s':>7} {'cores':>6}  turn")
    with tempfile.TemporaryDirectory(prefix="bench-prepare-") as scratch_text:
        scratch = Path(scratch_text)
        requirements = tree / "tutorials/workflow/python/fan-out-fan-in/fan_out_fan_in/requirements.txt"
        for label, cache in (("cold", scratch / "pip-cold"), ("warm", scratch / "pip-cold")):
            venv = scratch / f"venv-pip-{label}"
            benchrun.run([sys.executable, "-m", "venv", str(venv)], check=True)
            row(f"pip install -r requirements.txt ({label})",
                measure([str(venv / "bin/pip"), "install", "-q", "-r", str(requirements)], scratch,
                        {"PIP_CACHE_DIR": str(cache)}))
        for label, cache in (("cold", scratch / "uv-cold"), ("warm", scratch / "uv-cold")):
            venv = scratch / f"venv-uv-{label}"
            row(f"uv venv + uv pip install ({label})",
                measure(["sh", "-c", f"{uv} venv -q --seed {venv} && {uv} pip install -q --python {venv}/bin/python "
                         f"-r {requirements}"], scratch, {"UV_CACHE_DIR": str(cache)}))
        for label, cache in (("cold", scratch / "npm-cold"), ("warm", scratch / "npm-cold")):
            app = scratch / f"js-{label}"
            shutil.copytree(tree / "pub_sub/javascript/sdk/order-processor", app,
                            ignore=shutil.ignore_patterns("node_modules"))
            row(f"npm install ({label})", measure(["npm", "install", "--no-audit", "--no-fund"], app,
                                                  {"npm_config_cache": str(cache)}))
        java = scratch / "java"
        shutil.copytree(tree / "pub_sub/java/http/order-processor", java, ignore=shutil.ignore_patterns("target"))
        row("mvn clean install (warm ~/.m2)", measure(["mvn", "-q", "-B", "clean", "install", "-DskipTests"], java))
        jar = next(iter(sorted((java / "target").glob("*.jar"))), None)
        if jar is not None:
            row("java -jar (a Spring Boot app's start, until it listens)",
                measure_start(["java", "-jar", str(jar), "--server.port=18481"], java, 18481))
        go = scratch / "go"
        shutil.copytree(tree / "pub_sub/go/sdk/order-processor", go)
        for label, cache in (("cold", scratch / "gocache"), ("warm", scratch / "gocache")):
            row(f"go build ({label} build cache)", measure(["go", "build", "-o", str(scratch / "app"), "."], go,
                                                            {"GOCACHE": str(cache), "GOFLAGS": "-mod=mod"}))


if __name__ == "__main__":
    main()
