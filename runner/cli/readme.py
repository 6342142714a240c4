"""`quickstart-runner readme FILE.md`: an annotated markdown file run as mechanical-markdown's
mm.py runs it, with its flags and exit statuses."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from runner.cli import say
from runner.cli.args import cli_version_arg
from runner.errors import InputError
from runner.formats.steps import load_annotated
from runner.mm.links import check_links
from runner.mm.report import dry_run, run_report
from runner.mm.runner import ReadmeRun
from runner.provision import DEFAULT_VERSION
from runner.provision.daprd import ensure_control_plane, ensure_daprd
from runner.provision.releases import Releases
from runner.services.ports import port_turns
from runner.services.redis import RedisEndpoint, answering_redis
from runner.source.needs import REDIS_PORT, reaches_init_redis
from runner.transcript.appreasons import crash_reason


def configure(readme: argparse.ArgumentParser) -> None:
    readme.add_argument("markdown_file", type=Path)
    readme.add_argument("-s", "--shell", dest="shell_cmd", default="bash -c", help="shell to run commands with")
    readme.add_argument("-t", "--tags", action="append", default=[], help="only steps with these tags")
    readme.add_argument("-d", "--dry-run", action="store_true", help="print the commands, run nothing")
    readme.add_argument("-l", "--validate-links", action="store_true", help="check external links")
    readme.add_argument("-r", "--link-retries", type=int, default=3, metavar="RETRIES",
                        help="times a link is tried before it counts as broken (default 3)")
    readme.add_argument("-m", "--manual", action="store_true", help="pause at manual steps")
    readme.add_argument("--daprd", type=Path, help="path to a daprd binary to use")
    readme.add_argument("--dapr-version", default=DEFAULT_VERSION, help=f"the daprd version to find or build (default {DEFAULT_VERSION})")
    readme.add_argument("--releases", metavar="URL", help="where official Dapr archives come from when daprd is not "
                        "installed (default $QUICKSTART_RUNNER_RELEASES, else https://github.com)")
    readme.add_argument("--control-plane", choices=["auto", "official", "built"], default="auto",
                        help="placement and scheduler: official, built (ours, loopback only), or auto")
    cli_version_arg(readme)
    readme.add_argument("--strict", action="store_true",
                        help="an app that crashed fails the run, as in validate (default: mm.py's verdict, and a warning)")


def run(args: argparse.Namespace) -> int:
    annotated = load_annotated(args.markdown_file)
    if args.dry_run:
        print(dry_run(annotated, args.shell_cmd))
        return 0
    readme_run = ReadmeRun(annotated, args.shell_cmd, args.tags, manual=args.manual)
    turns = contextlib.ExitStack()
    if readme_run.uses_shims():
        readme_run.daprd = _daprd(args)
        readme_run.control_plane_binaries = ensure_control_plane(args.dapr_version, progress=say, beside=readme_run.daprd,
                                                                 choice=args.control_plane, releases=Releases(args.releases or ""))
        if reaches_init_redis(args.markdown_file.resolve().parent, annotated):  # its Redis where `dapr init` puts it
            readme_run.redis_port = REDIS_PORT
            kept = turns.enter_context(port_turns([REDIS_PORT], str(args.markdown_file), say, answering_redis))
            if kept:  # the Redis `dapr init` left there: its app writes to it itself, as its reader's does
                readme_run.redis = RedisEndpoint("127.0.0.1", REDIS_PORT)
                say(f"using the Redis already answering on {REDIS_PORT}: {args.markdown_file}'s app reaches it itself")
    with turns:
        success = readme_run.run()
    report = run_report(readme_run.steps)
    if args.validate_links:
        links_ok, links_report = check_links(annotated, args.link_retries)
        success, report = success and links_ok, report + links_report
    print(report)
    crashed = [app for app in readme_run.apps() if app.crashed]
    for app in crashed:  # mm.py would not notice: said, and with --strict failed
        print(f"WARNING: {crash_reason([app])}")
    return 0 if success and not (args.strict and crashed) else 1


def _daprd(args: argparse.Namespace) -> Path:
    if args.daprd:
        if not args.daprd.is_file() or not os.access(args.daprd, os.X_OK):
            raise InputError("not an executable daprd", args.daprd)
        return args.daprd
    return ensure_daprd(args.dapr_version, progress=say, releases=Releases(args.releases or "")).path
