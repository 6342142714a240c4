"""An example whose app reaches Redis at `dapr init`'s address itself (its own client on
127.0.0.1:6379, its component on localhost:6379), the one of tests/test_e2e_init_redis.py: run by
mm.py with the real dapr CLI beside a Redis on 6379, as a `dapr init` reader has it, then by
`quickstart-runner readme` and `validate` (each with the Redis it starts there itself). Prints
the three verdicts and times.

    python bench/bench_init_redis.py
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from runner.provision.dapr_cli import ensure_cli  # noqa: E402
from runner.services.redis import RedisServer  # noqa: E402
from test_e2e_init_redis import APP, COMPONENT, README  # noqa: E402


def timed(argv: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int, str]:
    start = time.monotonic()
    done = benchrun.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return time.monotonic() - start, done.returncode, done.stdout + done.stderr


def main() -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) == 0:
            sys.exit("something already listens on 127.0.0.1:6379; stop it to run this benchmark")
    cli = ensure_cli()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        folder = tree / "configuration" / "python" / "http"
        (folder / "components").mkdir(parents=True)
        (folder / "components" / "configstore.yaml").write_text(COMPONENT)
        (folder / "app.py").write_text(APP)
        (folder / "README.md").write_text(README)
        redis = RedisServer(Path(tmp) / "redis", port=6379)  # as `dapr init` leaves it
        (Path(tmp) / "redis").mkdir()
        redis.start()
        try:
            path = os.pathsep.join([str(cli.path.parent), str(Path(sys.executable).parent), os.environ["PATH"]])
            mm = timed([sys.executable, "-m", "mechanical_markdown", "README.md"], folder,
                       {**os.environ, **cli.env(), "PATH": path})
        finally:
            redis.stop()
        readme = timed([sys.executable, "-m", "runner", "readme", "README.md"], folder)
        validate = timed([sys.executable, "-m", "runner", "validate", "--repo", str(tree)], ROOT)
    print(f"dapr CLI {cli.version}; the app writes orderId1 to 127.0.0.1:6379 itself, reads it through Dapr\n")
    print(f"{'run':40} {'exit':>5} {'s':>6}")
    for name, (seconds, code, output) in [("mm.py (real CLI, Redis on 6379)", mm), ("quickstart-runner readme", readme),
                                          ("quickstart-runner validate", validate)]:
        print(f"{name:40} {code:>5} {seconds:6.1f}")
        if code:
            print("   " + "\n   ".join(output.strip().splitlines()[-8:]))


if __name__ == "__main__":
    main()
