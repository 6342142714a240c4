"""Official binaries first: cold provisioning of daprd, placement and scheduler from a release
server against the build from the Go module, timed in one run; then `make validate` on a fresh
clone with every cache cold and the release server's address set.

The release server is a real HTTP server on 127.0.0.1 laid out as GitHub's releases, its archives
made from the binaries this machine built (tests/releaseserver.py). "Cold" means a cache of the
runner's own that holds nothing, and (for the build) empty Go module and build caches; for `make
validate`, empty pip, npm, Maven, Go and runner caches and a new venv.

    python bench/bench_releases.py [--version 1.17.0] [--skip-build] [--skip-validate]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from releaseserver import ReleaseServer, pack  # noqa: E402
from runner.provision.daprd import build_dapr  # noqa: E402


def timed(argv: list[str], env: dict[str, str], cwd: Path = ROOT, log: Path | None = None) -> tuple[float, int]:
    started = time.monotonic()
    with open(log or os.devnull, "w") as out:
        code = benchrun.run(argv, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT).returncode
    return time.monotonic() - started, code


def cold_caches(scratch: Path) -> dict[str, str]:
    """Every cache a run reads, empty, in `scratch`."""
    caches = {name: scratch / name for name in ("qsr", "pip", "npm", "m2", "gomod", "gocache", "runtime")}
    for folder in caches.values():
        folder.mkdir()
    return {"QUICKSTART_RUNNER_CACHE": str(caches["qsr"]), "PIP_CACHE_DIR": str(caches["pip"]),
            "npm_config_cache": str(caches["npm"]), "MAVEN_OPTS": f"-Dmaven.repo.local={caches['m2']}",
            "GOMODCACHE": str(caches["gomod"]), "GOCACHE": str(caches["gocache"]),
            "DAPR_RUNTIME_PATH": str(caches["runtime"])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default="1.17.0")
    parser.add_argument("--skip-build", action="store_true", help="do not time the cold build (minutes)")
    parser.add_argument("--skip-validate", action="store_true", help="do not time the cold `make validate`")
    args = parser.parse_args()
    runner = [sys.executable, "-m", "runner"]
    with tempfile.TemporaryDirectory(prefix="bench-releases-") as scratch_text:
        scratch = Path(scratch_text)
        built = build_dapr(args.version)
        pack({name: built / name for name in ("daprd", "placement", "scheduler")}, args.version, scratch / "site")
        with ReleaseServer(scratch / "site") as server:
            (scratch / "fetch").mkdir()
            env = cold_caches(scratch / "fetch")
            fetch_s, code = timed([*runner, "provision", "daprd", "--version", args.version, "--releases", server.base],
                                  env, log=scratch / "fetch.log")
            print(f"cold provisioning from the release server: {fetch_s:.1f} s (exit {code}; "
                  f"{len(server.requests)} requests)")
            if not args.skip_build:
                (scratch / "build").mkdir()
                env = cold_caches(scratch / "build")
                build_s, code = timed([*runner, "provision", "daprd", "--version", args.version, "--offline"], env,
                                      log=scratch / "build.log")
                print(f"cold provisioning by the build from github.com/dapr/dapr: {build_s:.1f} s (exit {code})")
                print(f"the release is {build_s / fetch_s:.0f} times faster")
            if not args.skip_validate:
                clone = scratch / "clone"
                benchrun.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
                (scratch / "validate").mkdir()
                env = {**cold_caches(scratch / "validate"), "QUICKSTART_RUNNER_RELEASES": server.base}
                before = len(server.requests)
                wall, code = timed(["make", "validate"], env, cwd=clone, log=scratch / "validate.log")
                print(f"`make validate` on a fresh clone, every cache cold, releases from {server.base}: {wall:.0f} s "
                      f"(exit {code}; {len(server.requests) - before} requests to the release server)")
                print("".join((scratch / "validate.log").read_text().splitlines(keepends=True)[-8:]))


if __name__ == "__main__":
    main()
