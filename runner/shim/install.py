"""Putting the shims on a README run's PATH, and what they learn of the run through the
environment (its Redis, its control plane, its run dir for name resolution and the services
shims start, its daprd)."""

from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path

ENV_REDIS = "QSR_REDIS"
ENV_RUN_DIR = "QSR_RUN_DIR"
ENV_DAPRD = "QSR_DAPRD"
ENV_PLACEMENT = "QSR_PLACEMENT"
ENV_SCHEDULER = "QSR_SCHEDULER"
ENV_REAL_DAPR = "QSR_REAL_DAPR"  # --sidecar dapr: the real CLI the `dapr` shim hands every call to
SHIMS = ("dapr", "docker")


def write_shims(bin_dir: Path) -> list[Path]:
    """An executable per shim in `bin_dir`, each running this package with this Python."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SHIMS:
        shim = bin_dir / name
        shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m runner.shim {name} \"$@\"\n")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        written.append(shim)
    return written
