"""The environment in which `dapr` and `docker` calls are served by the runner: one Redis, one
control plane and one run dir (name resolution, the services the shims start) for every
call made in it, the shims first on PATH. A README run makes one; so does the pytest
plugin's `dapr` fixture, per test."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from runner.services import started
from runner.services.containers import Launcher, local
from runner.services.controlplane import ControlPlane
from runner.services.groups import TRACK_DIR_ENV, tracking_dir
from runner.services.redis import RedisServer
from runner.shim.install import (ENV_DAPRD, ENV_PLACEMENT, ENV_REAL_DAPR, ENV_REDIS, ENV_RUN_DIR, ENV_SCHEDULER,
                                 write_shims)


def shimmed_env(workdir: Path, stack: contextlib.ExitStack, base: dict[str, str], daprd: Path | None = None,
                control_plane=None, real_cli=None, launch: Launcher = local) -> dict[str, str]:
    """`base` with what the shims need, its services started in `workdir` (as processes, or in
    containers) and stopped by `stack`."""
    env = dict(base)
    run_dir = workdir / "run"
    run_dir.mkdir()
    redis = RedisServer(workdir / "redis", launch=launch)
    stack.callback(redis.stop)
    env.update({ENV_REDIS: redis.start().address, ENV_RUN_DIR: str(run_dir), TRACK_DIR_ENV: str(tracking_dir())})
    if control_plane is not None:
        plane = ControlPlane(control_plane.placement, control_plane.scheduler, workdir / "control-plane", launch)
        stack.callback(plane.stop)
        addresses = plane.start()
        env.update({ENV_PLACEMENT: addresses.placement, ENV_SCHEDULER: addresses.scheduler})
    stack.callback(started.stop_all, run_dir)
    shim_dir = workdir / "bin"
    write_shims(shim_dir)
    env["PATH"] = f"{shim_dir}{os.pathsep}{env.get('PATH', '')}"
    if daprd is not None:
        env[ENV_DAPRD] = str(daprd)
    if real_cli is not None:
        env.update({ENV_REAL_DAPR: str(real_cli.path), **real_cli.env()})
    return env
