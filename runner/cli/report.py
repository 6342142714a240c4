"""`quickstart-runner report merge`: the `--json` files of several shards as one report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from runner.cli.common import report_args, write_reports
from runner.errors import InputError
from runner.report.console import print_results
from runner.results import JobResult, exit_code


def add_parser(commands) -> None:
    report = commands.add_parser("report", help="work with saved results")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    merge = report_commands.add_parser("merge", help="merge the --json results of several shards into one report")
    merge.add_argument("inputs", nargs="+", type=Path)
    report_args(merge)
    merge.add_argument("--strict", action="store_true")


def run(args: argparse.Namespace) -> int:
    results, runs = [], []
    for path in args.inputs:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            results += [JobResult.from_record(record) for record in document["jobs"]]
            runs.append(document.get("run", {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"not a quickstart-runner --json file: {exc}", path) from None
    results.sort(key=lambda r: r.quickstart)
    info = {"merged": f"{len(args.inputs)} files"}
    info.update({k: v for k, v in (runs[0] if runs else {}).items()
                 if k in ("sidecar", "dapr_version", "repo", "ref", "commit")})
    write_reports(results, args.json_path, args.junit, args.html, info)
    print_results(results)
    return exit_code(results, strict=args.strict)
