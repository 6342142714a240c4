"""`quickstart-runner report merge`: the `--json` files of several shards as one report."""

from __future__ import annotations

import argparse
from pathlib import Path

from runner.cli.args import report_args
from runner.cli.common import write_reports
from runner.report.console import print_results
from runner.report.jsonfile import read_json
from runner.results import exit_code


def configure(report: argparse.ArgumentParser) -> None:
    report_commands = report.add_subparsers(dest="report_command", required=True)
    merge = report_commands.add_parser("merge", help="merge the --json results of several shards into one report")
    merge.add_argument("inputs", nargs="+", type=Path)
    report_args(merge)
    merge.add_argument("--strict", action="store_true", help="a skipped job fails the merged run")


def run(args: argparse.Namespace) -> int:
    results, runs = [], []
    for path in args.inputs:
        found, run_info = read_json(path)
        results += found
        runs.append(run_info)
    results.sort(key=lambda r: r.quickstart)
    info = {"merged": f"{len(args.inputs)} files"}
    info.update({k: v for k, v in (runs[0] if runs else {}).items()
                 if k in ("sidecar", "dapr_version", "repo", "ref", "commit")})
    write_reports(results, args.json_path, args.junit, args.html, info)
    print_results(results)
    return exit_code(results, strict=args.strict)
