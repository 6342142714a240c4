"""Which sidecar the jobs of a run use, found or built once: daprd driven by the runner, or the
real dapr CLI; and each job's own placement and scheduler, as `dapr init` gives one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from runner.errors import InputError
from runner.job.plan import RunSettings
from runner.provision.daprcli import cli_version, ensure_cli, installed_cli
from runner.provision.daprd import binary_version, ensure_control_plane, ensure_daprd


def run_settings(sidecar: str, version: str, daprd: Path | None, say: Callable[[str], None],
                 **extra) -> tuple[RunSettings, dict]:
    """The settings for `sidecar` (auto | daprd | dapr), and what to say about them (printed, and
    kept in reports). `daprd`: a daprd binary to use instead of ours."""
    extra["control_plane_binaries"] = ensure_control_plane(version, progress=say, beside=daprd)
    cli = installed_cli() if sidecar in ("auto", "dapr") else None
    if sidecar == "dapr" and cli is None:
        cli = ensure_cli(version, progress=say)
    if cli is not None:
        runtime = cli_version(cli.path, cli.env())[1]
        say(f"sidecar: dapr CLI {cli.version} ({cli.path}), runtime {runtime}")
        return (RunSettings(daprd=Path("daprd"), sidecar="dapr", dapr_cli=cli, **extra),
                {"sidecar": "dapr", "dapr_cli": str(cli.path), "cli_version": cli.version, "runtime_version": runtime})
    if daprd is not None:
        if not daprd.is_file() or not os.access(daprd, os.X_OK):
            raise InputError("not an executable daprd", daprd)
    else:
        daprd = ensure_daprd(version, progress=say).path
    found = binary_version(daprd)
    say(f"sidecar: daprd {found or '?'} ({daprd})")
    return RunSettings(daprd=daprd, **extra), {"sidecar": "daprd", "daprd": str(daprd), "runtime_version": found}
