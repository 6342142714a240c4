"""The command line: `quickstart-runner validate|list|docs|readme|steps|matrix|report|provision|doctor`.
Each command is one module of this package with `add_parser` and `run`."""

from __future__ import annotations

import argparse
import signal
import sys

from runner import __version__
from runner.cli import docs, doctor, listing, matrix, provision, readme, report, steps, validate
from runner.errors import InputError
from runner.provision.daprd import ProvisionError
from runner.services.groups import Interrupted, reap_leftovers

COMMANDS = {"validate": validate, "list": listing, "docs": docs, "readme": readme, "steps": steps,
            "matrix": matrix, "report": report, "provision": provision, "doctor": doctor}
STARTS_PROCESSES = ("validate", "readme", "docs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quickstart-runner", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"quickstart-runner {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: every job stops what it started


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C unwinds even when started with SIGINT ignored (a shell's background job, a CI runner).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if args.command in STARTS_PROCESSES:
            for leftover in reap_leftovers():
                print(f"quickstart-runner: cleaned up after an earlier run: {leftover}", file=sys.stderr)
        return COMMANDS[args.command].run(args)
    except InputError as exc:
        print(f"quickstart-runner: {exc}", file=sys.stderr)
        return 2
    except ProvisionError as exc:
        print(f"quickstart-runner: provision: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted):
        print("quickstart-runner: interrupted; everything started was stopped", file=sys.stderr)
        return 130
