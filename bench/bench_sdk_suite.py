"""An SDK repository's example suite through its own fixture and through ours, on one machine.

dapr/python-sdk validates its examples with pytest (`tests/examples/`, a `DaprRunner` fixture in
their conftest running the real `dapr` CLI on fixed port blocks, one test at a time). Both runs
start from a copy of the repository:

- theirs: their conftest, serially, the real CLI (ours, built from github.com/dapr/cli) running
  the runtime asked for, on a machine as `dapr init` leaves it: a Redis on 6379, placement on
  50005, scheduler on 50006, `dapr init`'s components;
- ours: their conftest set aside (`--noconftest`), one ini line (`dapr_examples_root =
  "examples"`), our plugin's `dapr` fixture with the real CLI (`--dapr-sidecar dapr`) on the
  same runtime, each test with its own Redis and control plane, at `-n 2` (and `-n 4` when asked).

Prints the per-test outcome table (theirs, ours) and the wall times.

    python bench/bench_sdk_suite.py --python /path/to/venv/bin/python [--sdk ../shared/sdk/python-sdk]
        [--dapr-version 1.18.1] [-n 2] [--also 4] [--only theirs|ours] [-k EXPR]

`--python` is an interpreter whose environment has the SDK and the suite's test dependencies (their
CI uses `uv run`), and this package installed (for our plugin).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runner.provision.dapr_cli import ensure_cli  # noqa: E402
from runner.provision.daprd import ensure_control_plane, ensure_daprd  # noqa: E402
from runner.services.controlplane import ControlPlane  # noqa: E402
from runner.services.redis import RedisServer  # noqa: E402
from runner.services.resources import init_components  # noqa: E402

SDK = ROOT.parent / "shared" / "sdk" / "python-sdk"
# Their conftest imports `tests.port_utils`, which imports `tests.wait_utils`: a helper the shared copy
# left out. Written here from how it is used (poll a condition until it holds, else TimeoutError), so
# their fixture can load at all; nothing else of theirs is replaced.
WAIT_UTILS = """import time


def wait_until(condition, *, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f'condition not met within {timeout}s')
        time.sleep(interval)
"""


@contextlib.contextmanager
def dapr_init(scratch: Path, cli, binaries):
    """What `dapr init` leaves a machine with, for their fixture: the CLI's runtime dir with its
    components, a Redis on 6379, placement on 50005 and scheduler on 50006."""
    runtime = scratch / "init-runtime"
    shutil.copytree(cli.runtime_path, runtime, symlinks=True)
    components = runtime / ".dapr" / "components"
    shutil.rmtree(components, ignore_errors=True)
    init_components(components)
    redis = RedisServer(scratch / "redis", port=6379)
    (scratch / "redis").mkdir()
    plane = ControlPlane(binaries, scratch / "control-plane")
    (scratch / "control-plane").mkdir()
    try:
        redis.start()
        plane.start(placement=50005, scheduler=50006)
        yield {"DAPR_RUNTIME_PATH": str(runtime)}
    finally:
        plane.stop()
        redis.stop()


def outcomes(junit: Path) -> dict[str, str]:
    """Each test's outcome from a JUnit file: passed, failed, error, skipped (with its reason)."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        kinds = {child.tag: child for child in case}
        if "error" in kinds:
            found[name] = "error: " + (kinds["error"].get("message") or "")[:90]
        elif "failure" in kinds:
            found[name] = "failed: " + (kinds["failure"].get("message") or "")[:90]
        elif "skipped" in kinds:
            found[name] = "skipped: " + (kinds["skipped"].get("message") or "")[:90]
        else:
            found[name] = "passed"
    return found


def pytest_run(python: str, cwd: Path, args: list[str], env: dict, junit: Path, log: Path) -> tuple[float, dict]:
    started = time.monotonic()
    with open(log, "w") as out:
        benchrun.run([python, "-m", "pytest", "tests/examples", f"--junitxml={junit}", "-rA",
                        "--continue-on-collection-errors", *args], cwd=cwd, env=env,
                       stdout=out, stderr=subprocess.STDOUT)
    return time.monotonic() - started, outcomes(junit) if junit.is_file() else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--sdk", type=Path, default=SDK)
    parser.add_argument("--dapr-version", default="1.18.1")
    parser.add_argument("-n", default="2")
    parser.add_argument("--also", default="", help="more -n values for ours, comma-separated (e.g. 4)")
    parser.add_argument("--only", choices=["theirs", "ours"])
    parser.add_argument("-k", default="")
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "bench-sdk-suite")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    daprd = ensure_daprd(args.dapr_version)
    binaries = ensure_control_plane(args.dapr_version, beside=daprd.path)
    cli = ensure_cli(None, daprd)
    selection = ["-k", args.k] if args.k else []
    python_bin = str(Path(args.python).parent)
    base_env = {**os.environ, "PATH": f"{cli.path.parent}{os.pathsep}{python_bin}{os.pathsep}{os.environ['PATH']}"}
    runs: dict[str, tuple[float, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sdk-") as scratch_name:
        scratch = Path(scratch_name)
        repo = scratch / "python-sdk"
        shutil.copytree(args.sdk, repo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        if not (repo / "tests" / "wait_utils.py").exists():
            (repo / "tests" / "wait_utils.py").write_text(WAIT_UTILS)
        pyproject = repo / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace(
            "[tool.pytest.ini_options]\n", '[tool.pytest.ini_options]\ndapr_examples_root = "examples"\n', 1))
        if args.only != "ours":
            with dapr_init(scratch, cli, binaries) as init_env:
                runs["theirs"] = pytest_run(args.python, repo, ["-p", "no:quickstart_runner", *selection],
                                            {**base_env, **init_env}, scratch / "theirs.xml", args.logs / "theirs.log")
        if args.only != "theirs":
            for workers in [args.n, *filter(None, args.also.split(","))]:
                runs[f"ours -n {workers}"] = pytest_run(
                    args.python, repo, ["--noconftest", "-n", workers, "-p", "xdist", "--dapr-sidecar", "dapr",
                                        "--dapr-version", args.dapr_version, *selection],
                    base_env, scratch / f"ours-{workers}.xml", args.logs / f"ours-{workers}.log")
    names = sorted(set().union(*(found for _, found in runs.values())))
    columns = list(runs)
    width = max([len(name) for name in names] + [10])
    print(f"{'TEST':{width}}  " + "  ".join(f"{column:48}" for column in columns))
    for name in names:
        print(f"{name:{width}}  " + "  ".join(f"{runs[c][1].get(name, '-')[:48]:48}" for c in columns))
    for column, (wall, found) in runs.items():
        counts = {}
        for outcome in found.values():
            counts[outcome.split(":")[0]] = counts.get(outcome.split(":")[0], 0) + 1
        print(f"{column}: {wall:.0f}s wall; " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
    if "theirs" in runs and len(runs) > 1:
        ours = columns[1]
        same = sum(runs["theirs"][1].get(n, "-").split(":")[0] == runs[ours][1].get(n, "-").split(":")[0] for n in names)
        print(f"same outcome as theirs ({ours}): {same} of {len(names)}; logs in {args.logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
