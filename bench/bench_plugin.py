"""The pytest plugin against the CLI and against itself:

1. `pytest --quickstarts SNAPSHOT --quickstarts-ref v1.17.0 --quickstarts-lang go -n 4` and
   `validate` on the same selection: the verdict of every quickstart from each, side by side.
2. Hand-written tests in dapr/python-sdk's style (the `dapr` fixture) against the bundled
   state_management python quickstart and a pub/sub example (start + run + stop), eight
   tests, serially and with `-n 4`: wall times (median of runs) and their ratio.

    python bench/bench_plugin.py [--lang go] [--runs 3] [--skip-upstream]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]

HAND_WRITTEN = '''
import time

import pytest

from runner.testing import assert_lines

EXPECTED = ["== APP == INFO:root:Saving Order: {'orderId': '1'}", "== APP == INFO:root:Deleting Order: {'orderId': '2'}"]


@pytest.mark.example_dir("state_management/python/sdk/order-processor")
@pytest.mark.parametrize("run", range(6))
def test_state_store(dapr, run):
    output = dapr.run("--app-id order-processor --resources-path ../../../resources/ -- python3 app.py",
                      timeout=60, until=EXPECTED)
    assert_lines(output, EXPECTED)


@pytest.mark.example_dir("pubsub")
@pytest.mark.parametrize("run", range(2))
def test_pubsub(dapr, run):
    dapr.start("--app-id order-processor --resources-path ./components --app-port 6111 -- python3 subscriber.py")
    assert_lines(dapr.run("--app-id checkout --resources-path ./components -- python3 publisher.py", timeout=60),
                 ["Published data: {'orderId': 3}"])
    time.sleep(1)
    assert_lines(dapr.stop(), ["Subscriber received: {'orderId': 3}"])
'''


def verdicts_of_junit(path: Path) -> dict[str, str]:
    found = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        status = "failed" if case.find("failure") is not None else "skipped" if case.find("skipped") is not None else "passed"
        found[case.get("name")] = status
    return found


def upstream(lang: str, scratch: Path) -> None:
    junit, out = scratch / "junit.xml", scratch / "validate.json"
    started = time.monotonic()
    benchrun.run([*PYTEST, "--quickstarts", str(SNAPSHOT), "--quickstarts-ref", "v1.17.0", "--quickstarts-lang", lang,
                    "-n", "4", f"--junitxml={junit}"], cwd=scratch, capture_output=True)
    plugin_s = time.monotonic() - started
    started = time.monotonic()
    benchrun.run([sys.executable, "-m", "runner", "validate", "--repo", str(SNAPSHOT), "--ref", "v1.17.0",
                    "--lang", lang, "-j", "4", "--json", str(out)], cwd=ROOT, capture_output=True)
    validate_s = time.monotonic() - started
    plugin = verdicts_of_junit(junit)
    validate = {job["quickstart"]: "passed" if job["status"] == "flaky" else job["status"]
                for job in json.loads(out.read_text())["jobs"]}
    print(f"{'quickstart':32} {'pytest -n 4':12} validate -j 4")
    for name in sorted(validate):
        print(f"{name:32} {plugin.get(name, 'missing'):12} {validate[name]}")
    same = sum(plugin.get(name) == status for name, status in validate.items())
    print(f"same verdict: {same} of {len(validate)}; pytest -n 4 {plugin_s:.0f} s, validate -j 4 {validate_s:.0f} s\n")


def hand_written(runs: int, scratch: Path) -> None:
    project = scratch / "examples-project"
    (project / "examples").mkdir(parents=True)
    shutil.copytree(ROOT / "quickstarts" / "state_management", project / "examples" / "state_management",
                    ignore=shutil.ignore_patterns("node_modules", "target", "bin", "obj"))
    shutil.copytree(ROOT / "tests" / "data" / "examples" / "pubsub", project / "examples" / "pubsub")
    (project / "pytest.ini").write_text("[pytest]\ndapr_examples_root = examples\n")
    (project / "test_examples.py").write_text(HAND_WRITTEN)
    venv = scratch / "venv"  # the examples' own dependencies, as a python-sdk checkout has them
    benchrun.run([sys.executable, "-m", "venv", str(venv)], check=True)
    benchrun.run([str(venv / "bin" / "pip"), "install", "-q", "-r",
                    str(project / "examples/state_management/python/sdk/order-processor/requirements.txt")], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    times = {}
    for mode, extra in (("serial", []), ("-n 4", ["-n", "4"])):
        walls = []
        for _ in range(runs):
            started = time.monotonic()
            done = benchrun.run([*PYTEST, *extra], cwd=project, env=env, capture_output=True, text=True)
            walls.append(time.monotonic() - started)
            if done.returncode != 0:
                sys.exit(f"hand-written tests failed ({mode}):\n{done.stdout[-3000:]}")
        times[mode] = statistics.median(walls)
        print(f"8 hand-written tests, {mode}: {times[mode]:.1f} s (median of {runs})")
    print(f"serial / -n 4: {times['serial'] / times['-n 4']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="go")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-upstream", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if not args.skip_upstream:
            upstream(args.lang, Path(scratch))
        hand_written(args.runs, Path(scratch))


if __name__ == "__main__":
    main()
