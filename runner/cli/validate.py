"""`quickstart-runner validate`: run the selected quickstarts and match their output."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from runner.cli.common import (at_least, checkout, expected_root, parse_languages, redis_arg, report_args, say,
                               sidecar_args, sidecar_settings, source_args, source_info, write_reports)
from runner.errors import InputError
from runner.formats.expected import render_expected
from runner.job import RunSettings
from runner.job.pool import run_all
from runner.report.console import LiveProgress, ProgressPrinter, print_results
from runner.results import exit_code
from runner.source.catalog import VARIANTS, discover
from runner.source.plan import detect_toolchains, plan_job, select
from runner.source.shards import parse_shard, shard
from runner.transcript.normalize import normalizer
from runner.transcript.update import updated_lines


def add_parser(commands) -> None:
    validate = commands.add_parser("validate", help="run quickstarts and match their output")
    validate.add_argument("building_blocks", nargs="*", metavar="BUILDING_BLOCK")
    validate.add_argument("--lang", action="append", default=[], help="languages, comma-separated")
    validate.add_argument("--variant", action="append", default=[], choices=VARIANTS)
    source_args(validate)
    validate.add_argument("--expected", type=Path, help="directory of expected transcripts")
    report_args(validate)
    validate.add_argument("--shard", help="run only slice I of N of the selection (I/N), for CI matrices")
    validate.add_argument("--redis", help="use this Redis (HOST:PORT) instead of starting one per job")
    sidecar_args(validate)
    validate.add_argument("--timeout", type=float, help="seconds a job may run (default: expectation's, or 180)")
    # Jobs spend most of their time waiting on the apps' own pace (their sleeps), not on
    # the CPU: twice the cores keeps the machine busy without oversubscribing it.
    validate.add_argument("-j", "--jobs", type=int, default=2 * (os.cpu_count() or 1),
                          help="jobs run at once (default: twice the number of cores)")
    validate.add_argument("--retries", type=int, default=0, help="rerun a failed job up to N times (a pass "
                          "on a rerun is reported as flaky)")
    validate.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                          help="pass this credential-looking variable (*TOKEN*, *SECRET*, *PASSWORD*, *KEY*) to the apps")
    validate.add_argument("--strict", action="store_true", help="a skipped job fails the run")
    validate.add_argument("--update-expected", action="store_true",
                          help="rewrite the expected transcript of each failing job with its observed output")


def run(args: argparse.Namespace) -> int:
    languages = parse_languages(args.lang)
    at_least(args.jobs, 1, "--jobs")
    at_least(args.retries, 0, "--retries")
    at_least(args.timeout, 0, "--timeout", strictly=True)
    redis = redis_arg(args.redis)
    source = checkout(args)
    selected = select(discover(source.root, expected_root(args, source)), args.building_blocks, languages,
                      args.variant)
    if not selected:
        wanted = " ".join(args.building_blocks + languages) or "anything"
        raise InputError(f"no quickstart matches {wanted}", source.root)
    if args.shard:
        selected = shard(selected, *parse_shard(args.shard), key=lambda qs: qs.name)
        if not selected:
            say(f"shard {args.shard}: nothing to run")
            return 0
    toolchains = detect_toolchains(selected)
    plans = [plan_job(qs, toolchains, args.timeout) for qs in selected]
    if any(plan.skip_reason is None for plan in plans):
        settings, info = sidecar_settings(args, redis, pass_env=frozenset(args.pass_env))
    else:
        settings, info = RunSettings(daprd=Path("daprd"), redis=redis), {"sidecar": None}
    live = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    printer = LiveProgress([plan.name for plan in plans]) if live else ProgressPrinter()
    with printer if live else contextlib.nullcontext():
        results = run_all(plans, settings, args.jobs, args.retries, printer, printer.verdict)
    print_results(results, verdicts=live)
    if args.update_expected:
        _update_expected(plans, results)
    write_reports(results, args.json_path, args.junit, args.html, {**info, **source_info(source), "shard": args.shard})
    return exit_code(results, strict=args.strict)


def _update_expected(plans, results) -> None:
    for plan, result in zip(plans, results):
        expectation = plan.expectation
        if result.status != "failed" or expectation is None or plan.expected_source != "expected file":
            continue
        normal = normalizer(expectation.normalizers, expectation.masks)
        observed = [normal(line) for line in result.transcript if normal(line).startswith("== APP")]
        if observed:
            Path(expectation.source).write_text(render_expected(expectation, updated_lines(expectation, observed)),
                                                encoding="utf-8")
            say(f"updated {expectation.source} ({len(observed)} lines)")
