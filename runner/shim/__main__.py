"""`python -m runner.shim NAME ARGS...`: the entry every shim executable calls."""

import importlib
import sys

from runner.errors import InputError
from runner.services.shimenv import SHIMS


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SHIMS:
        print(f"quickstart-runner shim: unknown shim {argv[:1]}; known: {', '.join(SHIMS)}", file=sys.stderr)
        return 2
    try:
        return importlib.import_module(f"runner.shim.{argv[0]}").main(argv[1:])
    except InputError as exc:
        print(f"quickstart-runner: {exc}", file=sys.stderr)
        return 2


raise SystemExit(main(sys.argv[1:]))
