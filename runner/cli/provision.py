"""`quickstart-runner provision daprd|dapr`: find, fetch or build the Dapr binaries, saying which."""

from __future__ import annotations

import argparse

from runner.cli import say
from runner.provision import DEFAULT_VERSION
from runner.provision.dapr_cli import ensure_cli
from runner.provision.daprd import CONTROL_PLANE_CHOICES, ensure_control_plane, ensure_daprd
from runner.provision.releases import Releases


def configure(provision: argparse.ArgumentParser) -> None:
    provision.add_argument("what", choices=["daprd", "dapr"], help="daprd (with placement and scheduler), or the "
                           "dapr CLI (slim, beside that daprd)")
    provision.add_argument("--version", dest="dapr_version", help=f"the runtime version (default {DEFAULT_VERSION})")
    provision.add_argument("--cli-version", help="the dapr CLI version (default: the newest served for the runtime)")
    provision.add_argument("--releases", metavar="URL", help="where official archives come from (default "
                           "$QUICKSTART_RUNNER_RELEASES, else https://github.com)")
    provision.add_argument("--offline", action="store_true", help="never download: find, else build")
    provision.add_argument("--control-plane", choices=CONTROL_PLANE_CHOICES, default="auto",
                           help="official placement and scheduler, ours (built: every listener on loopback), or auto")


def run(args: argparse.Namespace) -> int:
    version = args.dapr_version or DEFAULT_VERSION
    releases = Releases(args.releases or "", args.offline)
    daprd = ensure_daprd(version, progress=say, releases=releases)
    if args.what == "dapr":
        cli = ensure_cli(args.cli_version, daprd, progress=say, releases=releases)
        print(f"dapr CLI {cli.version} ({cli.origin}): {cli.path}; DAPR_RUNTIME_PATH={cli.runtime_path}")
        return 0
    plane = ensure_control_plane(version, progress=say, beside=daprd.path, choice=args.control_plane, releases=releases)
    print(f"daprd {daprd.version}: {daprd.path}\n  from {daprd.described}")
    print(f"placement: {plane.placement}\nscheduler: {plane.scheduler}\n  from {plane.origin}")
    return 0
