"""mechanical-markdown's mm.py for real on the bundled READMEs, with the real dapr CLI, against the runner.

mm.py needs what `dapr init` gives a user: a dapr CLI on PATH with a daprd, and a Redis on
localhost:6379 (the READMEs' components point there). The CLI is the runner's provisioned
slim install; Redis is a redis-server this benchmark starts on 127.0.0.1:6379 and stops
(it refuses to run if something else holds that port).

    python bench/bench_mm_real.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LANGS = ["go", "java", "javascript", "python"]

from runner.services.redis import RedisEndpoint, ping  # noqa: E402
from runner.provision.dapr_cli import ensure_cli  # noqa: E402


def timed(argv: list[str], cwd: Path, env: dict) -> tuple[float, int]:
    start = time.monotonic()
    code = benchrun.run(argv, cwd=cwd, env=env, capture_output=True, timeout=900).returncode
    return time.monotonic() - start, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    cli = ensure_cli()
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) == 0:
            sys.exit("something already listens on 127.0.0.1:6379; stop it to run this benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        redis = subprocess.Popen(["redis-server", "--port", "6379", "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL, start_new_session=True)
        try:
            while not ping(RedisEndpoint("127.0.0.1", 6379)):
                time.sleep(0.05)
            env = {**os.environ, **cli.env(),
                   "PATH": os.pathsep.join([str(cli.path.parent), str(Path(sys.executable).parent), os.environ["PATH"]])}
            print(f"dapr CLI {cli.version} ({cli.path}); medians of {args.repeat} run(s)\n")
            print(f"{'README':45} {'mm.py s':>8} {'verdict':>8} {'readme s':>9} {'verdict':>8}")
            mm_total = ours_total = 0.0
            for lang in LANGS:
                folder = ROOT / "quickstarts/state_management" / lang / "sdk"
                mm_runs = [timed([sys.executable, "-m", "mechanical_markdown", "README.md"], folder, env)
                           for _ in range(args.repeat)]
                ours_runs = [timed([sys.executable, "-m", "runner", "readme", "README.md"], folder, env)
                             for _ in range(args.repeat)]
                mm = statistics.median(t for t, _ in mm_runs)
                ours = statistics.median(t for t, _ in ours_runs)
                mm_total += mm
                ours_total += ours
                print(f"{str(folder.relative_to(ROOT)) + '/README.md':45} {mm:8.1f} {mm_runs[-1][1]:>8} "
                      f"{ours:9.1f} {ours_runs[-1][1]:>8}")
        finally:
            redis.terminate()
            redis.wait()
    validate = []
    for _ in range(args.repeat):
        start = time.monotonic()
        benchrun.run([sys.executable, "-m", "runner", "validate", "state_management", "--lang", ",".join(LANGS)],
                       cwd=ROOT, capture_output=True)
        validate.append(time.monotonic() - start)
    wall = statistics.median(validate)
    print(f"\nmm.py, 4 READMEs one after another: {mm_total:.1f} s; `readme` on the same: {ours_total:.1f} s")
    print(f"quickstart-runner validate (warm, -j default): {wall:.1f} s -> {mm_total / wall:.1f}x faster than mm.py")


if __name__ == "__main__":
    main()
