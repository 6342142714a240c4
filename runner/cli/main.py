"""The command line: `quickstart-runner validate|list|docs|readme|steps|matrix|report|provision|doctor`.
Each command is one module of this package with `configure(parser)` and `run(args)`; only the
module of the command given is imported, so a command starts with what it uses only."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
from typing import Iterable

from runner import __version__
from runner.errors import InputError, RunnerError
from runner.services.groups import Interrupted, reap_leftovers
from runner.services.shimenv import CLI_FORMAT

# command: (its module, what it is for)
COMMANDS = {
    "validate": ("validate", "run quickstarts and match their output"),
    "list": ("listing", "list the quickstarts of a tree and whether they can run here"),
    "docs": ("docs", "check docs pages against a quickstarts checkout"),
    "readme": ("readme", "run an annotated markdown file as mechanical-markdown's mm.py does"),
    "steps": ("steps", "show the STEP blocks of an annotated README"),
    "matrix": ("matrix", "print a GitHub Actions strategy.matrix of validate shards"),
    "report": ("report", "work with saved results"),
    "provision": ("provision", "find or build the Dapr binaries"),
    "doctor": ("doctor", "what is present here, with versions, and what a missing piece means"),
}
STARTS_PROCESSES = ("validate", "readme", "docs")


def command_module(name: str):
    return importlib.import_module(f"runner.cli.{COMMANDS[name][0]}")


def build_parser(configured: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the options of the `configured` commands (default: every one); the
    others are listed by name and purpose only."""
    wanted = set(COMMANDS if configured is None else configured)
    parser = argparse.ArgumentParser(prog="quickstart-runner", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"quickstart-runner {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, purpose) in COMMANDS.items():
        sub = commands.add_parser(name, help=purpose, description=purpose)
        if name in wanted:
            command_module(name).configure(sub)
    return parser


def _terminate(signum, frame):
    raise KeyboardInterrupt("SIGTERM received")  # unwinds like Ctrl-C: every job stops what it started


def _again_in_a_user_namespace(given: list[str]) -> None:
    """Not root: this run again in a user namespace of its own, where jobs get networks of their own."""
    from runner.services import netns

    again = netns.in_user_namespace_argv(given)
    if again is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execvpe(again[0], again, {**os.environ, netns.IN_USER_NAMESPACE: "1"})


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    named = next((word for word in given if not word.startswith("-")), None)
    args = build_parser([named] if named in COMMANDS else []).parse_args(given)
    args.argv = given[given.index(args.command) + 1:]  # the command's own arguments, kept in reports
    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C unwinds even when started with SIGINT ignored (a shell's background job, a CI runner).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if getattr(args, "cli_version", None):  # what the dapr shim prints, through its contract (services/shimenv.py)
            if not re.fullmatch(r"v?\d+\.\d+(\.\d+)?(-[\w.]+)?", args.cli_version):
                raise InputError(f"wants a dapr CLI version such as 1.16.5 or 1.18, not {args.cli_version!r}", "--cli-version")
            os.environ[CLI_FORMAT] = args.cli_version
        if argv is None and args.command in STARTS_PROCESSES and getattr(args, "job_network", "shared") != "shared":
            _again_in_a_user_namespace(given)
        if args.command in STARTS_PROCESSES:
            for leftover in reap_leftovers():
                print(f"quickstart-runner: cleaned up after an earlier run: {leftover}", file=sys.stderr)
        return command_module(args.command).run(args)
    except RunnerError as exc:  # the one place errors become exit codes
        print(f"quickstart-runner: {exc}", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, Interrupted) as exc:
        why = getattr(exc, "why", "") or str(exc) or "Ctrl-C (SIGINT)"
        print(f"quickstart-runner: interrupted ({why}); everything started was stopped", file=sys.stderr)
        return 130
