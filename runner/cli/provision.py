"""`quickstart-runner provision daprd|dapr`: find or build the Dapr binaries."""

from __future__ import annotations

import argparse

from runner.cli import say
from runner.provision import DEFAULT_VERSION
from runner.provision.dapr_cli import ensure_cli
from runner.provision.daprd import ensure_control_plane, ensure_daprd


def configure(provision: argparse.ArgumentParser) -> None:
    provision.add_argument("what", choices=["daprd", "dapr"], help="daprd (with placement and scheduler), or the "
                           "dapr CLI (slim, beside our daprd)")
    provision.add_argument("--version", dest="dapr_version", help=f"the runtime version (default {DEFAULT_VERSION})")
    provision.add_argument("--cli-version", help="the dapr CLI version (default: the newest served for the runtime)")


def run(args: argparse.Namespace) -> int:
    version = args.dapr_version or DEFAULT_VERSION
    daprd = ensure_daprd(version, progress=say)
    if args.what == "dapr":
        cli = ensure_cli(args.cli_version, daprd, progress=say)
        print(f"dapr CLI {cli.version} ({cli.origin}): {cli.path}; DAPR_RUNTIME_PATH={cli.runtime_path}")
        return 0
    plane = ensure_control_plane(version, progress=say, beside=daprd.path)
    print(f"daprd {daprd.version} ({daprd.origin}): {daprd.path}")
    print(f"placement: {plane.placement}\nscheduler: {plane.scheduler}")
    return 0
