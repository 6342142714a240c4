"""What a job's own placement and scheduler cost: wall time to ready, CPU seconds to ready and
over the next seconds of an idle job, resident memory. Medians over --repeat starts.

    python bench/bench_controlplane.py [--repeat 5] [--idle 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runner.provision.daprd import ensure_control_plane  # noqa: E402
from runner.services.controlplane import ControlPlane  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one(binaries, idle: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        plane = ControlPlane(binaries, Path(tmp))
        started = time.monotonic()
        plane.start()
        ready = time.monotonic() - started
        pids = [daemon.process.pid for daemon in plane.daemons]
        at_ready = {pid: cpu_seconds(pid) for pid in pids}
        time.sleep(idle)
        figures = {"ready_s": ready, "cpu_to_ready_s": sum(at_ready.values()),
                   "cpu_idle_s": sum(cpu_seconds(pid) - at_ready[pid] for pid in pids),
                   "rss_mib": sum(rss_mib(pid) for pid in pids)}
        for daemon, pid in zip(plane.daemons, pids):
            figures[f"{daemon.name}_cpu_to_ready_s"] = at_ready[pid]
            figures[f"{daemon.name}_cpu_idle_s"] = cpu_seconds(pid) - at_ready[pid]
            figures[f"{daemon.name}_rss_mib"] = rss_mib(pid)
        plane.stop()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of an idle job measured after ready")
    args = parser.parse_args()
    binaries = ensure_control_plane()
    runs = [one(binaries, args.idle) for _ in range(args.repeat)]
    print(f"placement + scheduler per job, medians of {args.repeat} (idle window {args.idle:.0f}s):")
    for key in runs[0]:
        print(f"  {key:28} {statistics.median(run[key] for run in runs):8.3f}")


if __name__ == "__main__":
    main()
