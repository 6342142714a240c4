"""What a pull request costs: the v1.17.0 snapshot cloned, one commit of our own per kind of change
on top (an app file, a components folder, a README, the CI env, docs only, a folder rename), and
for each `validate --changed v1.17.0` (selection with reasons, wall time) next to the full run's
wall time (`--full-json` of an earlier whole-snapshot `validate --json`, its run.wall_s; or `--full`
to run it first).

    python bench/bench_changed.py --full-json r.json [--lang python,javascript,java,go]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "upstream" / "dapr-quickstarts.git"

CHANGES = {
    "app file": "printf '\\n# reviewed\\n' >> pub_sub/python/sdk/order-processor/app.py",
    "components folder": "printf '  - name: redeliverInterval\\n    value: 10s\\n' >> pub_sub/components/pubsub.yaml",
    "README": "sed -i '0,/^# /s//# (reviewed) /' state_management/go/sdk/README.md",
    "CI env": "mkdir -p .github/env && printf 'DAPR_RUNTIME_VERSION=1.17.0\\n' > .github/env/global.env "
              "&& git add -f .github/env/global.env",
    "docs only": "printf '\\nA note.\\n' >> README.md && cp tutorials/observability/img/zipkin-1.png tutorials/z.png",
    "folder rename": "git mv tutorials/hello-world tutorials/hello-world-app",
}


def git(cwd: Path, *args: str) -> None:
    benchrun.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def clone_with_changes(scratch: Path) -> Path:
    bare = scratch / "snapshot.git"
    shutil.copytree(SNAPSHOT, bare, copy_function=shutil.copyfile)
    for name in ("heads", "tags"):
        (bare / "refs" / name).mkdir(parents=True, exist_ok=True)
    tree = scratch / "tree"
    git(scratch, "clone", "-q", str(bare), str(tree))
    for index, command in enumerate(CHANGES.values()):
        git(tree, "checkout", "-q", "-B", f"change-{index}", "v1.17.0")
        benchrun.run(command, shell=True, cwd=tree, check=True)
        git(tree, "add", "-A")
        git(tree, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", f"change {index}")
    return tree


def validate(tree: Path, ref: str, lang: str, extra: list[str]) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "r.json"
        started = time.monotonic()
        benchrun.run([sys.executable, "-m", "runner", "validate", "--repo", str(tree), "--ref", ref, "--lang", lang,
                        "--json", str(path), *extra], cwd=ROOT, capture_output=True)
        wall = time.monotonic() - started
        return wall, json.loads(path.read_text())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="python,javascript,java,go")
    parser.add_argument("--full-json", type=Path, help="an earlier whole-snapshot --json (its wall time in run.wall_s)")
    parser.add_argument("--full", action="store_true", help="run the whole snapshot first, for the full run's time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tree = clone_with_changes(Path(scratch))
        full = None
        if args.full:
            full, _ = validate(tree, "v1.17.0", args.lang, [])
        elif args.full_json:
            full = json.loads(args.full_json.read_text())["run"].get("wall_s")
        print(f"full run: {full:.0f}s" if full else "full run: not measured (give --full or --full-json)")
        print(f"{'CHANGE':18} {'JOBS':>4} {'WALL':>7} {'OF FULL':>8}  SELECTION (why)")
        for index, kind in enumerate(CHANGES):
            wall, document = validate(tree, f"change-{index}", args.lang, ["--changed", "v1.17.0"])
            changed = document["run"]["changed"]
            jobs = document["jobs"]
            share = f"{wall / full:.1%}" if full else "-"
            why = ("everything: " + changed["everything"]) if changed["everything"] else \
                "; ".join(f"{name}: {reason}" for name, reason in changed["selected"].items()) or "nothing"
            print(f"{kind:18} {len(jobs):4} {wall:6.1f}s {share:>8}  {why[:160]}")
            if changed["gone"]:
                print(f"{'':41}gone: {', '.join(changed['gone'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
