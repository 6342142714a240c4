"""`--infra docker` against local services: a real engine (Debian's dockerd, started here),
the service images built FROM scratch (first-run build time), then the same quickstarts
validated both ways, alternating, and each job's duration compared (medians, ratio).

    python bench/bench_docker.py [--runs 3] [--lang python,go]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import benchrun

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from dockerhost import build_service_images, start_engine, stop_engine  # noqa: E402
from runner.provision.daprd import ensure_control_plane  # noqa: E402


def durations(infra: str, lang: str, host: str, out: Path) -> dict[str, tuple[str, float]]:
    benchrun.run([sys.executable, "-m", "runner", "validate", "--infra", infra, "--lang", lang, "-j", "1",
                    "--json", str(out)], cwd=ROOT, env={**os.environ, "DOCKER_HOST": host}, capture_output=True)
    return {job["quickstart"]: (job["status"], job["duration_s"]) for job in json.loads(out.read_text())["jobs"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lang", default="python,go")
    args = parser.parse_args()
    if shutil.which("dockerd") is None:
        sys.exit("dockerd: not found (apt-get install docker.io)")
    import docker

    with tempfile.TemporaryDirectory() as scratch:
        process, host = start_engine(Path(scratch) / "engine")
        try:
            binaries = ensure_control_plane()
            built = build_service_images(docker.DockerClient(base_url=host), binaries.placement, binaries.scheduler,
                                         "1.17.0", Path(scratch) / "images")
            print(f"first-run image build (redis:6, daprio/dapr:1.17.0 FROM scratch): {built:.1f} s")
            runs: dict[str, dict[str, list]] = {"local": {}, "docker": {}}
            for _ in range(args.runs):
                for infra in ("local", "docker"):
                    for name, (status, seconds) in durations(infra, args.lang, host, Path(scratch) / "r.json").items():
                        runs[infra].setdefault(name, []).append((status, seconds))
        finally:
            stop_engine(process, Path(scratch) / "engine")
    print(f"{'quickstart':32} {'local s':>8} {'docker s':>9} {'ratio':>6}  verdicts local / docker")
    for name in sorted(runs["local"]):
        local = statistics.median(s for _, s in runs["local"][name])
        container = statistics.median(s for _, s in runs["docker"][name])
        verdicts = f"{','.join(v for v, _ in runs['local'][name])} / {','.join(v for v, _ in runs['docker'][name])}"
        print(f"{name:32} {local:8.2f} {container:9.2f} {container / local:6.2f}  {verdicts}")


if __name__ == "__main__":
    main()
